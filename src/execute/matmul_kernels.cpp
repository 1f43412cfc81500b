#include "bufopt/execute/matmul_kernels.h"

#include <fmt/format.h>

namespace bufopt::execute {

void run_gemm(const KernelCall& call) {
  const Operand& a = call.input(0);
  const Operand& b = call.input(1);
  const bool trans_a = int_attribute(call.node, "transA", 0) != 0;
  const bool trans_b = int_attribute(call.node, "transB", 0) != 0;
  const float alpha = float_attribute(call.node, "alpha", 1.0f);
  const float beta = float_attribute(call.node, "beta", 1.0f);
  const int64_t depth = trans_a ? a.shape()[0] : a.shape()[1];
  const bool has_c = call.has_input(2);
  fill_output(call.outputs[0], [&](std::span<const int64_t> c) {
    const int64_t m = c[0];
    const int64_t n = c[1];
    float sum = 0.0f;
    for (int64_t k = 0; k < depth; ++k) {
      const float x = trans_a ? a.data()[a.index_offset(0, k) + a.index_offset(1, m)]
                              : a.data()[a.index_offset(0, m) + a.index_offset(1, k)];
      const float y = trans_b ? b.data()[b.index_offset(0, n) + b.index_offset(1, k)]
                              : b.data()[b.index_offset(0, k) + b.index_offset(1, n)];
      sum += x * y;
    }
    float result = alpha * sum;
    if (has_c) result += beta * call.input(2).broadcast_at(c);
    return result;
  });
}

void run_matmul(const KernelCall& call) {
  const Operand& a = call.input(0);
  const Operand& b = call.input(1);
  TensorWindow& out = call.outputs[0];
  const int a_rank = a.rank();
  const int b_rank = b.rank();
  const int64_t depth = a.shape()[static_cast<size_t>(a_rank - 1)];
  const size_t out_rank = out.shape.size();
  std::vector<int64_t> a_at(static_cast<size_t>(a_rank));
  std::vector<int64_t> b_at(static_cast<size_t>(b_rank));
  fill_output(out, [&](std::span<const int64_t> c) {
    // Output coordinates: batch..., [m if a_rank > 1], [n if b_rank > 1].
    size_t next = out_rank;
    const int64_t n = b_rank > 1 ? c[--next] : 0;
    const int64_t m = a_rank > 1 ? c[--next] : 0;
    const size_t batch = next;  // leading output dims are the broadcast batch
    for (int d = 0; d < a_rank - 2; ++d) {
      const size_t from_end = static_cast<size_t>(a_rank - 2 - d);
      const int64_t index = c[batch - from_end];
      a_at[static_cast<size_t>(d)] = a.shape()[static_cast<size_t>(d)] == 1 ? 0 : index;
    }
    for (int d = 0; d < b_rank - 2; ++d) {
      const size_t from_end = static_cast<size_t>(b_rank - 2 - d);
      const int64_t index = c[batch - from_end];
      b_at[static_cast<size_t>(d)] = b.shape()[static_cast<size_t>(d)] == 1 ? 0 : index;
    }
    int64_t a_base = 0;
    for (int d = 0; d < a_rank - 1; ++d) {
      a_base += a.index_offset(d, d == a_rank - 2 ? m : a_at[static_cast<size_t>(d)]);
    }
    int64_t b_base = 0;
    for (int d = 0; d < b_rank - 2; ++d) b_base += b.index_offset(d, b_at[static_cast<size_t>(d)]);
    if (b_rank > 1) b_base += b.index_offset(b_rank - 1, n);
    float sum = 0.0f;
    for (int64_t k = 0; k < depth; ++k) {
      const float x = a.data()[a_base + a.index_offset(a_rank - 1, k)];
      const float y = b.data()[b_base + b.index_offset(b_rank > 1 ? b_rank - 2 : 0, k)];
      sum += x * y;
    }
    return sum;
  });
}

std::optional<std::string> check_matmul(const graph::OperatorNode& node, const graph::ModelProgram& program) {
  const auto a = tensor_shape(program, input_name(node, 0));
  const auto b = tensor_shape(program, input_name(node, 1));
  if ((a && a->empty()) || (b && b->empty())) return "MatMul of a scalar";
  return std::nullopt;
}

}  // namespace bufopt::execute
