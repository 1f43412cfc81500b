// The SDF3 export: well-formed XML, consistent CSDF rates, the chosen capacities on back-edges,
// and a graph that a dataflow tool can execute (one iteration, no deadlock) on real models.
#include "bufopt/report/sdf3_export.h"

#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <gtest/gtest.h>

#include "analysed_models.h"
#include "mini_xml.h"
#include "support/graph_builder.h"
#include "support/fire_module.h"
#include "support/residual_model.h"

namespace bufopt::testing {
namespace {

std::vector<int64_t> parse_rates(const std::string& text) {
  std::vector<int64_t> rates;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) rates.push_back(std::stoll(part));
  return rates;
}

int64_t sum(const std::vector<int64_t>& values) { return std::accumulate(values.begin(), values.end(), int64_t{0}); }

/// The exported graph as a test reads it back from the XML.
struct ReadBack {
  /// A port: direction and one rate per phase.
  struct Port {
    bool input = true;
    std::vector<int64_t> rates;
  };
  /// An actor: its ports by name and its phase count (from executionTime).
  struct Actor {
    std::map<std::string, Port> ports;
    size_t phases = 0;
  };
  /// A channel between two ports.
  struct Channel {
    std::string name, src, src_port, dst, dst_port;
    int64_t initial_tokens = 0;
  };
  std::map<std::string, Actor> actors;
  std::vector<Channel> channels;
  std::map<std::string, int64_t> buffer_sizes;  ///< channelProperties bufferSize
};

/// Reads the document and checks its structure: every port of an actor lists as many phases as
/// its execution time, every port is joined by exactly one channel of the right direction.
ReadBack read_back(const std::string& xml) {
  const XmlElement root = parse_xml(xml);
  EXPECT_EQ(root.name, "sdf3");
  EXPECT_EQ(root.attribute("type"), "csdf");
  const XmlElement& application = root.one("applicationGraph");
  const XmlElement& csdf = application.one("csdf");
  ReadBack out;
  for (const XmlElement* actor : csdf.all("actor")) {
    ReadBack::Actor& read = out.actors[actor->attribute("name")];
    EXPECT_TRUE(read.ports.empty()) << "duplicate actor " << actor->attribute("name");
    for (const XmlElement* port : actor->all("port")) {
      const std::string type = port->attribute("type");
      EXPECT_TRUE(type == "in" || type == "out");
      read.ports[port->attribute("name")] = {type == "in", parse_rates(port->attribute("rate"))};
    }
  }
  for (const XmlElement* channel : csdf.all("channel")) {
    out.channels.push_back({channel->attribute("name"), channel->attribute("srcActor"), channel->attribute("srcPort"),
                            channel->attribute("dstActor"), channel->attribute("dstPort"),
                            std::stoll(channel->attribute("initialTokens"))});
  }
  const XmlElement& properties = application.one("csdfProperties");
  for (const XmlElement* actor : properties.all("actorProperties")) {
    const std::string& name = actor->attribute("actor");
    EXPECT_TRUE(out.actors.count(name)) << name;
    const auto times = parse_rates(actor->one("processor").one("executionTime").attribute("time"));
    ReadBack::Actor& read = out.actors[name];
    read.phases = times.size();
    for (const auto& [port_name, port] : read.ports) {
      EXPECT_EQ(port.rates.size(), read.phases) << name << "." << port_name;
    }
    for (int64_t time : times) EXPECT_GE(time, 0);
  }
  for (const XmlElement* channel : properties.all("channelProperties")) {
    if (!channel->all("bufferSize").empty()) {
      out.buffer_sizes[channel->attribute("channel")] = std::stoll(channel->one("bufferSize").attribute("sz"));
    }
  }
  std::map<std::pair<std::string, std::string>, int> uses;
  for (const ReadBack::Channel& channel : out.channels) {
    EXPECT_FALSE(out.actors[channel.src].ports[channel.src_port].input) << channel.name;
    EXPECT_TRUE(out.actors[channel.dst].ports[channel.dst_port].input) << channel.name;
    ++uses[{channel.src, channel.src_port}];
    ++uses[{channel.dst, channel.dst_port}];
  }
  for (const auto& [name, actor] : out.actors) {
    EXPECT_GT(actor.phases, 0u) << name << " has no executionTime";
    for (const auto& [port, rates] : actor.ports) EXPECT_EQ((uses[{name, port}]), 1) << name << "." << port;
  }
  return out;
}

/// Fires actors whose next phase finds enough tokens, each through one whole cycle of phases;
/// returns false on a deadlock. Channel tokens must come back to their initial values.
bool runs_one_iteration(const ReadBack& graph) {
  std::map<std::string, size_t> fired;
  std::vector<int64_t> tokens;
  std::map<std::pair<std::string, std::string>, size_t> channel_of;
  for (size_t c = 0; c < graph.channels.size(); ++c) {
    tokens.push_back(graph.channels[c].initial_tokens);
    channel_of[{graph.channels[c].src, graph.channels[c].src_port}] = c;
    channel_of[{graph.channels[c].dst, graph.channels[c].dst_port}] = c;
  }
  for (bool progress = true; progress;) {
    progress = false;
    for (const auto& [name, actor] : graph.actors) {
      for (size_t& phase = fired[name]; phase < actor.phases;) {
        bool ready = true;
        for (const auto& [port, p] : actor.ports) {
          if (p.input && tokens[channel_of.at({name, port})] < p.rates[phase]) ready = false;
        }
        if (!ready) break;
        for (const auto& [port, p] : actor.ports) tokens[channel_of.at({name, port})] += p.input ? -p.rates[phase] : p.rates[phase];
        ++phase;
        progress = true;
      }
    }
  }
  for (const auto& [name, actor] : graph.actors) {
    if (fired[name] != actor.phases) return false;
  }
  for (size_t c = 0; c < graph.channels.size(); ++c) EXPECT_EQ(tokens[c], graph.channels[c].initial_tokens) << graph.channels[c].name;
  return true;
}

/// Checks the export of one analysed model against the analysis it came from.
void check_export(const AnalysedModel& model) {
  const std::string xml = report::to_sdf3(model.report());
  const ReadBack graph = read_back(xml);
  const analysis::Evaluation& evaluation = model.result.evaluation;
  std::map<std::string, size_t> buffer_index;
  for (size_t b = 0; b < model.result.graph.buffers.size(); ++b) buffer_index[model.result.graph.buffers[b].name] = b;
  // Data channels are named after their buffer, with "#k" for the k-th reader ("#app": the application).
  auto buffer_of = [&](const std::string& channel) {
    return buffer_index.count(channel) ? channel : channel.substr(0, channel.rfind('#'));
  };
  int data_channels = 0;
  for (const ReadBack::Channel& channel : graph.channels) {
    const auto& produced = graph.actors.at(channel.src).ports.at(channel.src_port).rates;
    const auto& consumed = graph.actors.at(channel.dst).ports.at(channel.dst_port).rates;
    // Every actor fires each phase once per iteration, so balance is per channel.
    EXPECT_EQ(sum(produced), sum(consumed)) << channel.name;
    if (channel.name.starts_with("space:")) {
      const std::string data = channel.name.substr(6);
      const size_t b = buffer_index.at(buffer_of(data));
      EXPECT_GE(channel.initial_tokens, evaluation.usage.capacity_rows[b]) << channel.name;
      EXPECT_EQ(graph.buffer_sizes.at(data), evaluation.usage.capacity_rows[b]) << channel.name;
      continue;
    }
    if (channel.name.starts_with("overlap:") || channel.name.starts_with("sequence:")) continue;
    const std::string buffer = buffer_of(channel.name);
    ASSERT_TRUE(buffer_index.count(buffer)) << channel.name;
    EXPECT_EQ(sum(produced), model.result.graph.buffers[buffer_index[buffer]].rows()) << channel.name;
    EXPECT_EQ(channel.initial_tokens, 0) << channel.name;
    ++data_channels;
  }
  int pairs = 0;
  for (const graph::Buffer& buffer : model.result.graph.buffers) pairs += static_cast<int>(buffer.consumers.size());
  EXPECT_GE(data_channels, pairs);
  EXPECT_TRUE(runs_one_iteration(graph)) << model.path << ": the exported CSDF graph deadlocks";
}

TEST(Sdf3Export, RealModelsAreWellFormedConsistentAndLive) {
  std::vector<ModelFile> files = bundled_models();
  for (const ModelFile& file : zoo_models()) files.push_back(file);
  for (const ModelFile& file : fetched_models()) files.push_back(file);
  for (const ModelFile& file : files) {
    for (bool stream_io : {false, true}) {
      SCOPED_TRACE(file.label + (stream_io ? " --stream-io" : ""));
      analysis::AnalysisOptions options;
      options.stream_io = stream_io;
      check_export(*analyse(file, options));
    }
  }
}

TEST(Sdf3Export, PipelinedPlansAreLiveToo) {
  analysis::AnalysisOptions options;
  options.mode = analysis::Mode::kPipelined;
  std::vector<ModelFile> files = bundled_models();
  for (const ModelFile& file : zoo_models()) files.push_back(file);
  for (const ModelFile& file : files) {
    SCOPED_TRACE(file.label);
    check_export(*analyse(file, options));
  }
}

TEST(Sdf3Export, CoarseGranularitiesAtASmallSlowdownStayLive) {
  // At R = 1.01 most actors fire a few times with several rows each: multi-row phases.
  analysis::AnalysisOptions options;
  options.max_slowdown = 1.01;
  for (const ModelFile& file : zoo_models()) {
    SCOPED_TRACE(file.label);
    check_export(*analyse(file, options));
  }
}

/// A graph analysed without firing overhead, so every actor may fire once per row.
std::unique_ptr<AnalysedModel> analyse_graph(graph::Graph graph) {
  auto model = std::make_unique<AnalysedModel>();
  model->path = "builder";
  model->graph = std::move(graph);
  analysis::AnalysisOptions options;
  options.platform.firing_overhead_s = 0;
  model->result = analysis::analyze(model->graph, options);
  return model;
}

TEST(Sdf3Export, RowsReleasedUnreadGetTheirTokensAndStayLive) {
  // MODEL 8: a 1x1 stride-2 conv needs 1 row of capacity and releases rows it never reads
  // (of 10 rows it reads 0, 2, ..., 8); CSDF must consume them, so the back-edge has more.
  GraphBuilder builder;
  const auto in = builder.input("in", 4, 10);
  const auto a = builder.conv("a", in, 4, 1);
  const auto b = builder.conv("b", a, 4, 1, 2);
  builder.output(builder.conv("c", b, 4, 1));
  const auto model = analyse_graph(builder.build());
  ASSERT_TRUE(model->result.verification.ok);
  const ReadBack graph = read_back(report::to_sdf3(model->report()));
  for (const ReadBack::Channel& channel : graph.channels) {
    if (channel.name != "a_out") continue;
    const auto& consumed = graph.actors.at(channel.dst).ports.at(channel.dst_port).rates;
    EXPECT_EQ(sum(consumed), 10);
    EXPECT_EQ(consumed.front(), 1);
    EXPECT_EQ(consumed.back(), 3) << "the last phase reads row 8 and also takes the unread rows 7 and 9";
  }
  check_export(*model);
}

TEST(Sdf3Export, SharedBufferGetsOneChannelPerReader) {
  // MODEL 8 residual block: x read by the conv chain and by the Add.
  GraphBuilder builder;
  const auto in = builder.input("in", 4, 12);
  const auto x = builder.conv("x", in, 4, 1);
  const auto m1 = builder.conv("m1", x, 4, 3, 1, 1);
  const auto m2 = builder.conv("m2", m1, 4, 3, 1, 1);
  builder.output(builder.elementwise("add", {m2, x}));
  const auto model = analyse_graph(builder.build());
  const ReadBack graph = read_back(report::to_sdf3(model->report()));
  int readers_of_x = 0;
  for (const ReadBack::Channel& channel : graph.channels) {
    if (channel.name == "x_out#0" || channel.name == "x_out#1") ++readers_of_x;
    if (channel.name.starts_with("overlap:")) {
      EXPECT_EQ(channel.dst, channel.src);
    }
  }
  EXPECT_EQ(readers_of_x, 2);
  check_export(*model);
}

TEST(Sdf3Export, InPlaceBufferIsAPlainChannelWithItsStoragesCapacity) {
  // MODEL 4.1: CSDF cannot express two buffers sharing one ring; the export keeps each a channel
  // with the storage's capacity (counting that storage once per channel) and says so.
  TempDir dir;
  auto model = std::make_unique<AnalysedModel>();
  model->path = residual_model().save(dir.file("residual.onnx"));
  model->graph = onnx::import_model(model->path, {});
  model->result = analysis::analyze(model->graph, {});
  const analysis::AnalysisResult& result = model->result;
  std::vector<size_t> in_place;
  for (size_t b = 0; b < result.graph.buffers.size(); ++b) {
    if (result.storage_link(b).sharing == analysis::StorageSharing::kInPlace) in_place.push_back(b);
  }
  ASSERT_FALSE(in_place.empty()) << "the residual block's Add is not written in place: the test would be vacuous";
  const std::string xml = report::to_sdf3(model->report());
  EXPECT_EQ(report::to_sdf3(model->report()), xml) << "deterministic";
  ASSERT_NE(xml.find("<!-- Shared storage (MODEL 4.1) that CSDF cannot express"), std::string::npos) << xml;
  const ReadBack graph = read_back(xml);
  for (size_t b : in_place) {
    const analysis::StorageLink link = result.storage_link(b);
    const std::string& name = result.graph.buffers[b].name;
    const int64_t capacity = result.evaluation.usage.capacity_rows[static_cast<size_t>(link.storage)];
    EXPECT_NE(xml.find(name + " written in place over " +
                       result.graph.buffers[static_cast<size_t>(link.over)].name + " (storage " +
                       result.graph.buffers[static_cast<size_t>(link.storage)].name + ", capacity " +
                       std::to_string(capacity) + " rows)"),
              std::string::npos)
        << xml;
    EXPECT_EQ(graph.buffer_sizes.at(name), capacity);  // join_out has one reader: channel named after it
  }
  check_export(*model);
}

TEST(Sdf3Export, ZeroCopyConcatSlicesAreChannelsToALiveConcatActor) {
  // MODEL 4.1: a zero-copy Concat's output is one buffer with several writers, which CSDF has no
  // channel for; each slice stays a channel to the Concat with the storage's capacity, and the
  // exported graph must still balance and run one iteration.
  TempDir dir;
  auto model = std::make_unique<AnalysedModel>();
  model->path = fire_module_model().save(dir.file("fire.onnx"));
  model->graph = onnx::import_model(model->path, {});
  model->result = analysis::analyze(model->graph, {});
  const analysis::AnalysisResult& result = model->result;
  std::vector<size_t> slices;
  for (size_t b = 0; b < result.graph.buffers.size(); ++b) {
    if (result.storage_link(b).sharing == analysis::StorageSharing::kSlice) slices.push_back(b);
  }
  ASSERT_EQ(slices.size(), 2u) << "the fire module's Concat is not zero-copy: the test would be vacuous";
  const std::string xml = report::to_sdf3(model->report());
  const ReadBack graph = read_back(xml);
  for (size_t b : slices) {
    const analysis::StorageLink link = result.storage_link(b);
    const std::string& name = result.graph.buffers[b].name;
    EXPECT_NE(xml.find(name + " a slice of concat_out ("), std::string::npos) << xml;
    EXPECT_EQ(graph.buffer_sizes.at(name), result.evaluation.usage.capacity_rows[static_cast<size_t>(link.storage)]);
  }
  check_export(*model);
}

TEST(Sdf3Export, XmllintAcceptsTheDocument) {
  BUFOPT_REQUIRE_TOOL("xmllint");
  const auto model = analyse(bundled_models().front(), {});
  const std::string dir = fresh_temp_dir("sdf3_xmllint");
  const std::string path = dir + "/plan.xml";
  std::ofstream(path) << report::to_sdf3(model->report());
  EXPECT_EQ(std::system(("xmllint --noout " + shell_quote(path)).c_str()), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bufopt::testing
