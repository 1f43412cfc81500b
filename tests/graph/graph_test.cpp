// validate() on a well-formed graph and on graphs broken one invariant at a time.
#include "bufopt/graph/graph.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/graph_builder.h"

namespace bufopt::graph {
namespace {

using bufopt::testing::GraphBuilder;

/// x -> a (conv) -> b (conv) -> add(a, b) -> output.
Graph diamond() {
  GraphBuilder builder;
  const BufferId x = builder.input("x", 2, 8, 4);
  const BufferId a = builder.conv("a", x, 2, 3, 1, 1);
  const BufferId b = builder.conv("b", a, 2, 3, 1, 1);
  builder.output(builder.elementwise("add", {a, b}));
  return builder.build();
}

bool mentions(const std::vector<std::string>& problems, const std::string& word) {
  for (const std::string& p : problems) {
    if (p.find(word) != std::string::npos) return true;
  }
  return false;
}

TEST(Validate, WellFormedGraphHasNoProblems) {
  EXPECT_TRUE(validate(diamond()).empty());
}

TEST(Validate, InputIdOutOfRange) {
  Graph g = diamond();
  g.actors[1].inputs[0] = 99;
  const auto problems = validate(g);
  EXPECT_FALSE(problems.empty());
  EXPECT_TRUE(mentions(problems, "out of range"));
}

TEST(Validate, MissingConsumerEntry) {
  Graph g = diamond();
  g.buffers[1].consumers = {2};  // a is read by b (actor 1) and add (actor 2)
  EXPECT_TRUE(mentions(validate(g), "not listed as a consumer"));
}

TEST(Validate, ReadBeforeProduced) {
  Graph g = diamond();
  std::swap(g.actors[0], g.actors[1]);  // b now comes before a, which produces its input
  EXPECT_FALSE(validate(g).empty());
}

TEST(Validate, RowMapsNotParallelToInputs) {
  Graph g = diamond();
  g.actors[2].input_maps.pop_back();
  EXPECT_TRUE(mentions(validate(g), "row maps"));
}

TEST(Validate, OutputNamesAnotherProducer) {
  Graph g = diamond();
  g.buffers[2].producer = 0;  // b's output claims a as producer
  EXPECT_TRUE(mentions(validate(g), "another producer"));
}

TEST(Validate, OutputsOfDifferentHeights) {
  Graph g = diamond();
  Buffer extra = g.buffers[1];
  extra.name = "a_second";
  extra.shape[2] = 3;
  extra.consumers.clear();
  g.buffers.push_back(extra);
  g.actors[0].outputs.push_back(static_cast<BufferId>(g.buffers.size() - 1));
  EXPECT_TRUE(mentions(validate(g), "different heights"));
  g.actors[0].barrier = true;  // a barrier may write outputs of any heights
  EXPECT_TRUE(validate(g).empty());
}

TEST(Validate, ConsumerIdOutOfRange) {
  Graph g = diamond();
  g.buffers[3].consumers.push_back(7);
  EXPECT_FALSE(validate(g).empty());
}

TEST(SetActivationBytes, OverridesAndRestores) {
  Graph g = diamond();
  g.buffers[0].dtype = DataType::kFloat16;
  set_activation_bytes(g, 1);
  for (const Buffer& b : g.buffers) EXPECT_EQ(b.element_bytes, 1);
  EXPECT_EQ(g.buffers[1].row_bytes(), 2 * 4);
  set_activation_bytes(g, 0);
  EXPECT_EQ(g.buffers[0].element_bytes, 2);
  EXPECT_EQ(g.buffers[1].element_bytes, 4);
}

}  // namespace
}  // namespace bufopt::graph
