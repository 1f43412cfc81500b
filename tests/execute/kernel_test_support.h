#pragma once
/// Helpers for the kernel tests: nodes and windows by hand, seeded values, running a node
/// whole, and the property "rows computed in pieces == rows computed whole", bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/execute/kernels.h"

namespace bufopt::execute::testing {

using graph::AttributeValue;
using graph::ConstantTensor;
using graph::DataType;
using graph::ModelProgram;
using graph::OperatorNode;

inline AttributeValue int_attr(int64_t value) {
  AttributeValue a;
  a.kind = AttributeValue::Kind::kInt;
  a.i = value;
  return a;
}
inline AttributeValue float_attr(double value) {
  AttributeValue a;
  a.kind = AttributeValue::Kind::kFloat;
  a.f = value;
  return a;
}
inline AttributeValue string_attr(std::string value) {
  AttributeValue a;
  a.kind = AttributeValue::Kind::kString;
  a.s = std::move(value);
  return a;
}
inline AttributeValue ints_attr(std::vector<int64_t> values) {
  AttributeValue a;
  a.kind = AttributeValue::Kind::kInts;
  a.ints = std::move(values);
  return a;
}

/// A node of the default domain at `opset` reading `inputs`, writing "y" (or `outputs`).
inline OperatorNode make_node(std::string op, std::vector<std::string> inputs,
                              std::map<std::string, AttributeValue> attributes = {}, int64_t opset = 17,
                              std::vector<std::string> outputs = {"y"}) {
  OperatorNode node;
  node.name = op + "_node";
  node.op_type = std::move(op);
  node.opset = opset;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attributes = std::move(attributes);
  return node;
}

inline ConstantTensor floats(std::vector<int64_t> shape, std::vector<float> values) {
  return ConstantTensor{DataType::kFloat32, std::move(shape), std::move(values), {}};
}
inline ConstantTensor int64s(std::vector<int64_t> shape, std::vector<int64_t> values) {
  return ConstantTensor{DataType::kInt64, std::move(shape), {}, std::move(values)};
}

inline int64_t count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

/// A whole window of `shape` holding `values`, streamed along `axis` (-1: none).
inline TensorWindow window(std::vector<int64_t> shape, std::vector<float> values, int axis = -1) {
  TensorWindow w;
  w.shape = std::move(shape);
  if (axis >= 0) {
    w.axis = axis;
    w.row_end = w.shape[static_cast<size_t>(axis)];
  } else {
    w.row_end = 1;
  }
  w.data = std::move(values);
  return w;
}

/// Seeded values in [-2, 2] in steps of 1/5000 (mt19937's output is the same everywhere).
inline std::vector<float> seeded(int64_t n, uint32_t seed) {
  std::mt19937 generator(seed);
  std::vector<float> values(static_cast<size_t>(n));
  for (float& v : values) v = static_cast<float>(static_cast<int64_t>(generator() % 20001) - 10000) / 5000.0f;
  return values;
}

/// An empty output window of `shape` for rows [begin, end) along `axis` (-1: whole).
inline TensorWindow output(std::vector<int64_t> shape, int axis = -1, int64_t begin = 0, int64_t end = -1) {
  TensorWindow w;
  w.shape = std::move(shape);
  if (axis >= 0) {
    w.axis = axis;
    w.row_begin = begin;
    w.row_end = end < 0 ? w.shape[static_cast<size_t>(axis)] : end;
  } else {
    w.row_end = 1;
  }
  return w;
}

/// The rows [begin, end) of the whole window `whole` along its axis.
inline TensorWindow rows_of(const TensorWindow& whole, int64_t begin, int64_t end) {
  TensorWindow part = whole;
  if (!whole.axis) return part;
  const auto axis = static_cast<size_t>(*whole.axis);
  int64_t outer = 1;
  int64_t inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= whole.shape[d];
  for (size_t d = axis + 1; d < whole.shape.size(); ++d) inner *= whole.shape[d];
  const int64_t rows = whole.shape[axis];
  part.row_begin = begin;
  part.row_end = end;
  part.data.clear();
  for (int64_t o = 0; o < outer; ++o) {
    const auto from = whole.data.begin() + (o * rows + begin) * inner;
    part.data.insert(part.data.end(), from, from + (end - begin) * inner);
  }
  return part;
}

/// Runs `node` with every input window given (nullptr: a constant) and returns output 0.
inline std::vector<TensorWindow> run(const OperatorNode& node, const ModelProgram& program,
                                     const std::vector<const TensorWindow*>& inputs, std::vector<TensorWindow> outputs) {
  run_node(node, program, inputs, outputs);
  return outputs;
}

inline std::vector<float> run_whole(const OperatorNode& node, const ModelProgram& program,
                                    const std::vector<const TensorWindow*>& inputs, std::vector<int64_t> out_shape) {
  return run(node, program, inputs, {output(std::move(out_shape))})[0].data;
}

/// Which rows of input `input` the output rows [begin, end) read: [first, last).
using RowsNeeded = std::function<std::pair<int64_t, int64_t>(size_t input, int64_t begin, int64_t end)>;

/// Same rows for every input (element-wise).
inline std::pair<int64_t, int64_t> same_rows(size_t, int64_t begin, int64_t end) { return {begin, end}; }

/// Computes output 0 of `node` whole, then in pieces of `piece` rows along `axis` with each
/// input window cut to the rows `needed` says (clamped to the tensor), and expects the same
/// bits. `whole_inputs` are whole windows streamed along their axes (nullptr: a constant).
inline void expect_pieces_match_whole(const OperatorNode& node, const ModelProgram& program,
                                      const std::vector<const TensorWindow*>& whole_inputs,
                                      const std::vector<int64_t>& out_shape, int axis, int64_t piece,
                                      const RowsNeeded& needed) {
  const std::vector<TensorWindow> whole = run(node, program, whole_inputs, {output(out_shape, axis)});
  std::vector<float> assembled;
  const int64_t rows = out_shape[static_cast<size_t>(axis)];
  std::vector<std::vector<float>> pieces;
  for (int64_t begin = 0; begin < rows; begin += piece) {
    const int64_t end = std::min(rows, begin + piece);
    std::vector<TensorWindow> cut(whole_inputs.size());
    std::vector<const TensorWindow*> inputs(whole_inputs.size(), nullptr);
    for (size_t i = 0; i < whole_inputs.size(); ++i) {
      if (!whole_inputs[i]) continue;
      const TensorWindow& in = *whole_inputs[i];
      if (!in.axis) {
        inputs[i] = &in;
        continue;
      }
      auto [first, last] = needed(i, begin, end);
      first = std::max<int64_t>(0, first);
      last = std::min(in.shape[static_cast<size_t>(*in.axis)], last);
      cut[i] = rows_of(in, first, std::max(first, last));
      inputs[i] = &cut[i];
    }
    pieces.push_back(run(node, program, inputs, {output(out_shape, axis, begin, end)})[0].data);
  }
  // Reassemble the pieces in the whole tensor's order and compare bit patterns.
  int64_t outer = 1;
  int64_t inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out_shape[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < out_shape.size(); ++d) inner *= out_shape[d];
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t p = 0; p < pieces.size(); ++p) {
      const int64_t begin = static_cast<int64_t>(p) * piece;
      const int64_t held = std::min(rows, begin + piece) - begin;
      const auto from = pieces[p].begin() + o * held * inner;
      assembled.insert(assembled.end(), from, from + held * inner);
    }
  }
  ASSERT_EQ(assembled.size(), whole[0].data.size());
  EXPECT_EQ(std::memcmp(assembled.data(), whole[0].data.data(), assembled.size() * sizeof(float)), 0)
      << node.op_type << " in pieces of " << piece << " rows differs from the whole";
}

/// Expects every value within 1e-6 (relative) of `expected` (hand-derived values).
inline void expect_near_all(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-6 * std::max(1.0f, std::fabs(expected[i]))) << "element " << i;
  }
}

}  // namespace bufopt::execute::testing
