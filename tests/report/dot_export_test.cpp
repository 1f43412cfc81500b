// The Graphviz export: every actor a node, every buffer reader an edge labelled with the chosen
// capacity, names escaped.
#include "bufopt/report/dot_export.h"

#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "analysed_models.h"
#include "support/graph_builder.h"

namespace bufopt::testing {
namespace {

/// Node ids defined and edges (from, to, attributes) of a DOT document as to_dot writes it (one
/// statement per line).
struct DotStatements {
  std::set<std::string> nodes;
  std::vector<std::tuple<std::string, std::string, std::string>> edges;
};

DotStatements read_dot(const std::string& dot) {
  static const std::regex edge(R"(^  (\w+) -> (\w+) \[(.*)\];$)");
  static const std::regex node(R"(^  (\w+) \[(.*)\];$)");
  DotStatements out;
  std::stringstream lines(dot);
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(line.starts_with("digraph \"")) << line;
  std::smatch match;
  std::string last;
  while (std::getline(lines, line)) {
    last = line;
    if (std::regex_match(line, match, edge)) {
      out.edges.emplace_back(match[1], match[2], match[3]);
    } else if (std::regex_match(line, match, node)) {
      out.nodes.insert(match[1]);
    }
  }
  EXPECT_EQ(last, "}");
  return out;
}

TEST(DotExport, RealModelsHaveOneEdgePerReaderWithItsCapacity) {
  for (const ModelFile& file : bundled_models()) {
    SCOPED_TRACE(file.label);
    const auto model = analyse(file, {});
    const DotStatements dot = read_dot(report::to_dot(model->report()));
    const graph::Graph& graph = model->result.graph;
    for (size_t a = 0; a < graph.actors.size(); ++a) EXPECT_TRUE(dot.nodes.count("a" + std::to_string(a))) << a;
    size_t expected_edges = 0;
    for (const graph::Buffer& buffer : graph.buffers) {
      if (buffer.storage_of != graph::kNoBuffer) continue;  // a view: drawn as its storage (MODEL 4.1)
      expected_edges += buffer.consumers.size() + (buffer.io == graph::IoRole::kOutput || buffer.consumers.empty() ? 1 : 0);
    }
    EXPECT_EQ(dot.edges.size(), expected_edges);
    for (const auto& [from, to, attributes] : dot.edges) {
      EXPECT_TRUE(dot.nodes.count(from)) << from;
      EXPECT_TRUE(dot.nodes.count(to)) << to;
    }
    const analysis::Evaluation& evaluation = model->result.evaluation;
    for (size_t b = 0; b < graph.buffers.size(); ++b) {
      if (!evaluation.network.channels[b].counted) continue;
      const std::string capacity =
          std::to_string(evaluation.usage.capacity_rows[b]) + "/" + std::to_string(graph.buffers[b].rows()) + " rows";
      bool found = false;
      for (const auto& [from, to, attributes] : dot.edges) {
        found = found || (attributes.find(graph.buffers[b].name + "\\n" + capacity) != std::string::npos);
      }
      EXPECT_TRUE(found) << graph.buffers[b].name << " " << capacity;
    }
  }
}

TEST(DotExport, EscapesQuotesAndBackslashesInNames) {
  GraphBuilder builder;
  const auto in = builder.input("in\"put", 2, 8);
  builder.output(builder.conv("conv\\1", in, 2, 3, 1, 1));
  const graph::Graph graph = builder.build();
  report::ModelReport model_report;
  model_report.graph = &graph;
  const std::string dot = report::to_dot(model_report);
  EXPECT_NE(dot.find(R"(in\"put)"), std::string::npos);
  EXPECT_NE(dot.find(R"(conv\\1)"), std::string::npos);
  EXPECT_EQ(read_dot(dot).edges.size(), 2u);
}

}  // namespace
}  // namespace bufopt::testing
