#include "bufopt/execute/conv_kernels.h"

#include <algorithm>

#include <fmt/format.h>

#include "bufopt/execute/window_geometry.h"

namespace bufopt::execute {

namespace {

/// A 1-D or 2-D NC(H)(W) tensor's sizes, a 1-D one as W = 1.
struct Planes {
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t height = 0;
  int64_t width = 1;
};

Planes planes_of(const std::vector<int64_t>& shape) {
  Planes planes;
  planes.batch = shape[0];
  planes.channels = shape[1];
  planes.height = shape[2];
  if (shape.size() == 4) planes.width = shape[3];
  return planes;
}

void require_one_or_two_d(const KernelCall& call, const Operand& x) {
  if (x.rank() != 3 && x.rank() != 4) {
    throw std::invalid_argument(fmt::format("{} '{}': input of rank {} (1-D and 2-D only)", call.node.op_type,
                                            call.node.name, x.rank()));
  }
}

void require_h_streaming(const KernelCall& call, int axis, const std::string& what) {
  if (axis != -1 && axis != 2) {
    throw std::invalid_argument(
        fmt::format("{} '{}': {} streamed along axis {} (kernels stream along H only)", call.node.op_type,
                    call.node.name, what, axis));
  }
}

/// Where output rows go: window rows along H, or the whole tensor.
struct OutputPlanes {
  float* data = nullptr;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  int64_t held_rows = 0;
  int64_t width = 1;

