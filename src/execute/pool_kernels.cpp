#include "bufopt/execute/pool_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "bufopt/execute/window_geometry.h"

namespace bufopt::execute {

namespace {

enum class PoolKind { kMax, kAverage, kLp };

/// The positions of one window on one axis: first index, dilation, how many lie inside the
/// input, and how many lie inside the padded input (AveragePool's count_include_pad divisor).
struct Span {
  std::vector<int64_t> inside;  ///< input indices of the window inside [0, size)
  int64_t padded = 0;           ///< window positions inside [-pad_begin, size + pad_end)
};

Span window_span(int64_t out_index, const AxisWindow& axis, int64_t size) {
  Span span;
  for (int64_t k = 0; k < axis.kernel; ++k) {
    const int64_t index = out_index * axis.stride - axis.pad_begin + k * axis.dilation;
    if (index >= 0 && index < size) span.inside.push_back(index);
    if (index >= -axis.pad_begin && index < size + axis.pad_end) ++span.padded;
  }
  return span;
}

}  // namespace

void run_pool(const KernelCall& call) {
  const Operand& x = call.input(0);
  if (x.rank() != 3 && x.rank() != 4) {
    throw std::invalid_argument(fmt::format("{} '{}': input of rank {} (1-D and 2-D only)", call.node.op_type,
                                            call.node.name, x.rank()));
  }
  if (x.axis() != -1 && x.axis() != 2) {
    throw std::invalid_argument(fmt::format("{} '{}': input streamed along axis {} (H only)", call.node.op_type,
                                            call.node.name, x.axis()));
  }
  TensorWindow& out = call.outputs[0];
  const bool two_d = x.rank() == 4;
  const std::vector<int64_t> kernel = ints_attribute(call.node, "kernel_shape");
  std::vector<int64_t> in_spatial{x.shape()[2]};
  std::vector<int64_t> out_spatial{out.shape[2]};
  if (two_d) {
    in_spatial.push_back(x.shape()[3]);
    out_spatial.push_back(out.shape[3]);
  }
  const std::vector<AxisWindow> axes = sliding_axes(call.node, in_spatial, out_spatial, kernel);
  const AxisWindow h = axes[0];
  const AxisWindow w = two_d ? axes[1] : AxisWindow{};
  const int64_t in_width = two_d ? x.shape()[3] : 1;
  const int64_t out_width = two_d ? out.shape[3] : 1;
  const PoolKind kind = call.node.op_type == "MaxPool"     ? PoolKind::kMax
                        : call.node.op_type == "LpPool"    ? PoolKind::kLp
                                                            : PoolKind::kAverage;
  const bool include_pad = int_attribute(call.node, "count_include_pad", 0) != 0;
  const float p = static_cast<float>(int_attribute(call.node, "p", 2));
  std::vector<Span> columns;
  for (int64_t ow = 0; ow < out_width; ++ow) columns.push_back(window_span(ow, w, in_width));
  // Spans of this firing's output rows only: one per row of the whole height made a firing
  // cost O(height), a streamed run O(height^2) (minutes for a 1-D input of 10^5 rows).
  const bool rows_streamed = out.axis && *out.axis == 2;
  const int64_t first_row = rows_streamed ? out.row_begin : 0;
  const int64_t end_row = rows_streamed ? out.row_end : out.shape[2];
  std::vector<Span> row_spans;
  row_spans.reserve(static_cast<size_t>(std::max<int64_t>(0, end_row - first_row)));
  for (int64_t oh = first_row; oh < end_row; ++oh) row_spans.push_back(window_span(oh, h, x.shape()[2]));

  fill_output(out, [&](std::span<const int64_t> c) {
    const Span& rows = row_spans[static_cast<size_t>(c[2] - first_row)];
    const Span& cols = columns[static_cast<size_t>(two_d ? c[3] : 0)];
    const int64_t base = x.index_offset(0, c[0]) + x.index_offset(1, c[1]);
    float result = kind == PoolKind::kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int64_t ih : rows.inside) {
      const float* row = x.data() + base + x.index_offset(2, ih);
      for (int64_t iw : cols.inside) {
        const float value = row[iw];
        if (kind == PoolKind::kMax) {
          result = value > result || std::isnan(value) ? value : result;
        } else if (kind == PoolKind::kLp) {
          result += std::pow(std::fabs(value), p);
        } else {
          result += value;
        }
      }
    }
    if (kind == PoolKind::kLp) return std::pow(result, 1.0f / p);
    if (kind == PoolKind::kAverage) {
      const int64_t count = include_pad ? rows.padded * cols.padded
                                        : static_cast<int64_t>(rows.inside.size() * cols.inside.size());
      return result / static_cast<float>(count);
    }
    return result;
  });
}

std::optional<std::string> check_pool(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const auto shape = tensor_shape(program, input_name(node, 0));
  if (auto reason = check_sliding_window(node, shape ? shape->size() : 0)) return reason;
  if (node.op_type == "MaxPool" && has_output(node, 1)) return "MaxPool with its Indices output";
  if (ints_attribute(node, "kernel_shape").empty()) return fmt::format("{} without kernel_shape", node.op_type);
  return std::nullopt;
}

}  // namespace bufopt::execute
