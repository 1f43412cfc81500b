#include "bufopt/execute/normalization_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

/// Calls body(values) for every slice of `in` over the axes marked in `inner` (values: the
/// slice's elements in row-major order), and writes what body leaves in `values` to the
/// elements of the slice that `out` holds. Slices whose outer rows `out` does not hold are
/// skipped.
template <typename Body>
void for_each_slice(const Operand& in, TensorWindow& out, const std::vector<bool>& inner, Body body) {
  size_output(out);
  const size_t rank = in.shape().size();
  std::vector<int64_t> held = held_shape(out);
  std::vector<int64_t> out_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) out_strides[d - 1] = out_strides[d] * held[d];
  const int out_axis = out.axis ? *out.axis : -1;
  std::vector<size_t> outer_dims;
  std::vector<size_t> inner_dims;
  for (size_t d = 0; d < rank; ++d) (inner[d] ? inner_dims : outer_dims).push_back(d);
  auto holds = [&](size_t d, int64_t index) {
    return static_cast<int>(d) != out_axis || (index >= out.row_begin && index < out.row_end);
  };
  auto out_offset = [&](const std::vector<int64_t>& c) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      offset += (static_cast<int>(d) == out_axis ? c[d] - out.row_begin : c[d]) * out_strides[d];
    }
    return offset;
  };
  // Odometer over the dims in `dims` of `coords`; false when it wraps around.
  auto advance = [&](std::vector<int64_t>& coords, const std::vector<size_t>& dims) {
    for (size_t i = dims.size(); i-- > 0;) {
      if (++coords[dims[i]] < in.shape()[dims[i]]) return true;
      coords[dims[i]] = 0;
    }
    return false;
  };
  int64_t slice_size = 1;
  for (size_t d : inner_dims) slice_size *= in.shape()[d];
  for (size_t d = 0; d < rank; ++d) {
    if (in.shape()[d] == 0) return;
  }
  std::vector<float> values(static_cast<size_t>(slice_size));
  std::vector<int64_t> coords(rank, 0);
  do {
    bool wanted = true;
    for (size_t d : outer_dims) wanted = wanted && holds(d, coords[d]);
    if (!wanted) continue;
    size_t i = 0;
    do {
      values[i++] = in.at(coords);
    } while (advance(coords, inner_dims));
    body(values);
    i = 0;
    do {
      bool kept = true;
      for (size_t d : inner_dims) kept = kept && holds(d, coords[d]);
      if (kept) out.data[static_cast<size_t>(out_offset(coords))] = values[i];
      ++i;
    } while (advance(coords, inner_dims));
  } while (advance(coords, outer_dims));
}

std::vector<bool> trailing_from(int axis, int rank) {
  std::vector<bool> inner(static_cast<size_t>(rank), false);
  for (int d = axis; d < rank; ++d) inner[static_cast<size_t>(d)] = true;
  return inner;
}

}  // namespace

void run_batch_normalization(const KernelCall& call) {
  const Operand& x = call.input(0);
  const std::vector<float> scale = call.input(1).values();
  const std::vector<float> bias = call.input(2).values();
  const std::vector<float> mean = call.input(3).values();
  const std::vector<float> variance = call.input(4).values();
  const float epsilon = float_attribute(call.node, "epsilon", 1e-5f);
  std::vector<float> deviation(variance.size());
  for (size_t c = 0; c < variance.size(); ++c) deviation[c] = std::sqrt(variance[c] + epsilon);
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const auto channel = static_cast<size_t>(c.size() > 1 ? c[1] : 0);
    return (x.at(c) - mean[channel]) / deviation[channel] * scale[channel] + bias[channel];
  });
}

std::optional<std::string> check_batch_normalization(const graph::OperatorNode& node, const graph::ModelProgram&) {
  if (int_attribute(node, "training_mode", 0) != 0) return "BatchNormalization in training mode";
  for (size_t i = 1; i < node.outputs.size(); ++i) {
    if (has_output(node, i)) return "BatchNormalization with its training outputs";
  }
  if (node.opset < 9 && int_attribute(node, "spatial", 1) == 0) return "BatchNormalization with spatial=0";
  return std::nullopt;
}

void run_lrn(const KernelCall& call) {
  const Operand& x = call.input(0);
  const int64_t size = int_attribute(call.node, "size", 1);
  const float alpha = float_attribute(call.node, "alpha", 1e-4f);
  const float beta = float_attribute(call.node, "beta", 0.75f);
  const float bias = float_attribute(call.node, "bias", 1.0f);
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  const int64_t channels = x.shape()[1];
  std::vector<int64_t> at;
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    at.assign(c.begin(), c.end());
    float square_sum = 0.0f;
    for (int64_t k = std::max<int64_t>(0, c[1] - before); k <= std::min(channels - 1, c[1] + after); ++k) {
      at[1] = k;
      const float value = x.at(at);
      square_sum += value * value;
    }
    return x.at(c) / std::pow(bias + alpha / static_cast<float>(size) * square_sum, beta);
  });
}

