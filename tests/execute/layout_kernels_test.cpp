// Layout kernels (Concat, Split, Slice, Pad, Transpose, Reshape, DepthToSpace, SpaceToDepth,
// Gather) against hand-derived index maps; rows in pieces equal rows whole.
#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

TEST(LayoutKernels, ConcatAndSplit) {
  ModelProgram program;
  const TensorWindow a = window({2, 1}, {1, 2});
  const TensorWindow b = window({2, 2}, {3, 4, 5, 6});
  EXPECT_EQ(run_whole(make_node("Concat", {"a", "b"}, {{"axis", int_attr(1)}}), program, {&a, &b}, {2, 3}),
            (std::vector<float>{1, 3, 4, 2, 5, 6}));
  const TensorWindow x = window({5}, {1, 2, 3, 4, 5});
  const OperatorNode split = make_node("Split", {"x"}, {}, 13, {"p", "q"});
  const auto parts = run(split, program, {&x}, {output({2}), output({3})});
  EXPECT_EQ(parts[0].data, (std::vector<float>{1, 2}));
  EXPECT_EQ(parts[1].data, (std::vector<float>{3, 4, 5}));
}

TEST(LayoutKernels, SliceWithNegativeStepAndClampedEnds) {
  ModelProgram program;
  program.constants["starts"] = int64s({1}, {-1});
  program.constants["ends"] = int64s({1}, {std::numeric_limits<int64_t>::min()});
  program.constants["axes"] = int64s({1}, {0});
  program.constants["steps"] = int64s({1}, {-2});
  const TensorWindow x = window({5}, {1, 2, 3, 4, 5});
  const OperatorNode slice = make_node("Slice", {"x", "starts", "ends", "axes", "steps"});
  EXPECT_EQ(run_whole(slice, program, {&x, nullptr, nullptr, nullptr, nullptr}, {3}), (std::vector<float>{5, 3, 1}));
  const OperatorNode legacy = make_node("Slice", {"x"}, {{"starts", ints_attr({1})}, {"ends", ints_attr({1000})}}, 9);
  EXPECT_EQ(run_whole(legacy, program, {&x}, {4}), (std::vector<float>{2, 3, 4, 5}));
}

TEST(LayoutKernels, PadModes) {
  ModelProgram program;
  program.constants["pads"] = int64s({2}, {2, 1});
  program.constants["value"] = floats({}, {9});
  const TensorWindow x = window({3}, {1, 2, 3});
  EXPECT_EQ(run_whole(make_node("Pad", {"x", "pads", "value"}), program, {&x, nullptr, nullptr}, {6}),
            (std::vector<float>{9, 9, 1, 2, 3, 9}));
  EXPECT_EQ(run_whole(make_node("Pad", {"x", "pads"}, {{"mode", string_attr("edge")}}), program, {&x, nullptr}, {6}),
            (std::vector<float>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(
      run_whole(make_node("Pad", {"x", "pads"}, {{"mode", string_attr("reflect")}}), program, {&x, nullptr}, {6}),
      (std::vector<float>{3, 2, 1, 2, 3, 2}));
  const OperatorNode legacy = make_node("Pad", {"x"}, {{"pads", ints_attr({-1, 1})}, {"value", float_attr(7)}}, 2);
  EXPECT_EQ(run_whole(legacy, program, {&x}, {3}), (std::vector<float>{2, 3, 7}));
}

TEST(LayoutKernels, TransposeReshapeGather) {
  ModelProgram program;
  const TensorWindow x = window({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(run_whole(make_node("Transpose", {"x"}), program, {&x}, {3, 2}), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  program.constants["shape"] = int64s({2}, {3, -1});
  EXPECT_EQ(run_whole(make_node("Reshape", {"x", "shape"}), program, {&x, nullptr}, {3, 2}),
            (std::vector<float>{1, 2, 3, 4, 5, 6}));
  program.constants["indices"] = int64s({2}, {2, -3});
  EXPECT_EQ(run_whole(make_node("Gather", {"x", "indices"}, {{"axis", int_attr(1)}}), program, {&x, nullptr}, {2, 2}),
            (std::vector<float>{3, 1, 6, 4}));
}

TEST(LayoutKernels, DepthToSpaceModesAndSpaceToDepth) {
  ModelProgram program;
  // [1, 4, 1, 1] with blocksize 2 -> [1, 1, 2, 2].
  const TensorWindow x = window({1, 4, 1, 1}, {1, 2, 3, 4});
  EXPECT_EQ(run_whole(make_node("DepthToSpace", {"x"}, {{"blocksize", int_attr(2)}}), program, {&x}, {1, 1, 2, 2}),
            (std::vector<float>{1, 2, 3, 4}));
  // [1, 8, 1, 1] -> [1, 2, 2, 2]: DCR takes depth-major blocks, CRD channel-major.
  const TensorWindow y = window({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(run_whole(make_node("DepthToSpace", {"y"}, {{"blocksize", int_attr(2)}}), program, {&y}, {1, 2, 2, 2}),
            (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  const OperatorNode crd = make_node("DepthToSpace", {"y"}, {{"blocksize", int_attr(2)}, {"mode", string_attr("CRD")}});
  EXPECT_EQ(run_whole(crd, program, {&y}, {1, 2, 2, 2}), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
  const TensorWindow z = window({1, 1, 2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(run_whole(make_node("SpaceToDepth", {"z"}, {{"blocksize", int_attr(2)}}), program, {&z}, {1, 4, 1, 1}),
            (std::vector<float>{1, 2, 3, 4}));
}

TEST(LayoutPieces, RowsInPiecesEqualRowsWhole) {
  ModelProgram program;
  const TensorWindow x = window({1, 2, 6, 4}, seeded(48, 20), 2);
  const TensorWindow y = window({1, 3, 6, 4}, seeded(72, 21), 2);
  expect_pieces_match_whole(make_node("Concat", {"x", "y"}, {{"axis", int_attr(1)}}), program, {&x, &y},
                            {1, 5, 6, 4}, 2, 2, same_rows);
  program.constants["pads"] = int64s({8}, {0, 0, 2, 1, 0, 0, 1, 0});
  // Output row r reads input row r - 2, or (edge, reflect) one at most 2 rows further in.
  for (const char* mode : {"constant", "edge", "reflect"}) {
    expect_pieces_match_whole(make_node("Pad", {"x", "pads"}, {{"mode", string_attr(mode)}}), program, {&x, nullptr},
                              {1, 2, 9, 5}, 2, 2,
                              [](size_t, int64_t b, int64_t e) { return std::pair{b - 4, e + 2}; });
  }
  const TensorWindow deep = window({1, 8, 3, 2}, seeded(48, 22), 2);
  expect_pieces_match_whole(make_node("DepthToSpace", {"x"}, {{"blocksize", int_attr(2)}}), program, {&deep},
                            {1, 2, 6, 4}, 2, 2,
                            [](size_t, int64_t b, int64_t e) { return std::pair{b / 2, (e + 1) / 2}; });
}

}  // namespace
}  // namespace bufopt::execute
