// The JSON document against its documented fields (README "JSON report", MODEL 9) and the CSV
// against the JSON, on real models.
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysed_models.h"
#include "bufopt/report/pareto.h"

namespace bufopt::testing {
namespace {

using nlohmann::json;

enum class Kind { kInt, kNumber, kString, kBool, kArray, kObject, kIntOrNull, kStringOrNull, kArrayOrNull };

bool has_kind(const json& value, Kind kind) {
  switch (kind) {
    case Kind::kInt: return value.is_number_integer();
    case Kind::kNumber: return value.is_number();
    case Kind::kString: return value.is_string();
    case Kind::kBool: return value.is_boolean();
    case Kind::kArray: return value.is_array();
    case Kind::kObject: return value.is_object();
    case Kind::kIntOrNull: return value.is_null() || value.is_number_integer();
    case Kind::kStringOrNull: return value.is_null() || value.is_string();
    case Kind::kArrayOrNull: return value.is_null() || value.is_array();
  }
  return false;
}

using Fields = std::vector<std::pair<const char*, Kind>>;

void expect_fields(const json& object, const Fields& fields, const std::string& where) {
  ASSERT_TRUE(object.is_object()) << where;
  for (const auto& [name, kind] : fields) {
    ASSERT_TRUE(object.contains(name)) << where << "." << name;
    EXPECT_TRUE(has_kind(object[name], kind)) << where << "." << name << " = " << object[name].dump();
  }
}

const Fields kTopLevel = {{"schema_version", Kind::kInt}, {"model", Kind::kObject},   {"platform", Kind::kObject},
                          {"mode", Kind::kString},        {"summary", Kind::kObject}, {"actors", Kind::kArray},
                          {"buffers", Kind::kArray},      {"unsupported", Kind::kArray}, {"fused", Kind::kArray},
                          {"warnings", Kind::kArray},     {"annotations", Kind::kObject}};
const Fields kPlatform = {{"name", Kind::kString},
                          {"macs_per_s", Kind::kNumber},
                          {"elems_per_s", Kind::kNumber},
                          {"firing_overhead_s", Kind::kNumber},
                          {"processors", Kind::kInt}};
const Fields kSummary = {{"max_slowdown", Kind::kNumber},     {"slowdown", Kind::kNumber},
                         {"time_s", Kind::kNumber},           {"baseline_time_s", Kind::kNumber},
                         {"baseline_bytes", Kind::kInt},      {"baseline_shared_bytes", Kind::kInt},
                         {"live_peak_bytes", Kind::kInt},     {"fifo_bytes", Kind::kInt},
                         {"shared_bytes", Kind::kInt},        {"lower_bound_bytes", Kind::kInt},
                         {"verified", Kind::kBool},           {"firings", Kind::kInt},
                         {"parameter_bytes", Kind::kInt},     {"macs", Kind::kInt},
                         {"actors", Kind::kInt},              {"buffers", Kind::kInt},
                         {"stream_io", Kind::kBool},          {"activation_bytes", Kind::kIntOrNull},
                         {"unknown_size_buffers", Kind::kArray}, {"storage", Kind::kString}};
const Fields kActor = {{"name", Kind::kString}, {"op_type", Kind::kString}, {"fused", Kind::kArray},
                       {"macs", Kind::kInt},    {"barrier", Kind::kBool},   {"streaming_reduction", Kind::kBool},
                       {"granularity", Kind::kInt},
                       {"phases", Kind::kInt},  {"zero_copy", Kind::kBool}};
const Fields kBuffer = {{"name", Kind::kString},         {"producer", Kind::kStringOrNull}, {"consumers", Kind::kArray},
                        {"shape", Kind::kArray},         {"dtype", Kind::kString},          {"streaming_axis", Kind::kIntOrNull},
                        {"row_bytes", Kind::kInt},       {"tensor_bytes", Kind::kInt},      {"io", Kind::kStringOrNull},
                        {"capacity_rows", Kind::kIntOrNull}, {"bytes", Kind::kInt},         {"offset", Kind::kIntOrNull},
                        {"lifetime", Kind::kArrayOrNull},  {"storage_of", Kind::kStringOrNull}};
const Fields kParetoSample = {{"max_slowdown", Kind::kNumber},
                              {"slowdown", Kind::kNumber},
                              {"shared_bytes", Kind::kInt},
                              {"fifo_bytes", Kind::kInt},
                              {"lower_bound_bytes", Kind::kInt}};

void check_document(const json& doc, const AnalysedModel& model) {
  expect_fields(doc, kTopLevel, "");
  EXPECT_EQ(doc["schema_version"], report::kJsonSchemaVersion);
  EXPECT_EQ(doc["mode"], "sequential");
  expect_fields(doc["platform"], kPlatform, "platform");
  expect_fields(doc["summary"], kSummary, "summary");
  const json& summary = doc["summary"];
  EXPECT_EQ(summary["buffers"].get<size_t>(), doc["buffers"].size());
  EXPECT_EQ(summary["actors"].get<size_t>(), doc["actors"].size());
  for (const json& actor : doc["actors"]) expect_fields(actor, kActor, "actor");
  std::set<std::string> actor_names;
  for (const json& actor : doc["actors"]) actor_names.insert(actor["name"].get<std::string>());
  int64_t fifo = 0;
  for (const json& buffer : doc["buffers"]) {
    const std::string where = "buffer " + buffer.value("name", std::string("?"));
    expect_fields(buffer, kBuffer, where);
    // MODEL 4.1: slice_of is null, or a zero-copy Concat's output and the slice's range in it,
    // whose storage the slice uses.
    ASSERT_TRUE(buffer.contains("slice_of")) << where;
    if (!buffer["slice_of"].is_null()) {
      const json& slice = buffer["slice_of"];
      expect_fields(slice,
                    {{"buffer", Kind::kString}, {"concat", Kind::kString}, {"axis", Kind::kInt},
                     {"channels", Kind::kArray}, {"row_bytes", Kind::kArray}},
                    where + ".slice_of");
      EXPECT_TRUE(buffer["storage_of"].is_string()) << where;
      EXPECT_TRUE(actor_names.count(slice["concat"].get<std::string>())) << where;
    }
    if (!buffer["producer"].is_null()) {
      EXPECT_TRUE(actor_names.count(buffer["producer"].get<std::string>())) << where;
    }
    for (const json& consumer : buffer["consumers"]) EXPECT_TRUE(actor_names.count(consumer.get<std::string>())) << where;
    const std::string io = buffer["io"].is_null() ? "" : buffer["io"].get<std::string>();
    EXPECT_TRUE(io.empty() || io == "input" || io == "output") << where;
    for (const json& dim : buffer["shape"]) EXPECT_TRUE(dim.is_number_integer()) << where;
    if (buffer["capacity_rows"].is_null()) continue;  // held by the application
    const int64_t bytes = buffer["bytes"].get<int64_t>();
    EXPECT_LE(buffer["offset"].get<int64_t>() + bytes, summary["shared_bytes"].get<int64_t>()) << where;
    // MODEL 4.1: a buffer in another's storage shows its storage's figures (checked below);
    // fifo_bytes counts each storage once.
    if (!buffer["storage_of"].is_null()) continue;
    EXPECT_EQ(bytes, buffer["capacity_rows"].get<int64_t>() * buffer["row_bytes"].get<int64_t>()) << where;
    EXPECT_LE(bytes, buffer["tensor_bytes"].get<int64_t>()) << where;
    fifo += bytes;
  }
  std::map<std::string, json> by_name;
  for (const json& buffer : doc["buffers"]) by_name[buffer["name"].get<std::string>()] = buffer;
  for (const json& buffer : doc["buffers"]) {
    if (buffer["storage_of"].is_null()) continue;
    const json& storage = by_name.at(buffer["storage_of"].get<std::string>());
    EXPECT_TRUE(storage["storage_of"].is_null()) << buffer["name"];
    for (const char* field : {"capacity_rows", "bytes", "offset", "lifetime"}) {
      EXPECT_EQ(buffer[field], storage[field]) << buffer["name"] << "." << field;
    }
  }
  EXPECT_EQ(fifo, summary["fifo_bytes"].get<int64_t>());
  EXPECT_EQ(summary["shared_bytes"].get<int64_t>(), model.result.evaluation.shared_bytes());
  for (const json& item : doc["unsupported"]) {
    expect_fields(item, {{"node", Kind::kString}, {"op_type", Kind::kString}, {"reason", Kind::kString}}, "unsupported");
  }
  for (const json& item : doc["fused"]) {
    expect_fields(item, {{"node", Kind::kString}, {"op_type", Kind::kString}, {"into", Kind::kString}}, "fused");
  }
}

std::vector<std::unique_ptr<AnalysedModel>> analysed_models() {
  std::vector<std::unique_ptr<AnalysedModel>> models;
  std::vector<ModelFile> files = bundled_models();
  for (const ModelFile& file : zoo_models()) files.push_back(file);
  for (const ModelFile& file : files) models.push_back(analyse(file, {}));
  return models;
}

TEST(JsonReport, RealModelsValidateAgainstTheDocumentedFields) {
  for (const auto& model : analysed_models()) {
    SCOPED_TRACE(model->path);
    check_document(json::parse(report::to_json(model->report())), *model);
  }
}

TEST(JsonReport, CarriesTheParetoFrontWhenComputed) {
  const auto model = analyse(bundled_models().front(), {});
  const report::ParetoFront front = report::compute_pareto_front(model->graph, model->result.options, 4);
  report::ModelReport with_front = model->report();
  with_front.pareto = &front;
  const json doc = json::parse(report::to_json(with_front));
  check_document(doc, *model);
  ASSERT_TRUE(doc.contains("pareto"));
  EXPECT_TRUE(doc["pareto"]["full_streaming_slowdown"].is_number());
  ASSERT_EQ(doc["pareto"]["samples"].size(), front.samples.size());
  for (const json& sample : doc["pareto"]["samples"]) expect_fields(sample, kParetoSample, "pareto sample");
  EXPECT_FALSE(json::parse(report::to_json(model->report())).contains("pareto"));
}

/// Splits one CSV line, honouring double-quoted fields.
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

TEST(CsvReport, OneRowPerBufferMatchingTheJson) {
  for (const auto& model : analysed_models()) {
    SCOPED_TRACE(model->path);
    const json doc = json::parse(report::to_json(model->report()));
    std::stringstream csv(report::to_csv(model->report()));
    std::string line;
    ASSERT_TRUE(std::getline(csv, line));
    const std::vector<std::string> header = csv_fields(line);
    EXPECT_EQ(header.front(), "name");
    std::vector<std::vector<std::string>> rows;
    while (std::getline(csv, line)) rows.push_back(csv_fields(line));
    ASSERT_EQ(rows.size(), doc["buffers"].size());
    const auto column = [&](const char* name) {
      return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(rows[i].size(), header.size()) << "row " << i;
      const json& buffer = doc["buffers"][i];
      EXPECT_EQ(rows[i][column("name")], buffer["name"].get<std::string>());
      EXPECT_EQ(rows[i][column("capacity_rows")],
                buffer["capacity_rows"].is_null() ? "" : std::to_string(buffer["capacity_rows"].get<int64_t>()));
      EXPECT_EQ(rows[i][column("tensor_bytes")], std::to_string(buffer["tensor_bytes"].get<int64_t>()));
      EXPECT_EQ(rows[i][column("storage_of")],
                buffer["storage_of"].is_null() ? "" : buffer["storage_of"].get<std::string>());
      EXPECT_EQ(rows[i][column("slice_of")],
                buffer["slice_of"].is_null() ? "" : buffer["slice_of"]["buffer"].get<std::string>());
    }
  }
}

}  // namespace
}  // namespace bufopt::testing
