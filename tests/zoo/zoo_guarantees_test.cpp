// The optimizer's guarantees on every zoo model and every bundled real model (issue 13), at
// the same deployments and R grid as the random CNNs (random_guarantees_test.cpp) and at every
// platform preset with the model's own types: every structured candidate passes the verifier;
// the answer is no larger than any structured candidate's arena nor than the previous
// optimizer's (analysis::threshold_search), passes the verifier, meets R, never grows with R,
// and is never below the lower bound; with MODEL 4.1's rules the arena is never larger than without
// them. One ctest entry per model.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/analysis/lower_bound.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/platform.h"
#include "bufopt/analysis/structured_candidates.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"
#include "support/real_models.h"
#include "zoo/zoo.h"

namespace bufopt::testing {
namespace {

constexpr double kGrid[] = {1.05, 1.2, 2.0};

/// One deployment the guarantees are checked at.
struct Setting {
  std::string name;
  std::string platform;
  int64_t activation_bytes;  ///< 0: the model's own
  bool stream_io;
};

/// The random CNNs' deployments, then every other preset with the model's own types.
std::vector<Setting> settings() {
  std::vector<Setting> all = {
      {"int8 --stream-io mcu", "mcu", 1, true},
      {"own types cpu", "cpu", 0, false},
      {"own types gpu", "gpu", 0, false},
  };
  for (const std::string& preset : analysis::platform_preset_names()) {
    const bool listed = std::any_of(all.begin(), all.end(), [&](const Setting& setting) {
      return setting.platform == preset && setting.activation_bytes == 0 && !setting.stream_io;
    });
    if (!listed) all.push_back({"own types " + preset, preset, 0, false});
  }
  return all;
}

void check_guarantees(const graph::Graph& imported, const std::string& name) {
  for (const Setting& setting : settings()) {
    graph::Graph graph = imported;
    graph::set_activation_bytes(graph, setting.activation_bytes);
    int64_t previous = std::numeric_limits<int64_t>::max();
    for (double r : kGrid) {
      analysis::AnalysisOptions options;
      options.inplace = false;  // optimize(graph) is the plain FIFO model; the rules are checked below
      options.platform = *analysis::platform_preset(setting.platform);
      options.stream_io = setting.stream_io;
      options.max_slowdown = r;
      const std::string where = name + ", " + setting.name + ", R " + std::to_string(r);
      const int64_t previous_optimizer = analysis::threshold_search(graph, options).shared_bytes();
      const analysis::Evaluation answer = analysis::optimize(graph, options);
      const analysis::VerifyReport report = analysis::verify(graph, answer, options);
      EXPECT_TRUE(report.ok) << where << ": " << (report.errors.empty() ? "" : report.errors.front());
      EXPECT_LE(answer.slowdown, r + analysis::kSlowdownTolerance) << where;
      EXPECT_LE(answer.shared_bytes(), previous) << where << ": the arena grew with R";
      previous = std::min(previous, answer.shared_bytes());
      int64_t smallest = answer.shared_bytes();
      EXPECT_LE(answer.shared_bytes(), previous_optimizer) << where << ": the previous optimizer's answer";
      for (const analysis::StructuredCandidate& candidate : analysis::structured_candidates(graph, options)) {
        const analysis::VerifyReport checked = analysis::verify(graph, candidate.evaluation, options);
        EXPECT_TRUE(checked.ok) << where << ", candidate '" << candidate.name
                                << "': " << (checked.errors.empty() ? "" : checked.errors.front());
        EXPECT_LE(answer.shared_bytes(), candidate.evaluation.shared_bytes())
            << where << ": candidate '" << candidate.name << "'";
        smallest = std::min(smallest, candidate.evaluation.shared_bytes());
      }
      EXPECT_LE(analysis::lower_bound_bytes(graph, options), smallest) << where;
      // MODEL 4.1's rules (views, in place; the optimizer's graph above is the plain FIFO model,
      // --no-inplace): never a larger arena at the same settings, verified, above the bound.
      options.inplace = true;
      const graph::Graph viewed = analysis::storage_graph(graph, options);
      const analysis::Evaluation with_rules = analysis::optimize(viewed, options);
      const analysis::VerifyReport checked = analysis::verify(viewed, with_rules, options);
      EXPECT_TRUE(checked.ok) << where << ", rules: " << (checked.errors.empty() ? "" : checked.errors.front());
      EXPECT_LE(with_rules.shared_bytes(), answer.shared_bytes()) << where << ": the rules cost arena";
      EXPECT_LE(analysis::lower_bound_bytes(viewed, options), with_rules.shared_bytes()) << where << ", rules";
    }
  }
}

class ZooGuaranteesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooGuaranteesTest, AnswerBelowEveryCandidateVerifiedMonotone) {
#if defined(__SANITIZE_ADDRESS__)
  // Under the sanitizers (about 10x slower) three small models keep the job inside CI's time.
  if (GetParam() != "squeezenet1_1" && GetParam() != "mobilenetv2" && GetParam() != "yolov3_tiny") {
    GTEST_SKIP() << "only three small models under the sanitizers";
  }
#endif
  TempDir dir;
  const zoo::GeneratedModel model = zoo::write_model(dir.path(), zoo::parse_request(GetParam()));
  check_guarantees(onnx::import_model(model.model_path.string(), {}), GetParam());
}

std::vector<std::string> every_architecture() {
  std::vector<std::string> names;
  for (const zoo::Architecture& architecture : zoo::architectures()) names.push_back(architecture.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooGuaranteesTest, ::testing::ValuesIn(every_architecture()),
                         [](const auto& info) { return info.param; });

class RealModelGuaranteesTest : public ::testing::TestWithParam<RealModel> {};

TEST_P(RealModelGuaranteesTest, AnswerBelowEveryCandidateVerifiedMonotone) {
  const std::optional<graph::Graph> graph = load_real_model(GetParam());
  if (!graph) {
    if (models_required()) FAIL() << GetParam().path << " is missing (BUFOPT_REQUIRE_MODELS=1)";
    GTEST_SKIP() << GetParam().path << " not fetched";
  }
  check_guarantees(*graph, GetParam().label);
}

INSTANTIATE_TEST_SUITE_P(Bundled, RealModelGuaranteesTest, ::testing::ValuesIn(real_models()),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace bufopt::testing
