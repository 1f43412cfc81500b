// Every bundled real model computed by parts in its planned arena equals layer by layer bit for
// bit, at R = 1 and 1.2 on mcu and cpu, and with every actor at one row per firing. PP-OCR det
// and rec run at reduced input sizes (their kernels are plain loops); under AddressSanitizer
// only the small models at one setting run.
#include <filesystem>

#include <gtest/gtest.h>

#include "execution_test_support.h"
#include "support/real_models.h"

namespace bufopt::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

/// The input shape each model executes at: its analysis shape, smaller for det and rec.
std::vector<int64_t> execution_shape(const RealModel& model) {
  const std::string label = model.label;
  if (label == "det") return {1, 3, 64, 64};
  if (label == "rec") return {1, 3, 48, 64};
  return model.shape;
}

class RealModelExecution : public ::testing::TestWithParam<RealModel> {};

TEST_P(RealModelExecution, ByPartsEqualsLayerByLayerBitForBit) {
  const RealModel& real = GetParam();
  if (kSanitized && real.external) GTEST_SKIP() << "large model skipped under the sanitizers";
  const std::filesystem::path path = std::filesystem::path(BUFOPT_SOURCE_DIR) / real.path;
  if (!std::filesystem::exists(path)) {
    if (models_required()) FAIL() << path << " is missing (scripts/fetch_models.sh)";
    GTEST_SKIP() << path << " not fetched";
  }
  onnx::ImportOptions options;
  options.input_shapes[real.input] = execution_shape(real);
  // The real weights: these models ship them.
  const onnx::ExecutableModel model = onnx::import_executable_model(path.string(), options);
  ASSERT_TRUE(execute::unsupported_operations(model.graph, model.program).empty());
  if (kSanitized) {
    expect_by_parts_equals_layer_by_layer(model, {1.2, "mcu", false, PlanKind::kOptimized});
    return;
  }
  for (const char* platform : {"mcu", "cpu"}) {
    expect_by_parts_equals_layer_by_layer(model, {1.0, platform, false, PlanKind::kOptimized});
    expect_by_parts_equals_layer_by_layer(model, {1.2, platform, false, PlanKind::kOptimized});
  }
  expect_by_parts_equals_layer_by_layer(model, {1.0, "cpu", false, PlanKind::kOneRowEach});
  expect_by_parts_equals_layer_by_layer(model, {1.2, "mcu", true, PlanKind::kOptimized});
}

INSTANTIATE_TEST_SUITE_P(Execute, RealModelExecution, ::testing::ValuesIn(real_models()),
                         [](const ::testing::TestParamInfo<RealModel>& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace bufopt::testing
