#include "bufopt/execute/layout_kernels.h"

#include <algorithm>

#include <fmt/format.h>

namespace bufopt::execute {

namespace {

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

/// The start and step of each input axis a Slice reads (ONNX clamping), from the attributes
/// (opset < 10) or inputs 1..4.
void slice_starts(const KernelCall& call, std::vector<int64_t>& start, std::vector<int64_t>& step) {
  const Operand& data = call.input(0);
  const int rank = data.rank();
  start.assign(static_cast<size_t>(rank), 0);
  step.assign(static_cast<size_t>(rank), 1);
  std::vector<int64_t> starts;
  std::vector<int64_t> axes;
  std::vector<int64_t> steps;
  if (call.node.opset < 10) {
    starts = ints_attribute(call.node, "starts");
    axes = ints_attribute(call.node, "axes");
  } else {
    starts = call.input(1).integers();
    if (call.has_input(3)) axes = call.input(3).integers();
    if (call.has_input(4)) steps = call.input(4).integers();
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (size_t i = 0; i < axes.size() && i < starts.size(); ++i) {
    const auto axis = static_cast<size_t>(normalize_axis(axes[i], rank, call.node));
    const int64_t dim = data.shape()[axis];
    const int64_t s = i < steps.size() ? steps[i] : 1;
    int64_t begin = starts[i] < 0 ? starts[i] + dim : starts[i];
    begin = s > 0 ? std::clamp<int64_t>(begin, 0, dim) : std::clamp<int64_t>(begin, 0, dim - 1);
    start[axis] = begin;
    step[axis] = s;
  }
}

/// Pads before each axis of a Pad node (attributes before opset 11, inputs 1 and 3 after).
std::vector<int64_t> pads_before(const KernelCall& call, int rank) {
  std::vector<int64_t> pads;
  if (call.node.opset < 11) {
    pads = ints_attribute(call.node, call.node.opset < 2 ? "paddings" : "pads");
  } else {
    pads = call.input(1).integers();
  }
  std::vector<int64_t> axes;
  if (call.has_input(3)) {
    for (int64_t axis : call.input(3).integers()) axes.push_back(normalize_axis(axis, rank, call.node));
  } else {
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  }
  std::vector<int64_t> before(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < axes.size() && i < pads.size(); ++i) before[static_cast<size_t>(axes[i])] = pads[i];
  return before;
}

}  // namespace

void run_concat(const KernelCall& call) {
  TensorWindow& out = call.outputs[0];
  const int axis = normalize_axis(int_attribute(call.node, "axis", 0), static_cast<int>(out.shape.size()), call.node);
  std::vector<const Operand*> parts;
  std::vector<int64_t> ends;  // cumulative end of each part along the axis
  int64_t end = 0;
  for (size_t i = 0; i < call.operands.size(); ++i) {
    if (!call.has_input(i)) continue;
    parts.push_back(&call.input(i));
    end += call.input(i).shape()[static_cast<size_t>(axis)];
    ends.push_back(end);
  }
  std::vector<int64_t> at;
  fill_output(out, [&](std::span<const int64_t> c) {
    const int64_t position = c[static_cast<size_t>(axis)];
    const size_t part = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), position) - ends.begin());
    at.assign(c.begin(), c.end());
    at[static_cast<size_t>(axis)] = position - (ends[part] - parts[part]->shape()[static_cast<size_t>(axis)]);
    return parts[part]->at(at);
  });
}

void run_split(const KernelCall& call) {
  const Operand& in = call.input(0);
  const int axis = normalize_axis(int_attribute(call.node, "axis", 0), in.rank(), call.node);
  int64_t offset = 0;
  std::vector<int64_t> at;
  for (TensorWindow& out : call.outputs) {
    fill_output(out, [&](std::span<const int64_t> c) {
      at.assign(c.begin(), c.end());
      at[static_cast<size_t>(axis)] += offset;
      return in.at(at);
    });
    offset += out.shape[static_cast<size_t>(axis)];
  }
}

void run_slice(const KernelCall& call) {
  const Operand& in = call.input(0);
  std::vector<int64_t> start;
  std::vector<int64_t> step;
  slice_starts(call, start, step);
  std::vector<int64_t> at(start.size());
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    for (size_t d = 0; d < at.size(); ++d) at[d] = start[d] + c[d] * step[d];
    return in.at(at);
  });
}

void run_pad(const KernelCall& call) {
  const Operand& in = call.input(0);
  const std::vector<int64_t> before = pads_before(call, in.rank());
  const std::string mode = string_attribute(call.node, "mode", "constant");
  float value = call.node.opset < 11 ? float_attribute(call.node, "value", 0.0f) : 0.0f;
  if (call.node.opset >= 11 && call.has_input(2) && call.input(2).elements() > 0) value = call.input(2).values()[0];
  std::vector<int64_t> at(before.size());
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    for (size_t d = 0; d < at.size(); ++d) {
      const int64_t dim = in.shape()[d];
      int64_t index = c[d] - before[d];
      if (index < 0 || index >= dim) {
        if (mode == "constant") return value;
        if (mode == "edge") {
          index = std::clamp<int64_t>(index, 0, dim - 1);
        } else {  // reflect (the check requires pads < dim)
          index = index < 0 ? -index : 2 * (dim - 1) - index;
        }
      }
      at[d] = index;
    }
    return in.at(at);
  });
}

