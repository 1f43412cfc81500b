// The importer over ONNX's own conformance corpus (Debian's libonnx-testdata: node,
// pytorch-converted, pytorch-operator and simple models, each with test_data_set_0), in this
// one process. Holds, for every model: no crash; the import succeeds (and the analysis of the
// graph, I/O streamed, verifies) or is a documented refusal (exit 3, one line); every output
// shape bufopt states equals the dims of the expected output tensor, and every partly known
// shape agrees with them where it states a dim. The counts per folder are pinned, so that an
// output marked unknown cannot pass for one known (BENCHMARKS.md "Importer conformance").
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/graph/unknown_sizes.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/model_file.h"
#include "support/real_models.h"

namespace bufopt::onnx {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = "/usr/share/libonnx-testdata/data";

/// What the corpus gave in one folder.
struct Tally {
  int models = 0;
  int imported = 0;
  /// Refusals by documented reason (refusal_reason()).
  std::map<std::string, int> refused;
  int outputs_exact = 0;     ///< statically known, equal to the expected dims
  int outputs_unknown = 0;   ///< shape null (of which outputs_partial partly known)
  int outputs_partial = 0;   ///< partly known, agreeing with the expected dims where stated
  int outputs_constant = 0;  ///< folded to a constant (not a buffer): no shape reported
  int outputs_not_tensor = 0;  ///< a sequence / optional / map output: no tensor to compare
  friend bool operator==(const Tally&, const Tally&) = default;
};

std::ostream& operator<<(std::ostream& out, const Tally& t) {
  out << fmt::format("{{models {}, imported {}, exact {}, unknown {} (partial {}), constant {}, not tensor {}, refused",
                     t.models, t.imported, t.outputs_exact, t.outputs_unknown, t.outputs_partial, t.outputs_constant,
                     t.outputs_not_tensor);
  for (const auto& [reason, count] : t.refused) out << fmt::format(" '{}': {}", reason, count);
  return out << "}";
}

/// The documented class of an import refusal (README "Exit codes", MODEL 9), or "" when the
/// message is none of them.
std::string refusal_reason(const std::string& message) {
  if (message.find("; bufopt analyses tensors only") != std::string::npos) return "input is not a tensor";
  return "";
}

/// The dims of the TensorProto in `file`; nullopt when it cannot be parsed.
std::optional<std::vector<int64_t>> expected_dims(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ::onnx::TensorProto tensor;
  if (bytes.empty() || !tensor.ParseFromString(bytes)) return std::nullopt;
  return std::vector<int64_t>(tensor.dims().begin(), tensor.dims().end());
}

/// True when the partial shape `partial` agrees with `dims` (same rank, equal where stated).
bool agrees(const std::vector<int64_t>& partial, const std::vector<int64_t>& dims) {
  if (partial.size() != dims.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (partial[i] != graph::kUnknownDim && partial[i] != dims[i]) return false;
  }
  return true;
}

/// Imports (and analyses) the model in `dir`, adding to `tally`; failures to `failures`.
void check_model(const fs::path& dir, Tally& tally, std::vector<std::string>& failures) {
  const std::string name = dir.parent_path().filename().string() + "/" + dir.filename().string();
  ++tally.models;
  ImportOptions options;
  options.fuse = false;
  graph::Graph graph;
  try {
    graph = import_model((dir / "model.onnx").string(), options);
  } catch (const InputValueError& error) {
    failures.push_back(fmt::format("{}: usage error without any input value: {}", name, error.what()));
    return;
  } catch (const ImportError& error) {
    const std::string message = error.what();
    const std::string reason = refusal_reason(message);
    if (reason.empty() || message.find('\n') != std::string::npos) {
      failures.push_back(fmt::format("{}: undocumented refusal: {}", name, message));
    } else {
      ++tally.refused[reason];
    }
    return;
  } catch (const std::exception& error) {
    failures.push_back(fmt::format("{}: internal error (exit 1): {}", name, error.what()));
    return;
  }
  ++tally.imported;
  analysis::AnalysisOptions analysis_options;
  analysis_options.stream_io = true;
  try {
    const analysis::AnalysisResult result = analysis::analyze(graph, analysis_options);
    if (!result.verification.ok) failures.push_back(fmt::format("{}: the analysis failed verification", name));
  } catch (const std::exception& error) {
    failures.push_back(fmt::format("{}: the analysis threw: {}", name, error.what()));
  }
  const ::onnx::ModelProto model = read_model_file(dir / "model.onnx", ImportLimits{});
  for (int j = 0; j < model.graph().output_size(); ++j) {
    const ::onnx::ValueInfoProto& output = model.graph().output(j);
    if (!output.type().has_tensor_type()) {
      ++tally.outputs_not_tensor;
      continue;
    }
    const auto buffer = std::find_if(graph.buffers.begin(), graph.buffers.end(),
                                     [&](const graph::Buffer& b) { return b.name == output.name(); });
    if (buffer == graph.buffers.end()) {
      ++tally.outputs_constant;
      continue;
    }
    const auto dims = expected_dims(dir / "test_data_set_0" / fmt::format("output_{}.pb", j));
    if (!dims) {
      failures.push_back(fmt::format("{}: output_{}.pb is not a TensorProto", name, j));
      continue;
    }
    const std::string where = fmt::format("{}: output '{}'", name, output.name());
    if (buffer->shape_known()) {
      if (buffer->shape == *dims) {
        ++tally.outputs_exact;
      } else {
        failures.push_back(fmt::format("{}: bufopt says {}, the expected output is {}", where, graph::shape_text(*buffer),
                                       fmt::join(*dims, "x")));
      }
      continue;
    }
    ++tally.outputs_unknown;
    if (buffer->unknown_reason.empty()) failures.push_back(where + ": unknown without a reason");
    if (buffer->partial_shape.empty()) continue;
    if (agrees(buffer->partial_shape, *dims)) {
      ++tally.outputs_partial;
    } else {
      failures.push_back(fmt::format("{}: bufopt's partial shape {} contradicts the expected {}", where,
                                     graph::shape_text(*buffer), fmt::join(*dims, "x")));
    }
  }
}

/// What each folder gave when this was written (BENCHMARKS.md "Importer conformance"). A change
/// must be deliberate: update this table and that section together.
const std::map<std::string, Tally>& pinned() {
  static const std::map<std::string, Tally> kPinned = {
      // models, imported, refused by reason, exact, unknown, of them partly known, constant, not a tensor
      {"node", Tally{932, 910, {{"input is not a tensor", 22}}, 927, 151, 134, 13, 2}},
      {"pytorch-converted", Tally{82, 82, {}, 82, 0, 0, 0, 0}},
      {"pytorch-operator", Tally{35, 35, {}, 38, 0, 0, 0, 0}},
      {"simple", Tally{23, 23, {}, 10, 17, 12, 0, 0}},
  };
  return kPinned;
}

TEST(ConformanceCorpus, ImportsOrRefusesEveryModelAndStatesOnlyTrueShapes) {
  if (!fs::is_directory(kCorpus)) {
    if (testing::models_required()) FAIL() << "libonnx-testdata is not installed (" << kCorpus << ")";
    GTEST_SKIP() << "libonnx-testdata is not installed (" << kCorpus << "); scripts/setup.sh installs it";
  }
  std::map<std::string, Tally> tallies;
  std::vector<std::string> failures;
  for (const auto& [folder, expected] : pinned()) {
    std::vector<fs::path> models;
    for (const auto& entry : fs::directory_iterator(kCorpus / folder)) {
      if (fs::exists(entry.path() / "model.onnx")) models.push_back(entry.path());
    }
    std::sort(models.begin(), models.end());
    Tally& tally = tallies[folder];
    for (const fs::path& dir : models) check_model(dir, tally, failures);
  }
  for (const std::string& failure : failures) ADD_FAILURE() << failure;
  std::ostringstream table;
  table << "| folder | models | imported | refused (reason) | outputs exact | unknown (partly known) | constant | "
           "not a tensor |\n|---|---:|---:|---|---:|---:|---:|---:|\n";
  for (const auto& [folder, t] : tallies) {
    std::string refused;
    for (const auto& [reason, count] : t.refused) refused += fmt::format("{}{} ({})", refused.empty() ? "" : ", ", count, reason);
    table << fmt::format("| {} | {} | {} | {} | {} | {} ({}) | {} | {} |\n", folder, t.models, t.imported,
                         refused.empty() ? "0" : refused, t.outputs_exact, t.outputs_unknown, t.outputs_partial,
                         t.outputs_constant, t.outputs_not_tensor);
  }
  std::cout << table.str();
  for (const auto& [folder, expected] : pinned()) {
    EXPECT_EQ(tallies[folder], expected) << folder << ": the counts changed; if deliberately, update pinned() and "
                                                      "BENCHMARKS.md \"Importer conformance\"";
  }
}

}  // namespace
}  // namespace bufopt::onnx
