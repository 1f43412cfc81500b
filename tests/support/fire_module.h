#pragma once
/// A SqueezeNet fire module whose Concat the analysis makes zero-copy (MODEL 4.1), for the
/// report and CLI tests of shared storage:
///
///   x -> squeeze (Conv 1x1 + Relu) -+-> expand1 (Conv 1x1 + Relu) -> e1_out -+-> concat (axis 1) -> head -> y
///                                   +-> expand3 (Conv 3x3 + Relu) -> e3_out -+          (head: Conv 1x1)
///
/// e1_out and e3_out (4 channels each) are read by the Concat alone, so their producers can
/// write straight into channels 0-3 and 4-7 of concat_out's rows; head keeps concat_out off the
/// graph outputs. The tests assert that the analysis takes the Concat zero-copy (storage_of set
/// for both inputs), so they cannot pass without it.
#include "support/onnx_builder.h"

namespace bufopt::testing {

inline OnnxBuilder fire_module_model() {
  OnnxBuilder b;
  const std::string x = b.input("x", {1, 4, 8, 8});
  const std::string s = b.relu(b.conv(x, 2, ConvOptions::square(1, 1, 0).named("squeeze")), "squeeze_relu");
  const std::string e1 = b.relu(b.conv(s, 4, ConvOptions::square(1, 1, 0).named("expand1")), "e1");
  const std::string e3 = b.relu(b.conv(s, 4, ConvOptions::square(3, 1, 1).named("expand3")), "e3");
  const std::string z = b.concat({e1, e3}, 1, "concat");
  b.output(b.conv(z, 4, ConvOptions::square(1, 1, 0).named("head")));
  return b;
}

}  // namespace bufopt::testing
