#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/topo_sort.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

OpNode node(const std::string& name, std::vector<std::string> inputs, std::vector<std::string> outputs) {
  OpNode result;
  result.name = name;
  result.op_type = "Relu";
  result.inputs = std::move(inputs);
  result.outputs = std::move(outputs);
  return result;
}

std::string message_of(const std::vector<OpNode>& nodes, const std::unordered_set<std::string>& available) {
  try {
    topological_order(nodes, available);
  } catch (const ImportError& error) {
    return error.what();
  }
  return "no error";
}

TEST(TopologicalOrder, SortedModelKeepsItsOrder) {
  const std::vector<OpNode> nodes{node("a", {"x"}, {"a"}), node("b", {"a"}, {"b"}), node("c", {"x"}, {"c"}),
                                  node("d", {"b", "c"}, {"d"})};
  EXPECT_EQ(topological_order(nodes, {"x"}), (std::vector<int>{0, 1, 2, 3}));
}

TEST(TopologicalOrder, UnsortedModelIsSortedStably) {
  // c reads b, b reads a; e is independent and stays ahead of what it was ahead of.
  const std::vector<OpNode> nodes{node("c", {"b"}, {"c"}), node("e", {"x"}, {"e"}), node("b", {"a"}, {"b"}),
                                  node("a", {"x"}, {"a"})};
  EXPECT_EQ(topological_order(nodes, {"x"}), (std::vector<int>{1, 3, 2, 0}));
}

TEST(TopologicalOrder, SubgraphReadsFromTheEnclosingGraphAreDependencies) {
  OpNode branch = node("if", {"cond"}, {"y"});
  branch.outer_scope_inputs = {"late"};
  const std::vector<OpNode> nodes{branch, node("late", {"x"}, {"late"})};
  EXPECT_EQ(topological_order(nodes, {"x", "cond"}), (std::vector<int>{1, 0}));
}

TEST(TopologicalOrder, CycleNamesANodeOnIt) {
  const std::vector<OpNode> nodes{node("start", {"x"}, {"s"}), node("p", {"s", "q"}, {"p"}), node("q", {"p"}, {"q"})};
  const std::string message = message_of(nodes, {"x"});
  EXPECT_TRUE(message == "graph has a cycle through node 'p'" || message == "graph has a cycle through node 'q'")
      << message;
}

TEST(TopologicalOrder, SelfLoopIsACycle) {
  EXPECT_EQ(message_of({node("loop", {"loop"}, {"loop"})}, {}), "graph has a cycle through node 'loop'");
}

TEST(TopologicalOrder, InputThatNothingProducesIsNamed) {
  EXPECT_EQ(message_of({node("y", {"z"}, {"out"})}, {"x"}), "node 'y' reads 'z' which nothing produces");
}

TEST(TopologicalOrder, TwoProducersOfOneTensorAreRefused) {
  const std::string message = message_of({node("a", {"x"}, {"t"}), node("b", {"x"}, {"t"})}, {"x"});
  EXPECT_EQ(message, "tensor 't' is produced by two nodes ('a' and 'b')");
}

TEST(TopologicalOrder, UnsortedModelImportsInDependencyOrder) {
  testing::OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  const std::string a = builder.relu(x, "first");
  const std::string b = builder.sigmoid(a, "second");
  builder.output(builder.relu(b, "third"));
  // Reverse the node list: "third", "second", "first".
  auto* nodes = builder.graph().mutable_node();
  nodes->SwapElements(0, 2);
  testing::TempDir dir;
  ImportOptions options;
  options.fuse = false;
  const graph::Graph graph = import_model(builder.save(dir.file("m.onnx")), options);
  ASSERT_EQ(graph.actors.size(), 3u);
  EXPECT_EQ(graph.actors[0].name, "first");
  EXPECT_EQ(graph.actors[1].name, "second");
  EXPECT_EQ(graph.actors[2].name, "third");
  EXPECT_TRUE(graph::validate(graph).empty());
}

}  // namespace
}  // namespace bufopt::onnx
