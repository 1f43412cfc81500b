// Every zoo model at every preset and R = 1.05 / 1.2 / 2 (issue 13): each structured candidate
// (analysis/structured_candidates.h) verified and within R, and the optimizer's answer verified
// and never above any of them.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/structured_candidates.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"
#include "zoo/zoo.h"

namespace bufopt::testing {
namespace {

class ZooCandidatesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ZooCandidatesTest, AnswerNeverAboveACandidate) {
#if defined(__SANITIZE_ADDRESS__)
  // Under the sanitizers (about 10x slower) three small models keep the job inside CI's time.
  if (GetParam() != "squeezenet1_1" && GetParam() != "mobilenetv2" && GetParam() != "yolov3_tiny") {
    GTEST_SKIP() << "only three small models under the sanitizers";
  }
#endif
  TempDir dir;
  const zoo::GeneratedModel generated = zoo::write_model(dir.path(), zoo::parse_request(GetParam()));
  const graph::Graph graph = onnx::import_model(generated.model_path.string(), {});
  for (const std::string& preset : analysis::platform_preset_names()) {
    for (double r : {1.05, 1.2, 2.0}) {
      analysis::AnalysisOptions options;
      options.platform = *analysis::platform_preset(preset);
      options.max_slowdown = r;
      const std::string label = fmt::format("{} R {}", preset, r);
      const analysis::Evaluation answer = analysis::optimize(graph, options);
      const analysis::VerifyReport report = analysis::verify(graph, answer, options);
      EXPECT_TRUE(report.ok) << label << ": " << (report.errors.empty() ? "" : report.errors.front());
      for (const analysis::StructuredCandidate& candidate : analysis::structured_candidates(graph, options)) {
        const analysis::VerifyReport checked = analysis::verify(graph, candidate.evaluation, options);
        EXPECT_TRUE(checked.ok) << label << " " << candidate.name << ": "
                                << (checked.errors.empty() ? "" : checked.errors.front());
        EXPECT_LE(answer.shared_bytes, candidate.evaluation.shared_bytes) << label << " " << candidate.name;
      }
    }
  }
}

std::vector<std::string> every_architecture() {
  std::vector<std::string> names;
  for (const zoo::Architecture& architecture : zoo::architectures()) names.push_back(architecture.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooCandidatesTest, ::testing::ValuesIn(every_architecture()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace bufopt::testing
