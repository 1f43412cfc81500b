// `bufopt MODEL --mode pipelined` and `--profile` end to end (MODEL 5, 9).
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace bufopt::testing {
namespace {

std::string cls_model() {
  return shell_quote(source_dir() + "/models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx") + " --input-shape x=1x3x48x192";
}

std::string ort_profile() { return source_dir() + "/tests/data/ort_profile/ch_ppocr_mobile_v2.0_cls_ort1.30.json"; }

nlohmann::json read_json(const std::string& path) {
  std::ifstream file(path);
  return nlohmann::json::parse(file);
}

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

/// Runs the analysis with `flags` and returns its JSON summary (the run must succeed).
nlohmann::json pipelined_summary(const std::string& flags, const std::string& name) {
  const std::string json = fresh_temp_dir("pipelined_cli") + "/" + name + ".json";
  const CommandResult result = run_bufopt(cls_model() + " --mode pipelined -q --json " + shell_quote(json) + " " + flags);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json document = read_json(json);
  EXPECT_EQ(document.at("mode"), "pipelined");
  return document.at("summary");
}

TEST(PipelinedCli, ReportsAVerifiedThroughputWithinTheBound) {
  for (const double bound : {1.0, 1.2, 2.0}) {
    const nlohmann::json summary = pipelined_summary("-R " + std::to_string(bound), "bound");
    EXPECT_TRUE(summary.at("verified").get<bool>());
    const double throughput = summary.at("throughput_per_s");
    const double baseline = summary.at("baseline_throughput_per_s");
    const double slowdown = summary.at("slowdown");
    EXPECT_LE(slowdown, bound + 1e-9);
    EXPECT_GE(throughput * bound * (1 + 1e-9), baseline);
    EXPECT_NEAR(throughput * slowdown, baseline, 1e-9 * baseline);
    // The period is explicit: one image per period, and the slowdown is the period ratio.
    const double period = summary.at("period_s");
    EXPECT_NEAR(period * throughput, 1.0, 1e-9);
    EXPECT_NEAR(period, slowdown * summary.at("baseline_period_s").get<double>(), 1e-9 * period);
    // time_s / baseline_time_s repeat the periods (README: one time per image in both modes).
    EXPECT_EQ(summary.at("time_s"), summary.at("period_s"));
    EXPECT_EQ(summary.at("baseline_time_s"), summary.at("baseline_period_s"));
    // In a pipeline every FIFO lives all the time: nothing to share.
    EXPECT_EQ(summary.at("shared_bytes"), summary.at("fifo_bytes"));
    EXPECT_LE(summary.at("lower_bound_bytes").get<int64_t>(), summary.at("fifo_bytes").get<int64_t>());
  }
}

TEST(PipelinedCli, BadModeOrProfileIsAUsageError) {
  const std::string dir = fresh_temp_dir("pipelined_cli_usage");
  EXPECT_EQ(run_bufopt(cls_model() + " --mode fast").exit_code, 2);
  // Sequential mode times the work model only.
  EXPECT_EQ(run_bufopt(cls_model() + " --profile " + shell_quote(ort_profile())).exit_code, 2);
  EXPECT_EQ(run_bufopt(cls_model() + " --mode pipelined --profile " + shell_quote(dir + "/missing.json")).exit_code, 2);
  const std::string garbage = write_text(dir + "/garbage.json", "{\"actor_seconds\": 3");
  EXPECT_EQ(run_bufopt(cls_model() + " --mode pipelined --profile " + shell_quote(garbage)).exit_code, 2);
  const std::string strangers = write_text(dir + "/strangers.json", R"({"actor_seconds": {"nobody": 1.0}})");
  const CommandResult result = run_bufopt(cls_model() + " --mode pipelined --profile " + shell_quote(strangers));
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("names no actor"), std::string::npos) << result.err;
}

TEST(PipelinedCli, MeasuredActorTimesSetTheBaseline) {
  // One actor measured at one second dwarfs every other: unsplit, it alone sets the pace.
  const std::string dir = fresh_temp_dir("pipelined_cli_times");
  const std::string times = write_text(dir + "/times.json", R"({"actor_seconds": {"p2o.Conv.0": 1.0}})");
  const nlohmann::json summary = pipelined_summary("--profile " + shell_quote(times), "times");
  EXPECT_DOUBLE_EQ(summary.at("baseline_throughput_per_s").get<double>(), 1.0);
  EXPECT_TRUE(summary.at("verified").get<bool>());
}

TEST(PipelinedCli, OrtProfileReplacesTheWorkModel) {
  // The profile's kernel means, read here directly: an actor takes at least its slowest kernel
  // and at most all of them, so the baseline period lies between the two.
  std::ifstream file(ort_profile());
  const nlohmann::json events = nlohmann::json::parse(file);
  std::map<std::string, std::pair<double, int>> kernels;
  for (const nlohmann::json& event : events) {
    const std::string name = event.at("name");
    if (event.at("cat") != "Node" || !name.ends_with("_kernel_time")) continue;
    auto& [total, count] = kernels[name];
    total += event.at("dur").get<double>() * 1e-6;
    ++count;
  }
  double slowest = 0;
  double all = 0;
  for (const auto& [name, kernel] : kernels) {
    slowest = std::max(slowest, kernel.first / kernel.second);
    all += kernel.first / kernel.second;
  }
  const nlohmann::json measured = pipelined_summary("--profile " + shell_quote(ort_profile()), "profile");
  const double period = 1 / measured.at("baseline_throughput_per_s").get<double>();
  EXPECT_GE(period, slowest * (1 - 1e-9));
  EXPECT_LE(period, all * (1 + 1e-9));
  EXPECT_TRUE(measured.at("verified").get<bool>());
  const nlohmann::json modelled = pipelined_summary("", "model");
  EXPECT_NE(measured.at("baseline_throughput_per_s"), modelled.at("baseline_throughput_per_s"));
}

}  // namespace
}  // namespace bufopt::testing
