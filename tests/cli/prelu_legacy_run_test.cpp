// PRelu before opset 7 (ONNX's own pytorch-converted test_PReLU_*_multiparam): a slope of shape
// [C] applies per channel. `bufopt run` must compute exactly what ONNX's test data expects.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "bufopt/onnx/program_nodes.h"
#include "support/real_models.h"
#include "support/run_command.h"

namespace bufopt::testing {
namespace {

namespace fs = std::filesystem;

const fs::path kConverted = "/usr/share/libonnx-testdata/data/pytorch-converted";

class LegacyPrelu : public ::testing::TestWithParam<const char*> {};

TEST_P(LegacyPrelu, RunMatchesOnnxTestData) {
  const fs::path dir = kConverted / GetParam();
  if (!fs::exists(dir / "model.onnx")) {
    if (models_required()) FAIL() << "libonnx-testdata is not installed (" << dir << ")";
    GTEST_SKIP() << "libonnx-testdata is not installed; scripts/setup.sh installs it";
  }
  const fs::path data = dir / "test_data_set_0";
  const std::string out = fresh_temp_dir(std::string("prelu_") + GetParam());
  const CommandResult result = run_bufopt("run " + shell_quote((dir / "model.onnx").string()) + " -q --input 0=" +
                                          shell_quote((data / "input_0.pb").string()) + " --outputs " +
                                          shell_quote(out));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const graph::ConstantTensor got = onnx::read_tensor_file(fs::path(out) / "2.pb").tensor;
  const graph::ConstantTensor want = onnx::read_tensor_file(data / "output_0.pb").tensor;
  EXPECT_EQ(got.shape, want.shape);
  ASSERT_EQ(got.reals.size(), want.reals.size());
  // The test data's slopes are all equal (0.25), so this holds the import, the shapes and the
  // values; that the slope aligns with axis 1 rather than the last axis is held by
  // BinaryKernels.PReluLegacySlopeIsPerChannel (distinct slopes).
  int negatives = 0;
  for (size_t i = 0; i < want.reals.size(); ++i) {
    EXPECT_FLOAT_EQ(got.reals[i], want.reals[i]) << "element " << i;
    negatives += want.reals[i] < 0 ? 1 : 0;
  }
  EXPECT_GT(negatives, 0) << "no negative input: the slope was never applied";
}

INSTANTIATE_TEST_SUITE_P(PytorchConverted, LegacyPrelu,
                         ::testing::Values("test_PReLU_1d_multiparam", "test_PReLU_2d_multiparam",
                                           "test_PReLU_3d_multiparam"));

}  // namespace
}  // namespace bufopt::testing
