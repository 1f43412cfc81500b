#pragma once
/// A residual block whose Add the analysis writes in place (MODEL 4.1), for the report and CLI
/// tests of shared storage:
///
///   x -> stem (Conv 3x3) -> body1 (Conv 3x3 + Relu) -> body2 (Conv 3x3) -> join (Add) -> head (Conv 3x3) -> y
///          \________________________________________________________/
///
/// join reads body2_out (only it reads it) and stem_out (also read by body1), both of its
/// output's shape, so it may write join_out over either; head keeps join_out off the graph
/// outputs (never aliased). The tests assert that the analysis takes a write, so they cannot
/// pass without one.
#include "support/onnx_builder.h"

namespace bufopt::testing {

/// With `view_after_join`, a Reshape "regroup" to join_out's own shape sits between join and
/// head: a view (MODEL 4.1) of a buffer written in place, whose storage is join_out's storage.
inline OnnxBuilder residual_model(bool view_after_join = false) {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 3, 24, 16});
  const std::string stem = b.conv(x, 8, ConvOptions::square(3, 1, 1).named("stem"));
  const std::string body1 = b.relu(b.conv(stem, 8, ConvOptions::square(3, 1, 1).named("body1")), "body1_relu");
  const std::string body2 = b.conv(body1, 8, ConvOptions::square(3, 1, 1).named("body2"));
  const std::string join = b.add(body2, stem, "join");
  const std::string head_input = view_after_join ? b.reshape(join, {1, 8, 24, 16}, "regroup") : join;
  b.output(b.conv(head_input, 4, ConvOptions::square(3, 1, 1).named("head")));
  return b;
}

}  // namespace bufopt::testing
