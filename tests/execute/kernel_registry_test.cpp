// "Supported" is checked: unsupported_reason refuses what the kernels do not implement, with
// the reason, and accepts what they do.
#include "bufopt/execute/kernel_registry.h"

#include "kernel_test_support.h"

namespace bufopt::execute {
namespace {

using namespace testing;

std::string reason(const OperatorNode& node, const ModelProgram& program) {
  return unsupported_reason(node, program).value_or("supported");
}

TEST(KernelRegistry, RefusalsNameTheReason) {
  ModelProgram program;
  program.values["x"] = graph::ValueInfo{DataType::kFloat32, {1, 3, 8, 8}, 2};
  program.values["v"] = graph::ValueInfo{DataType::kFloat32, {1, 3, 4, 8, 8}, 2};
  program.values["i"] = graph::ValueInfo{DataType::kInt64, {1, 3, 8, 8}, 2};
  program.constants["w"] = floats({3, 3, 3, 3}, std::vector<float>(81, 0));
  program.constants["pads"] = int64s({8}, {0, 0, 8, 0, 0, 0, 0, 0});
  EXPECT_EQ(reason(make_node("Upsample", {"x"}, {{"mode", string_attr("cubic")}}, 9), program), "Upsample mode cubic");
  EXPECT_EQ(reason(make_node("Resize", {"x"}, {{"antialias", int_attr(1)}}, 18), program), "Resize with antialias");
  EXPECT_EQ(reason(make_node("Pad", {"x", "pads"}, {{"mode", string_attr("reflect")}}), program),
            "Pad reflect with a pad not smaller than its axis");
  EXPECT_EQ(reason(make_node("Pad", {"x", "pads"}, {{"mode", string_attr("wrap")}}), program), "Pad mode wrap");
  EXPECT_EQ(reason(make_node("MaxPool", {"x"}, {{"kernel_shape", ints_attr({2, 2})}}, 12, {"y", "indices"}), program),
            "MaxPool with its Indices output");
  EXPECT_EQ(reason(make_node("BatchNormalization", {"x", "w", "w", "w", "w"}, {{"training_mode", int_attr(1)}}, 15),
                   program),
            "BatchNormalization in training mode");
  EXPECT_EQ(reason(make_node("Add", {"i", "i"}), program), "Add on int64 (integer tensors are not executed)");
  EXPECT_EQ(reason(make_node("Conv", {"v", "w"}), program), "Conv over 3 spatial axes (1-D and 2-D only)");
  EXPECT_EQ(reason(make_node("NonMaxSuppression", {"x"}), program), "operator NonMaxSuppression");
  OperatorNode custom = make_node("Relu", {"x"});
  custom.domain = "com.microsoft";
  EXPECT_EQ(reason(custom, program), "operator Relu of domain com.microsoft");
  EXPECT_EQ(reason(make_node("Cast", {"x"}, {{"to", int_attr(7)}}), program),
            "Cast from float32 to int64 (floating types only)");
}

TEST(KernelRegistry, AcceptsWhatItImplements) {
  ModelProgram program;
  program.values["x"] = graph::ValueInfo{DataType::kFloat32, {1, 3, 8, 8}, 2};
  program.values["h"] = graph::ValueInfo{DataType::kFloat16, {1, 3, 8, 8}, 2};
  program.constants["w"] = floats({3, 3, 3, 3}, std::vector<float>(81, 0));
  program.constants["pads"] = int64s({8}, {0, 0, 1, 1, 0, 0, 1, 1});
  EXPECT_EQ(reason(make_node("Conv", {"x", "w"}, {{"pads", ints_attr({1, 1, 1, 1})}}), program), "supported");
  EXPECT_EQ(reason(make_node("Relu", {"h"}), program), "supported");
  EXPECT_EQ(reason(make_node("Pad", {"x", "pads"}, {{"mode", string_attr("reflect")}}), program), "supported");
  EXPECT_EQ(reason(make_node("Resize", {"x"}, {{"mode", string_attr("linear")}}), program), "supported");
  EXPECT_EQ(reason(make_node("Resize", {"x"}, {{"mode", string_attr("cubic")}}), program), "supported");
}

TEST(KernelRegistry, OneTableForKernelsAndChecks) {
  const std::vector<std::string> names = supported_operators();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const std::string& name : names) {
    const KernelEntry* entry = find_kernel(name);
    ASSERT_NE(entry, nullptr) << name;
    EXPECT_NE(entry->run, nullptr) << name;
  }
  EXPECT_TRUE(is_reduction("ReduceMean"));
  EXPECT_TRUE(is_reduction("GlobalAveragePool"));
  EXPECT_FALSE(is_reduction("Relu"));
  EXPECT_FALSE(is_reduction("Foo"));
}

}  // namespace
}  // namespace bufopt::execute