std::optional<std::string> check_pad(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const std::string mode = string_attribute(node, "mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect") return fmt::format("Pad mode {}", mode);
  if (mode == "reflect") {
    const auto shape = tensor_shape(program, input_name(node, 0));
    std::vector<int64_t> pads = ints_attribute(node, node.opset < 2 ? "paddings" : "pads");
    if (node.opset >= 11) {
      const graph::ConstantTensor* constant = constant_named(program, input_name(node, 1));
      if (!constant) return "Pad reflect with pads not a constant";
      pads = constant->integers;
    }
    if (!shape || has_attribute(node, "axes") || !input_name(node, 3).empty()) return "Pad reflect with axes";
    for (size_t i = 0; i < pads.size(); ++i) {
      const int64_t dim = (*shape)[i % shape->size()];
      if (pads[i] < 0 || pads[i] >= dim) return "Pad reflect with a pad not smaller than its axis";
    }
  }
  return std::nullopt;
}

void run_transpose(const KernelCall& call) {
  const Operand& in = call.input(0);
  std::vector<int64_t> perm = ints_attribute(call.node, "perm");
  if (perm.empty()) {
    for (int d = in.rank(); d-- > 0;) perm.push_back(d);
  }
  std::vector<int64_t> at(perm.size());
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    for (size_t d = 0; d < perm.size(); ++d) at[static_cast<size_t>(perm[d])] = c[d];
    return in.at(at);
  });
}

void run_regroup(const KernelCall& call) {
  const Operand& in = call.input(0);
  const std::vector<int64_t> out_strides = row_major_strides(call.outputs[0].shape);
  const std::vector<int64_t> in_strides = row_major_strides(in.shape());
  std::vector<int64_t> at(in_strides.size());
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    int64_t flat = 0;
    for (size_t d = 0; d < c.size(); ++d) flat += c[d] * out_strides[d];
    for (size_t d = 0; d < at.size(); ++d) {
      at[d] = flat / in_strides[d];
      flat %= in_strides[d];
    }
    return in.at(at);
  });
}

void run_expand(const KernelCall& call) {
  const Operand& in = call.input(0);
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) { return in.broadcast_at(c); });
}

void run_depth_to_space(const KernelCall& call) {
  const Operand& in = call.input(0);
  if (in.rank() != 4) throw std::invalid_argument(fmt::format("{} of rank {}", call.node.op_type, in.rank()));
  const int64_t block = int_attribute(call.node, "blocksize", 1);
  const bool crd = string_attribute(call.node, "mode", "DCR") == "CRD";
  const int64_t out_channels = call.outputs[0].shape[1];
  std::vector<int64_t> at(4);
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const int64_t bh = c[2] % block;
    const int64_t bw = c[3] % block;
    at[0] = c[0];
    at[1] = crd ? (c[1] * block + bh) * block + bw : (bh * block + bw) * out_channels + c[1];
    at[2] = c[2] / block;
    at[3] = c[3] / block;
    return in.at(at);
  });
}

std::optional<std::string> check_depth_to_space(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const auto shape = tensor_shape(program, input_name(node, 0));
  if (shape && shape->size() != 4) return fmt::format("{} of rank {}", node.op_type, shape->size());
  return std::nullopt;
}

void run_space_to_depth(const KernelCall& call) {
  const Operand& in = call.input(0);
  if (in.rank() != 4) throw std::invalid_argument(fmt::format("{} of rank {}", call.node.op_type, in.rank()));
  const int64_t block = int_attribute(call.node, "blocksize", 1);
  const int64_t in_channels = in.shape()[1];
  std::vector<int64_t> at(4);
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const int64_t offset = c[1] / in_channels;
    at[0] = c[0];
    at[1] = c[1] % in_channels;
    at[2] = c[2] * block + offset / block;
    at[3] = c[3] * block + offset % block;
    return in.at(at);
  });
}

void run_gather(const KernelCall& call) {
  const Operand& data = call.input(0);
  const Operand& indices_operand = call.input(1);
  const int axis = normalize_axis(int_attribute(call.node, "axis", 0), data.rank(), call.node);
  const std::vector<int64_t> indices = indices_operand.integers();
  const std::vector<int64_t> index_strides = row_major_strides(indices_operand.shape());
  const size_t q = indices_operand.shape().size();
  const int64_t dim = data.shape()[static_cast<size_t>(axis)];
  std::vector<int64_t> at(static_cast<size_t>(data.rank()));
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const auto a = static_cast<size_t>(axis);
    for (size_t d = 0; d < a; ++d) at[d] = c[d];
    int64_t flat = 0;
    for (size_t d = 0; d < q; ++d) flat += c[a + d] * index_strides[d];
    const int64_t index = indices[static_cast<size_t>(flat)];
    at[a] = index < 0 ? index + dim : index;
    if (at[a] < 0 || at[a] >= dim) {
      throw std::invalid_argument(fmt::format("Gather index {} is out of range for an axis of {}", index, dim));
    }
    for (size_t d = a + 1; d < at.size(); ++d) at[d] = c[d + q - 1];
    return data.at(at);
  });
}

}  // namespace bufopt::execute
