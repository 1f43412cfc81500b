// Resize / Upsample coordinate modes and nearest rounding against hand-worked positions; rows
// in pieces equal rows whole.
#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

OperatorNode resize(std::string mode, std::string coordinates, std::string nearest = "round_prefer_floor") {
  return make_node("Resize", {"x", "", "scales"},
                   {{"mode", string_attr(std::move(mode))},
                    {"coordinate_transformation_mode", string_attr(std::move(coordinates))},
                    {"nearest_mode", string_attr(std::move(nearest))}},
                   13);
}

TEST(ResizeKernel, CoordinateModes) {
  ModelProgram program;
  program.constants["scales"] = floats({4}, {1, 1, 1, 2});
  const TensorWindow x = window({1, 1, 1, 2}, {1, 3});
  EXPECT_EQ(run_whole(resize("nearest", "asymmetric", "floor"), program, {&x, nullptr, nullptr}, {1, 1, 1, 4}),
            (std::vector<float>{1, 1, 3, 3}));
  // half_pixel: x_original = (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 (clamped to [0, 1]).
  EXPECT_EQ(run_whole(resize("linear", "half_pixel"), program, {&x, nullptr, nullptr}, {1, 1, 1, 4}),
            (std::vector<float>{1, 1.5f, 2.5f, 3}));
  // round_prefer_ceil on half_pixel: -0.25 -> 0, 0.25 -> 0, 0.75 -> 1, 1.25 -> 1.
  EXPECT_EQ(run_whole(resize("nearest", "half_pixel", "round_prefer_ceil"), program, {&x, nullptr, nullptr},
                      {1, 1, 1, 4}),
            (std::vector<float>{1, 1, 3, 3}));
  // asymmetric with round_prefer_ceil: 0, 0.5 -> 1, 1, 1.5 -> 2 (clamped to 1).
  EXPECT_EQ(run_whole(resize("nearest", "asymmetric", "round_prefer_ceil"), program, {&x, nullptr, nullptr},
                      {1, 1, 1, 4}),
            (std::vector<float>{1, 3, 3, 3}));
  // align_corners from sizes 2 -> 3: 0, 0.5, 1.
  program.constants["sizes"] = int64s({4}, {1, 1, 1, 3});
  const OperatorNode sized = make_node(
      "Resize", {"x", "", "", "sizes"},
      {{"mode", string_attr("linear")}, {"coordinate_transformation_mode", string_attr("align_corners")}}, 13);
  EXPECT_EQ(run_whole(sized, program, {&x, nullptr, nullptr, nullptr}, {1, 1, 1, 3}), (std::vector<float>{1, 2, 3}));
}

TEST(ResizeKernel, UpsampleIsAsymmetricFloor) {
  ModelProgram program;
  const TensorWindow x = window({1, 1, 1, 2}, {1, 3});
  const OperatorNode upsample = make_node("Upsample", {"x"}, {{"mode", string_attr("nearest")}}, 7);
  OperatorNode with_scales = upsample;
  with_scales.attributes["scales"].kind = AttributeValue::Kind::kFloats;
  with_scales.attributes["scales"].floats = {1, 1, 1, 3};
  EXPECT_EQ(run_whole(with_scales, program, {&x}, {1, 1, 1, 6}), (std::vector<float>{1, 1, 1, 3, 3, 3}));
}

TEST(ResizePieces, RowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  program.constants["scales"] = floats({4}, {1, 1, 2, 2});
  const TensorWindow x = window({1, 2, 5, 4}, seeded(40, 60), 2);
  for (const char* mode : {"nearest", "linear", "cubic"}) {
    for (const char* coordinates : {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"}) {
      expect_pieces_match_whole(resize(mode, coordinates), program, {&x, nullptr, nullptr}, {1, 2, 10, 8}, 2, 3,
                                [](size_t, int64_t b, int64_t e) { return std::pair{b / 2 - 2, e / 2 + 2}; });
    }
  }
}

}  // namespace
}  // namespace bufopt::execute