  float* row(int64_t n, int64_t channels, int64_t c, int64_t h) const {
    return data + ((n * channels + c) * held_rows + (h - row_begin)) * width;
  }
};

OutputPlanes output_planes(const KernelCall& call, TensorWindow& out) {
  require_h_streaming(call, out.axis ? *out.axis : -1, "output");
  size_output(out);
  OutputPlanes planes;
  planes.data = out.data.data();
  planes.row_begin = out.axis ? out.row_begin : 0;
  planes.row_end = out.axis ? out.row_end : out.shape[2];
  planes.held_rows = planes.row_end - planes.row_begin;
  planes.width = out.shape.size() == 4 ? out.shape[3] : 1;
  return planes;
}

/// sums[i] += weight * source[i * stride] for i in [0, count). The arrays never overlap
/// (restrict lets the compiler vectorise the stride-1 loop).
void accumulate_row(float* __restrict sums, const float* __restrict source, float weight, int64_t stride,
                    int64_t count) {
  if (stride == 1) {
    for (int64_t i = 0; i < count; ++i) sums[i] += weight * source[i];
  } else {
    for (int64_t i = 0; i < count; ++i) sums[i] += weight * source[i * stride];
  }
}

std::vector<float> bias_of(const KernelCall& call, size_t input, int64_t channels) {
  if (!call.has_input(input)) return std::vector<float>(static_cast<size_t>(channels), 0.0f);
  return call.input(input).values();
}

}  // namespace

void run_conv(const KernelCall& call) {
  const Operand& x = call.input(0);
  require_one_or_two_d(call, x);
  require_h_streaming(call, x.axis(), "input");
  const std::vector<float> weights = call.input(1).values();
  const std::vector<int64_t>& w_shape = call.input(1).shape();
  TensorWindow& out = call.outputs[0];
  const Planes in = planes_of(x.shape());
  const Planes outp = planes_of(out.shape);
  const int64_t group = int_attribute(call.node, "group", 1);
  const std::vector<float> bias = bias_of(call, 2, outp.channels);
  std::vector<int64_t> kernel(w_shape.begin() + 2, w_shape.end());
  std::vector<int64_t> in_spatial{in.height};
  std::vector<int64_t> out_spatial{outp.height};
  if (x.rank() == 4) {
    in_spatial.push_back(in.width);
    out_spatial.push_back(outp.width);
  }
  const std::vector<AxisWindow> axes = sliding_axes(call.node, in_spatial, out_spatial, kernel);
  const AxisWindow h = axes[0];
  const AxisWindow w = axes.size() > 1 ? axes[1] : AxisWindow{};
  const int64_t kernel_h = h.kernel;
  const int64_t kernel_w = w.kernel;
  const int64_t group_in = in.channels / group;
  const int64_t group_out = outp.channels / group;
  const OutputPlanes target = output_planes(call, out);

  // For each kernel column, the output columns whose input column is inside the input.
  std::vector<int64_t> first_column(static_cast<size_t>(kernel_w));
  std::vector<int64_t> end_column(static_cast<size_t>(kernel_w));
  for (int64_t kw = 0; kw < kernel_w; ++kw) {
    const int64_t shift = kw * w.dilation - w.pad_begin;  // input column = ow * stride + shift
    int64_t begin = 0;
    while (begin < outp.width && begin * w.stride + shift < 0) ++begin;
    int64_t end = outp.width;
    while (end > begin && (end - 1) * w.stride + shift >= in.width) --end;
    first_column[static_cast<size_t>(kw)] = begin;
    end_column[static_cast<size_t>(kw)] = end;
  }

  std::vector<float> sums(static_cast<size_t>(outp.width));
  const float* x_data = x.data();
  for (int64_t n = 0; n < outp.batch; ++n) {
    const int64_t n_offset = x.index_offset(0, n);
    for (int64_t m = 0; m < outp.channels; ++m) {
      const int64_t first_channel = (m / group_out) * group_in;
      const float* m_weights = weights.data() + m * group_in * kernel_h * kernel_w;
      for (int64_t oh = target.row_begin; oh < target.row_end; ++oh) {
        std::fill(sums.begin(), sums.end(), 0.0f);
        for (int64_t ic = 0; ic < group_in; ++ic) {
          const int64_t c_offset = n_offset + x.index_offset(1, first_channel + ic);
          for (int64_t kh = 0; kh < kernel_h; ++kh) {
            const int64_t ih = oh * h.stride - h.pad_begin + kh * h.dilation;
            if (ih < 0 || ih >= in.height) continue;
            const int64_t row = c_offset + x.index_offset(2, ih);
            const float* k_row = m_weights + (ic * kernel_h + kh) * kernel_w;
            for (int64_t kw = 0; kw < kernel_w; ++kw) {
              // Input column of output column ow: ow * stride + kw * dilation - pad; from the
              // first output column whose input column is inside the row.
              const int64_t first = first_column[static_cast<size_t>(kw)];
              const int64_t count = end_column[static_cast<size_t>(kw)] - first;
              if (count <= 0) continue;
              accumulate_row(sums.data() + first, x_data + row + first * w.stride + kw * w.dilation - w.pad_begin,
                             k_row[kw], w.stride, count);
            }
          }
        }
        float* destination = target.row(n, outp.channels, m, oh);
        const float b = bias[static_cast<size_t>(m)];
        for (int64_t ow = 0; ow < outp.width; ++ow) destination[ow] = sums[static_cast<size_t>(ow)] + b;
      }
    }
  }
}

std::optional<std::string> check_conv(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const auto shape = tensor_shape(program, input_name(node, 0));
  if (auto reason = check_sliding_window(node, shape ? shape->size() : 0)) return reason;
  const auto data = program.values.find(input_name(node, 0));
  if (data != program.values.end() && data->second.streaming_axis && *data->second.streaming_axis != 2) {
    return fmt::format("{} streamed along axis {} (H only)", node.op_type, *data->second.streaming_axis);
  }
  return std::nullopt;
}

void run_conv_transpose(const KernelCall& call) {
  const Operand& x = call.input(0);
  require_one_or_two_d(call, x);
  require_h_streaming(call, x.axis(), "input");
  const std::vector<float> weights = call.input(1).values();
  const std::vector<int64_t>& w_shape = call.input(1).shape();  // [C, M / group, kH, kW]
  TensorWindow& out = call.outputs[0];
  const Planes in = planes_of(x.shape());
  const Planes outp = planes_of(out.shape);
  const int64_t group = int_attribute(call.node, "group", 1);
  const std::vector<float> bias = bias_of(call, 2, outp.channels);
  std::vector<int64_t> kernel(w_shape.begin() + 2, w_shape.end());
  std::vector<int64_t> in_spatial{in.height};
  std::vector<int64_t> out_spatial{outp.height};
  if (x.rank() == 4) {
    in_spatial.push_back(in.width);
    out_spatial.push_back(outp.width);
  }
  const std::vector<AxisWindow> axes = transposed_axes(call.node, in_spatial, out_spatial, kernel);
  const AxisWindow h = axes[0];
  const AxisWindow w = axes.size() > 1 ? axes[1] : AxisWindow{};
  const int64_t group_in = in.channels / group;
  const int64_t group_out = outp.channels / group;
  const OutputPlanes target = output_planes(call, out);
  const float* x_data = x.data();
  for (int64_t n = 0; n < outp.batch; ++n) {
    for (int64_t m = 0; m < outp.channels; ++m) {
      const int64_t g = m / group_out;
      const int64_t m_in_group = m % group_out;
      for (int64_t oh = target.row_begin; oh < target.row_end; ++oh) {
        float* destination = target.row(n, outp.channels, m, oh);
        for (int64_t ow = 0; ow < outp.width; ++ow) {
          // Gather form: output (oh, ow) receives input (ih, iw) through kernel (kh, kw) when
          // oh = ih * stride - pad + kh * dilation.
          float sum = 0.0f;
          for (int64_t ic = 0; ic < group_in; ++ic) {
            const int64_t c = g * group_in + ic;
            const int64_t c_offset = x.index_offset(0, n) + x.index_offset(1, c);
            for (int64_t kh = 0; kh < h.kernel; ++kh) {
              const int64_t ih_scaled = oh + h.pad_begin - kh * h.dilation;
              if (ih_scaled < 0 || ih_scaled % h.stride != 0 || ih_scaled / h.stride >= in.height) continue;
              const float* row = x_data + c_offset + x.index_offset(2, ih_scaled / h.stride);
              for (int64_t kw = 0; kw < w.kernel; ++kw) {
                const int64_t iw_scaled = ow + w.pad_begin - kw * w.dilation;
                if (iw_scaled < 0 || iw_scaled % w.stride != 0 || iw_scaled / w.stride >= in.width) continue;
                const float weight = weights[static_cast<size_t>(((c * group_out + m_in_group) * h.kernel + kh) *
                                                                     w.kernel +
                                                                 kw)];
                sum += weight * row[iw_scaled / w.stride];
              }
            }
          }
          destination[ow] = sum + bias[static_cast<size_t>(m)];
        }
      }
    }
  }
}

}  // namespace bufopt::execute
