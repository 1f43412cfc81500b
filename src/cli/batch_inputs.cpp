// `bufopt batch`: finding the models, sharding them, and matching --input-shape to models.
#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "batch.h"
#include "cli_common.h"

namespace bufopt::cli {

namespace fs = std::filesystem;

namespace {

/// A positive integer, or nullopt.
std::optional<int64_t> parse_positive(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

void add_directory(const fs::path& dir, std::set<std::string>& models) {
  std::error_code error;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->path().extension() == ".onnx" && it->is_regular_file(error)) models.insert(it->path().string());
  }
  if (error) throw CliError{kExitUsage, fmt::format("cannot list {}: {}", dir.string(), error.message())};
}

}  // namespace

std::vector<std::string> collect_models(const std::vector<std::string>& arguments) {
  std::set<std::string> models;
  for (const std::string& argument : arguments) {
    std::error_code error;
    if (fs::is_directory(argument, error)) {
      add_directory(argument, models);
    } else {
      models.insert(argument);
    }
  }
  return {models.begin(), models.end()};
}

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  const auto index = slash == std::string::npos ? std::nullopt : parse_positive(std::string_view(text).substr(0, slash));
  const auto count = slash == std::string::npos ? std::nullopt : parse_positive(std::string_view(text).substr(slash + 1));
  if (!index || !count || *index > *count) {
    throw CliError{kExitUsage, fmt::format("--shard '{}': expected I/N with 1 <= I <= N, e.g. 2/4", text)};
  }
  return {*index, *count};
}

std::vector<std::string> shard_models(const std::vector<std::string>& models, const Shard& shard) {
  // 128-bit products: n * I cannot overflow whatever N a scheduler passes.
  const auto n = static_cast<__int128>(models.size());
  const auto begin = static_cast<size_t>(n * (shard.index - 1) / shard.count);
  const auto end = static_cast<size_t>(n * shard.index / shard.count);
  return {models.begin() + static_cast<std::ptrdiff_t>(begin), models.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::vector<ShapeSpec> parse_shape_specs(const std::vector<std::string>& texts) {
  std::vector<ShapeSpec> specs;
  for (const std::string& text : texts) {
    // ONNX input names may contain ':' (TensorFlow exports: "input:0"), so the pattern is only
    // what ends in ".onnx:".
    const size_t marker = text.find(".onnx:");
    ShapeSpec spec;
    if (marker != std::string::npos) {
      spec.pattern = text.substr(0, marker + 5);
      spec.shape = text.substr(marker + 6);
    } else {
      spec.shape = text;
    }
    parse_input_shapes({spec.shape});  // throws on a malformed NAME=DIMS
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::map<std::string, std::vector<int64_t>> shapes_for(const std::vector<ShapeSpec>& specs,
                                                       const std::string& model_path) {
  const std::string file_name = fs::path(model_path).filename().string();
  std::vector<std::string> applying;
  for (const ShapeSpec& spec : specs) {
    const bool matches = spec.pattern.empty() || ::fnmatch(spec.pattern.c_str(), model_path.c_str(), 0) == 0 ||
                         ::fnmatch(spec.pattern.c_str(), file_name.c_str(), 0) == 0;
    if (matches) applying.push_back(spec.shape);
  }
  return parse_input_shapes(applying);
}

}  // namespace bufopt::cli
