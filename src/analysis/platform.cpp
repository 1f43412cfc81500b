#include "bufopt/analysis/platform.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace bufopt::analysis {

namespace {

// The presets of MODEL 5. They are order-of-magnitude figures chosen to stand for a class of
// device, not measurements of one board:
// - mcu: an STM32H7-class Cortex-M7 at 400-480 MHz. Its DSP extension (dual 16-bit MAC per
//   cycle) lets CMSIS-NN-style int8 kernels sustain about one MAC per cycle, hence 0.4e9 MAC/s;
//   element-wise kernels are limited by load/store, again about one element per cycle. A
//   function call, loop set-up and pointer arithmetic for one firing cost a few thousand
//   cycles: 5 us.
// - cpu: one Cortex-A72-class core at 1.5-2 GHz with 128-bit NEON (two FMA pipes): about
//   10e9 MAC/s in a tuned GEMM/conv kernel; element-wise ops are bound by memory bandwidth,
//   about 5e9 elements/s. One firing (kernel dispatch, loop set-up, cache warm-up) ~1 us.
// - gpu: a Jetson TX2-class embedded GPU (256 CUDA cores at ~1.3 GHz, ~0.67 TFLOP/s fp32 peak,
//   ~60 GB/s LPDDR4): about 300e9 MAC/s achieved by cuDNN, 100e9 elements/s for element-wise
//   kernels; one firing is a kernel launch, ~10 us on such a board.
Platform make_preset(std::string name, double macs_per_s, double elems_per_s, double overhead) {
  Platform platform;
  platform.name = std::move(name);
  platform.macs_per_s = macs_per_s;
  platform.elems_per_s = elems_per_s;
  platform.firing_overhead_s = overhead;
  platform.processors = 1;
  return platform;
}

std::vector<Platform> presets() {
  return {
      make_preset("mcu", 0.4e9, 0.4e9, 5e-6),
      make_preset("cpu", 10e9, 5e9, 1e-6),
      make_preset("gpu", 300e9, 100e9, 1e-5),
  };
}

double positive_rate(const nlohmann::json& value, const std::string& field) {
  if (!value.is_number()) throw std::invalid_argument("platform field '" + field + "' must be a number");
  const double rate = value.get<double>();
  if (!std::isfinite(rate) || rate <= 0) {
    throw std::invalid_argument("platform field '" + field + "' must be positive");
  }
  return rate;
}

double non_negative_seconds(const nlohmann::json& value, const std::string& field) {
  if (!value.is_number()) throw std::invalid_argument("platform field '" + field + "' must be a number");
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0) {
    throw std::invalid_argument("platform field '" + field + "' must not be negative");
  }
  return seconds;
}

int positive_count(const nlohmann::json& value, const std::string& field) {
  if (!value.is_number_integer()) throw std::invalid_argument("platform field '" + field + "' must be an integer");
  const auto count = value.get<int64_t>();
  if (count < 1 || count > 1'000'000) {
    throw std::invalid_argument("platform field '" + field + "' must be between 1 and 1000000");
  }
  return static_cast<int>(count);
}

std::string text_field(const nlohmann::json& value, const std::string& field) {
  if (!value.is_string()) throw std::invalid_argument("platform field '" + field + "' must be a string");
  return value.get<std::string>();
}

nlohmann::json parse_object(std::string_view text) {
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::invalid_argument(std::string("platform file is not valid JSON: ") + error.what());
  }
  if (!document.is_object()) throw std::invalid_argument("platform file must hold a JSON object");
  return document;
}

}  // namespace

std::optional<Platform> platform_preset(std::string_view name) {
  for (Platform& platform : presets()) {
    if (platform.name == name) return platform;
  }
  return std::nullopt;
}

std::vector<std::string> platform_preset_names() {
  std::vector<std::string> names;
  for (const Platform& platform : presets()) names.push_back(platform.name);
  return names;
}

Platform parse_platform_json(std::string_view text) {
  const nlohmann::json document = parse_object(text);
  Platform platform = *platform_preset("cpu");
  if (auto base = document.find("base"); base != document.end()) {
    const std::string base_name = text_field(*base, "base");
    auto preset = platform_preset(base_name);
    if (!preset) throw std::invalid_argument("platform field 'base' names no preset: '" + base_name + "'");
    platform = *preset;
  }
  for (const auto& [field, value] : document.items()) {
    if (field == "base") continue;
    if (field == "name") {
      platform.name = text_field(value, field);
    } else if (field == "macs_per_s") {
      platform.macs_per_s = positive_rate(value, field);
    } else if (field == "elems_per_s") {
      platform.elems_per_s = positive_rate(value, field);
    } else if (field == "firing_overhead_s") {
      platform.firing_overhead_s = non_negative_seconds(value, field);
    } else if (field == "processors") {
      platform.processors = positive_count(value, field);
    } else {
      throw std::invalid_argument("unknown platform field '" + field + "'");
    }
  }
  return platform;
}

}  // namespace bufopt::analysis