void run_softmax(const KernelCall& call) {
  const Operand& x = call.input(0);
  const int rank = x.rank();
  const int axis = normalize_axis(int_attribute(call.node, "axis", call.node.opset < 13 ? 1 : -1), rank, call.node);
  std::vector<bool> inner(static_cast<size_t>(rank), false);
  if (call.node.opset < 13) {
    inner = trailing_from(axis, rank);
  } else {
    inner[static_cast<size_t>(axis)] = true;
  }
  const std::string& op = call.node.op_type;
  for_each_slice(x, call.outputs[0], inner, [&](std::vector<float>& values) {
    float max = -std::numeric_limits<float>::infinity();
    size_t argmax = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] > max) {
        max = values[i];
        argmax = i;
      }
    }
    if (op == "Hardmax") {
      for (size_t i = 0; i < values.size(); ++i) values[i] = i == argmax ? 1.0f : 0.0f;
      return;
    }
    float sum = 0.0f;
    for (float value : values) sum += std::exp(value - max);
    if (op == "LogSoftmax") {
      const float log_sum = std::log(sum);
      for (float& value : values) value = value - max - log_sum;
    } else {
      for (float& value : values) value = std::exp(value - max) / sum;
    }
  });
}

void run_instance_normalization(const KernelCall& call) {
  const Operand& x = call.input(0);
  const std::vector<float> scale = call.input(1).values();
  const std::vector<float> bias = call.input(2).values();
  const float epsilon = float_attribute(call.node, "epsilon", 1e-5f);
  // The slices run in channel order; the body learns its channel by counting.
  int64_t slice = 0;
  const int64_t channels = x.shape()[1];
  TensorWindow& out = call.outputs[0];
  if (out.axis && *out.axis < 2) {
    throw std::invalid_argument("InstanceNormalization streamed along its batch or channel axis");
  }
  for_each_slice(x, out, trailing_from(2, x.rank()), [&](std::vector<float>& values) {
    const auto c = static_cast<size_t>(slice++ % channels);
    float sum = 0.0f;
    for (float value : values) sum += value;
    const float mean = sum / static_cast<float>(values.size());
    float squares = 0.0f;
    for (float value : values) squares += (value - mean) * (value - mean);
    const float deviation = std::sqrt(squares / static_cast<float>(values.size()) + epsilon);
    for (float& value : values) value = (value - mean) / deviation * scale[c] + bias[c];
  });
}

void run_layer_normalization(const KernelCall& call) {
  const Operand& x = call.input(0);
  const int axis = normalize_axis(int_attribute(call.node, "axis", -1), x.rank(), call.node);
  const std::vector<float> scale = call.input(1).values();
  const std::vector<float> bias = call.has_input(2) ? call.input(2).values() : std::vector<float>(scale.size(), 0.0f);
  const float epsilon = float_attribute(call.node, "epsilon", 1e-5f);
  auto statistics = [epsilon](const std::vector<float>& values) {
    float sum = 0.0f;
    for (float value : values) sum += value;
    const float mean = sum / static_cast<float>(values.size());
    float squares = 0.0f;
    for (float value : values) squares += (value - mean) * (value - mean);
    return std::pair{mean, std::sqrt(squares / static_cast<float>(values.size()) + epsilon)};
  };
  const std::vector<bool> inner = trailing_from(axis, x.rank());
  for_each_slice(x, call.outputs[0], inner, [&](std::vector<float>& values) {
    const auto [mean, deviation] = statistics(values);
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = (values[i] - mean) / deviation * scale[i % scale.size()] + bias[i % bias.size()];
    }
  });
  if (call.outputs.size() < 2) return;
  // Mean and InvStdDev: one value per slice (their leading coordinates), computed only for the
  // slices their windows hold, so only rows of x those slices cover are read.
  for (size_t j = 1; j < call.outputs.size() && j < 3; ++j) {
    TensorWindow& out = call.outputs[j];
    std::vector<int64_t> at(static_cast<size_t>(x.rank()), 0);
    std::vector<float> values;
    fill_output(out, [&](std::span<const int64_t> c) {
      std::copy(c.begin(), c.begin() + axis, at.begin());
      std::fill(at.begin() + axis, at.end(), 0);
      values.clear();
      // The slice's elements in row-major order, as for_each_slice gathers them.
      while (true) {
        values.push_back(x.at(at));
        int d = x.rank();
        while (d-- > axis) {
          if (++at[static_cast<size_t>(d)] < x.shape()[static_cast<size_t>(d)]) break;
          at[static_cast<size_t>(d)] = 0;
        }
        if (d < axis) break;
      }
      const auto [mean, deviation] = statistics(values);
      return j == 1 ? mean : 1.0f / deviation;
    });
  }
}

std::optional<std::string> check_layer_normalization(const graph::OperatorNode& node,
                                                     const graph::ModelProgram& program) {
  if (int_attribute(node, "stash_type", 1) != 1) return "LayerNormalization with stash_type other than float";
  const auto x = tensor_shape(program, input_name(node, 0));
  const auto scale = tensor_shape(program, input_name(node, 1));
  if (!x || !scale) return std::nullopt;
  const auto rank = static_cast<int64_t>(x->size());
  int64_t axis = int_attribute(node, "axis", -1);
  if (axis < 0) axis += rank;
  int64_t inner = 1;
  for (int64_t d = axis; d < rank; ++d) inner *= (*x)[static_cast<size_t>(d)];
  int64_t scale_elements = 1;
  for (int64_t dim : *scale) scale_elements *= dim;
  if (scale_elements != inner) return "LayerNormalization with a broadcast scale";
  return std::nullopt;
}

}  // namespace bufopt::execute
