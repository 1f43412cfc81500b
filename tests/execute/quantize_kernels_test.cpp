// QuantizeLinear rounds half to even and saturates; DequantizeLinear; per-axis scales.
#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(QuantizeKernels, RoundsHalfToEvenAndSaturates) {
  ModelProgram program;
  program.constants["scale"] = floats({}, {1});
  program.constants["zero_u8"] = ConstantTensor{DataType::kUint8, {}, {}, {0}};
  program.constants["zero_i8"] = ConstantTensor{DataType::kInt8, {}, {}, {1}};
  const TensorWindow x = window({5}, {2.5f, 3.5f, 300, -1, -200});
  EXPECT_EQ(run_whole(make_node("QuantizeLinear", {"x", "scale", "zero_u8"}), program, {&x, nullptr, nullptr}, {5}),
            (std::vector<float>{2, 4, 255, 0, 0}));
  EXPECT_EQ(run_whole(make_node("QuantizeLinear", {"x", "scale", "zero_i8"}), program, {&x, nullptr, nullptr}, {5}),
            (std::vector<float>{3, 5, 127, 0, -128}));
}

TEST(QuantizeKernels, DequantizeAndPerAxis) {
  ModelProgram program;
  program.constants["q"] = ConstantTensor{DataType::kInt8, {3}, {}, {-128, 0, 5}};
  program.constants["scale"] = floats({}, {0.5f});
  program.constants["zero"] = ConstantTensor{DataType::kInt8, {}, {}, {1}};
  EXPECT_EQ(run_whole(make_node("DequantizeLinear", {"q", "scale", "zero"}), program, {nullptr, nullptr, nullptr}, {3}),
            (std::vector<float>{-64.5f, -0.5f, 2}));
  program.constants["scales"] = floats({2}, {1, 2});
  const TensorWindow x = window({1, 2}, {4, 4});
  EXPECT_EQ(run_whole(make_node("QuantizeLinear", {"x", "scales"}), program, {&x, nullptr}, {1, 2}),
            (std::vector<float>{4, 2}));
}

}  // namespace
}  // namespace bufopt::execute
