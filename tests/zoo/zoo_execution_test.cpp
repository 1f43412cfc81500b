// Every zoo architecture with seeded dense weights (--random-weights) at the smallest input its
// architecture allows among a few sizes: by parts in the planned arena == layer by layer, bit for
// bit. Each execution stays under about 2 GMAC (asserted): VGG-16 runs at 32x32 (0.3 GMAC, not
// 15.5 at 224); U-Net's smallest input, 188x188, is 6 GMAC at the published widths, so it runs at
// a quarter of them (`unet@188,width=0.25`, same topology). Under AddressSanitizer three small
// models run one plan; otherwise every model runs R = 1 and 1.2 on mcu and cpu and the
// every-actor-one-row plan.
#include <gtest/gtest.h>

#include "bufopt/analysis/shared_storage.h"
#include "execute/execution_test_support.h"
#include "support/onnx_builder.h"
#include "zoo/zoo.h"

namespace bufopt::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

constexpr int64_t kMacCap = 2'000'000'000;

/// The width each architecture runs at: 1 but for U-Net, too wide at its smallest input.
std::string width_option(const std::string& name) { return name == "unet" ? ",width=0.25" : ""; }

/// The model at the smallest of a few input sizes the architecture accepts (188 is U-Net's smallest:
/// four even sizes before its pools and a positive size after its last up-convolution).
std::optional<zoo::GeneratedModel> smallest(const TempDir& dir, const zoo::Architecture& architecture) {
  for (int64_t size : {32, 48, 64, 96, 128, 188}) {
    try {
      return zoo::write_model(dir.path(), zoo::parse_request(architecture.name + "@" + std::to_string(size) +
                                                             width_option(architecture.name)));
    } catch (const std::invalid_argument&) {
      continue;  // too small for this architecture
    }
  }
  return std::nullopt;
}

class ZooExecution : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooExecution, ByPartsEqualsLayerByLayerWithRandomWeights) {
  const std::string name = GetParam();
  if (kSanitized && name != "squeezenet1_1" && name != "mobilenetv2" && name != "yolov3_tiny") {
    GTEST_SKIP() << "only three small models under the sanitizers";
  }
  const zoo::Architecture* architecture = zoo::find_architecture(name);
  ASSERT_NE(architecture, nullptr);
  TempDir dir;
  const std::optional<zoo::GeneratedModel> generated = smallest(dir, *architecture);
  ASSERT_TRUE(generated) << name << " takes none of the sizes tried";
  ASSERT_LE(generated->macs, kMacCap) << generated->stem;
  const onnx::ExecutableModel model = executable(generated->model_path.string());
  ASSERT_TRUE(execute::unsupported_operations(model.graph, model.program).empty());
  expect_by_parts_equals_layer_by_layer(model, {1.2, "mcu", false, PlanKind::kOptimized});
  if (kSanitized) return;
  // R = 1 (layer by layer where no extra firing is free), R = 1.2, on both presets, and the
  // finest plan: every actor one row per firing.
  expect_by_parts_equals_layer_by_layer(model, {1.0, "mcu", false, PlanKind::kOptimized});
  expect_by_parts_equals_layer_by_layer(model, {1.0, "cpu", false, PlanKind::kOptimized});
  expect_by_parts_equals_layer_by_layer(model, {1.2, "cpu", false, PlanKind::kOptimized});
  expect_by_parts_equals_layer_by_layer(model, {1.0, "cpu", false, PlanKind::kOneRowEach});
}

// MODEL 4.1 is exercised by the executions above, not skipped: SqueezeNet's fire modules make
// their Concats zero-copy and ResNet-18's residual Adds write in place in the plans executed.
TEST(ZooExecution, SharedStoragesAreTakenInThePlansExecuted) {
  TempDir dir;
  for (const std::string name : {"squeezenet1_1", "resnet18"}) {
    const std::optional<zoo::GeneratedModel> generated = smallest(dir, *zoo::find_architecture(name));
    ASSERT_TRUE(generated);
    const onnx::ExecutableModel model = executable(generated->model_path.string());
    analysis::AnalysisOptions options;
    options.platform = *analysis::platform_preset("mcu");
    options.max_slowdown = 1.2;
    const analysis::AnalysisResult result = analysis::analyze(model.graph, options);
    ASSERT_TRUE(result.verification.ok) << name;
    const analysis::StorageChoice choice = analysis::choice_of(result.evaluation.network, result.evaluation.storage_of);
    if (name == "squeezenet1_1") {
      EXPECT_FALSE(choice.concats.empty()) << name;
    } else {
      EXPECT_FALSE(choice.writes.empty()) << name;
    }
    expect_by_parts_equals_layer_by_layer(model, {1.2, "mcu", false, PlanKind::kOptimized});
  }
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const zoo::Architecture& architecture : zoo::architectures()) names.push_back(architecture.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooExecution, ::testing::ValuesIn(architecture_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace bufopt::testing
