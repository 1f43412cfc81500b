#include "bufopt/execute/execution_check.h"

#include <bit>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace bufopt::execute {

namespace {

/// Compares one output; returns false (and sets `difference`) at the first differing element,
/// while max_abs_diff keeps growing over every element.
bool same_bits(const OutputTensor& a, const OutputTensor& b, double& max_abs_diff, std::string& difference) {
  if (a.name != b.name || a.tensor.shape != b.tensor.shape || a.tensor.dtype != b.tensor.dtype ||
      a.tensor.reals.size() != b.tensor.reals.size() || a.tensor.integers.size() != b.tensor.integers.size()) {
    difference = fmt::format("output '{}' [{}] differs in name, shape or dtype from '{}' [{}]", a.name,
                             fmt::join(a.tensor.shape, ","), b.name, fmt::join(b.tensor.shape, ","));
    max_abs_diff = std::numeric_limits<double>::infinity();
    return false;
  }
  bool same = true;
  auto differ = [&](size_t i, double x, double y) {
    const double diff = std::isnan(x) != std::isnan(y) ? std::numeric_limits<double>::infinity() : std::fabs(x - y);
    if (!std::isnan(diff)) max_abs_diff = std::max(max_abs_diff, diff);
    if (same) difference = fmt::format("output '{}' element {}: by parts {}, layer by layer {}", a.name, i, x, y);
    same = false;
  };
  for (size_t i = 0; i < a.tensor.reals.size(); ++i) {
    const float x = a.tensor.reals[i];
    const float y = b.tensor.reals[i];
    if (std::bit_cast<uint32_t>(x) != std::bit_cast<uint32_t>(y)) differ(i, x, y);
  }
  for (size_t i = 0; i < a.tensor.integers.size(); ++i) {
    if (a.tensor.integers[i] != b.tensor.integers[i]) {
      differ(i, static_cast<double>(a.tensor.integers[i]), static_cast<double>(b.tensor.integers[i]));
    }
  }
  return same;
}

}  // namespace

OutputComparison compare_outputs(const ExecutionResult& by_parts, const ExecutionResult& layer_by_layer) {
  OutputComparison comparison;
  comparison.bit_identical = by_parts.outputs.size() == layer_by_layer.outputs.size();
  if (!comparison.bit_identical) {
    comparison.first_difference = fmt::format("by parts gives {} outputs, layer by layer {}", by_parts.outputs.size(),
                                              layer_by_layer.outputs.size());
    comparison.max_abs_diff = std::numeric_limits<double>::infinity();
    return comparison;
  }
  for (size_t i = 0; i < by_parts.outputs.size(); ++i) {
    std::string difference;
    if (!same_bits(by_parts.outputs[i], layer_by_layer.outputs[i], comparison.max_abs_diff, difference) &&
        comparison.bit_identical) {
      comparison.bit_identical = false;
      comparison.first_difference = difference;
    }
  }
  return comparison;
}

double ExecutionReport::measured_slowdown() const {
  return seconds_layer_by_layer > 0 ? seconds_by_parts / seconds_layer_by_layer : 1.0;
}

double ExecutionReport::seconds_per_extra_firing() const {
  const int64_t extra = firings - firings_layer_by_layer;
  return extra > 0 ? (seconds_by_parts - seconds_layer_by_layer) / static_cast<double>(extra) : 0.0;
}

}  // namespace bufopt::execute
