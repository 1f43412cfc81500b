#include "mode_flags.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "bufopt/analysis/measured_times.h"
#include "cli_common.h"

namespace bufopt::cli {

void add_mode_flags(CLI::App& app, ModeFlags& flags) {
  app.add_option("--mode", flags.mode,
                 "sequential (one processor, the default) or pipelined (one processor per actor, "
                 "self-timed; throughput-bounded FIFO sizes)")
      ->check(CLI::IsMember({"sequential", "pipelined"}));
  app.add_option("--profile", flags.profile,
                 "Measured times replacing the work model (pipelined mode): an ONNX Runtime profile "
                 "(enable_profiling JSON) or {\"actor_seconds\": {...}} / {\"clock_hz\": f, \"actor_cycles\": {...}}");
}

namespace {

std::string read_text(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw CliError{kExitUsage, fmt::format("--profile '{}': cannot read the file", path)};
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

void apply_mode_flags(const ModeFlags& flags, const graph::Graph& graph, analysis::AnalysisOptions& options) {
  options.mode = flags.mode == "pipelined" ? analysis::Mode::kPipelined : analysis::Mode::kSequential;
  if (flags.profile.empty()) return;
  if (options.mode != analysis::Mode::kPipelined) {
    throw CliError{kExitUsage, "--profile needs --mode pipelined (sequential mode times the work model)"};
  }
  std::map<std::string, double> measured;
  try {
    measured = analysis::parse_measured_times(read_text(flags.profile));
  } catch (const std::invalid_argument& error) {
    throw CliError{kExitUsage, fmt::format("--profile '{}': {}", flags.profile, error.what())};
  }
  const analysis::ActorTimes times = analysis::actor_times(graph, measured);
  if (times.seconds.empty()) {
    throw CliError{kExitUsage, fmt::format("--profile '{}': names no actor of the model", flags.profile)};
  }
  if (!times.unmatched.empty()) {
    spdlog::warn("--profile: {} measured name(s) match no actor (e.g. '{}'): profile with graph optimisations "
                 "'basic' so node names survive",
                 times.unmatched.size(), times.unmatched.front());
  }
  if (!times.unmeasured.empty()) {
    spdlog::warn("--profile: {} of {} actors not measured (e.g. '{}'), they keep the work model",
                 times.unmeasured.size(), graph.actors.size(), times.unmeasured.front());
  }
  options.actor_seconds = times.seconds;
}

}  // namespace bufopt::cli
