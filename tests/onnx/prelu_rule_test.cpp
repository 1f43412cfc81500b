// PRelu's version-specific broadcasting (ONNX's operator changelog): before opset 7 a slope of
// shape [C] applies per channel (axis 1); from opset 7 on it broadcasts numpy-style.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using testing::OnnxBuilder;

/// PRelu(x, slope) with x of `x_dims` and a constant slope of `slope_dims`, at `opset`.
OnnxBuilder prelu_model(int64_t opset, const std::vector<int64_t>& x_dims, const std::vector<int64_t>& slope_dims) {
  OnnxBuilder builder(opset, 3);
  const std::string x = builder.input("x", x_dims);
  const std::string slope = builder.initializer("slope", slope_dims);
  builder.output(builder.node("PRelu", {x, slope}, {}, "prelu"));
  return builder;
}

TEST(LegacyPrelu, SlopePerChannelBeforeOpset7) {
  for (int64_t opset : {1, 6}) {
    const graph::Graph graph = testing::import_unfused(prelu_model(opset, {2, 3, 4, 5}, {3}));
    EXPECT_EQ(testing::buffer_named(graph, "prelu_out").shape, (std::vector<int64_t>{2, 3, 4, 5})) << opset;
  }
}

TEST(LegacyPrelu, PerChannelSlopeMustMatchTheChannels) {
  const std::string error = testing::import_error(prelu_model(6, {2, 3, 4, 5}, {5}));
  EXPECT_NE(error.find("per channel"), std::string::npos) << error;
  EXPECT_NE(error.find("prelu"), std::string::npos) << error;
}

TEST(LegacyPrelu, Opset7BroadcastsNumpyStyle) {
  // [3] aligns with the last axis (5): no broadcast; [5] does.
  EXPECT_NE(testing::import_error(prelu_model(7, {2, 3, 4, 5}, {3})).find("do not broadcast"), std::string::npos);
  const graph::Graph graph = testing::import_unfused(prelu_model(7, {2, 3, 4, 5}, {5}));
  EXPECT_EQ(testing::buffer_named(graph, "prelu_out").shape, (std::vector<int64_t>{2, 3, 4, 5}));
}

TEST(LegacyPrelu, ScalarLikeSlopeIsSharedAtEveryOpset) {
  for (int64_t opset : {6, 7, 9}) {
    const graph::Graph graph = testing::import_unfused(prelu_model(opset, {1, 3, 4}, {1}));
    EXPECT_EQ(testing::buffer_named(graph, "prelu_out").shape, (std::vector<int64_t>{1, 3, 4})) << opset;
  }
}

}  // namespace
}  // namespace bufopt::onnx
