#include "limit_flags.h"

#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "bufopt/report/units.h"
#include "cli_common.h"

namespace bufopt::cli {

namespace {

constexpr const char* kGroup = "Limits (a model beyond one is refused with exit 3)";

void add_limit(CLI::App& app, const char* flag, std::string& value, const std::string& what, int64_t fallback) {
  app.add_option(flag, value, fmt::format("{} (default {})", what, fallback))->group(kGroup);
}

/// `text` parsed into `limit` when given.
void apply(const char* flag, const std::string& text, int64_t& limit) {
  if (text.empty()) return;
  const std::optional<int64_t> value = report::parse_size(text);
  if (!value || *value <= 0) {
    throw CliError{kExitUsage, fmt::format("{} '{}': expected a positive number, e.g. 5000000, 20M or 4GiB", flag,
                                           text)};
  }
  limit = *value;
}

}  // namespace

void add_limit_flags(CLI::App& app, LimitFlags& flags) {
  const onnx::ImportLimits defaults;
  add_limit(app, "--max-file-bytes", flags.file_bytes, "Largest model file, bytes", defaults.max_file_bytes);
  add_limit(app, "--max-nodes", flags.nodes, "Most nodes in the main graph", defaults.max_nodes);
  add_limit(app, "--max-rank", flags.rank, "Highest tensor rank", defaults.max_rank);
  add_limit(app, "--max-tensor-elements", flags.tensor_elements, "Most elements in one tensor",
            defaults.max_tensor_elements);
  add_limit(app, "--max-external-bytes", flags.external_bytes, "Most external data bytes, all tensors together",
            defaults.max_external_bytes);
  add_limit(app, "--max-firings", flags.firings, "Most firings at one row each (the sum of every actor's rows)",
            defaults.max_firings);
}

onnx::ImportLimits import_limits(const LimitFlags& flags) {
  onnx::ImportLimits limits;
  apply("--max-file-bytes", flags.file_bytes, limits.max_file_bytes);
  apply("--max-nodes", flags.nodes, limits.max_nodes);
  apply("--max-rank", flags.rank, limits.max_rank);
  apply("--max-tensor-elements", flags.tensor_elements, limits.max_tensor_elements);
  apply("--max-external-bytes", flags.external_bytes, limits.max_external_bytes);
  apply("--max-firings", flags.firings, limits.max_firings);
  return limits;
}

}  // namespace bufopt::cli
