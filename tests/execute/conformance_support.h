#pragma once
/// What the two conformance tests over ONNX's own test data (Debian's libonnx-testdata) share:
/// finding the cases and their data sets, reading their .pb tensors as the graph declares them,
/// the tolerance an output is compared at, and the per-operator tally with its pinned minimums.
/// conformance_test.cpp runs each single node whole through the kernels;
/// pipeline_conformance_test.cpp imports, plans and executes each model by parts.
///
/// Tolerance (tolerance_for): the backend tests' rtol 1e-3, atol 1e-7 for float32 (and float64,
/// integers). The kernels compute in float32 and round once to the output's dtype, as the
/// reference did from its own result, so two roundings of nearly equal values may land on
/// adjacent values of the output dtype:
///  - float16: adjacent values are at most 2^-10 = 9.77e-4 apart relative (11 significant bits),
///    inside 1e-3, so float16 keeps the float32 tolerance (every case passes at it);
///  - bfloat16: adjacent values are up to 2^-7 = 7.8e-3 apart relative (8 significant bits),
///    eight times 1e-3, and ONNX's FLOAT -> BFLOAT16 data truncates where the kernels round to
///    nearest (at most one ulp apart too). So bfloat16 allows one ulp on top of the float32
///    tolerance: rtol 1e-3 + 2^-7, atol 1e-7. An error of two ulps or more still fails.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "bufopt/graph/float16.h"
#include "bufopt/graph/operator_program.h"
#include "bufopt/onnx/program_nodes.h"

namespace bufopt::execute::conformance {

namespace fs = std::filesystem;

/// Where Debian's libonnx-testdata puts its folders (node, pytorch-converted, ...).
inline const fs::path kTestData = "/usr/share/libonnx-testdata/data";

/// Every case folder under `folder` (those with a model.onnx), sorted.
inline std::vector<fs::path> case_dirs(const fs::path& folder) {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (fs::exists(entry.path() / "model.onnx")) cases.push_back(entry.path());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

/// The test_data_set_* folders of a case, sorted.
inline std::vector<fs::path> data_sets(const fs::path& case_dir) {
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(case_dir)) {
    if (entry.is_directory() && entry.path().filename().string().starts_with("test_data_set_")) {
      sets.push_back(entry.path());
    }
  }
  std::sort(sets.begin(), sets.end());
  return sets;
}

/// The element type a graph input or output declares, or -1 for a sequence, map or optional.
inline int declared_type(const ::onnx::ValueInfoProto& value) {
  return value.type().has_tensor_type() ? value.type().tensor_type().elem_type() : -1;
}

/// The tensor in `file`, read as the graph declares it (`declared`, a TensorProto element type):
/// ONNX stores bfloat16 test values as their uint16 bit patterns.
inline graph::ConstantTensor read_declared(const fs::path& file, int declared) {
  graph::ConstantTensor tensor = onnx::read_tensor_file(file).tensor;
  if (declared == ::onnx::TensorProto::BFLOAT16 && tensor.dtype == graph::DataType::kUint16) {
    for (int64_t bits : tensor.integers) tensor.reals.push_back(graph::bfloat16_to_float(static_cast<uint16_t>(bits)));
    tensor.integers.clear();
    tensor.dtype = graph::DataType::kBfloat16;
  }
  return tensor;
}

/// The elements of a tensor as floats (integers converted).
inline std::vector<float> as_floats(const graph::ConstantTensor& tensor) {
  if (!tensor.reals.empty() || tensor.integers.empty()) return tensor.reals;
  std::vector<float> values;
  for (int64_t value : tensor.integers) values.push_back(static_cast<float>(value));
  return values;
}

/// |got - want| <= atol + rtol * |want| for every element.
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

/// The tolerance of an output of `dtype` (the argument is at the top of this file).
inline Tolerance tolerance_for(graph::DataType dtype) {
  if (dtype == graph::DataType::kBfloat16) return {1e-3 + std::ldexp(1.0, -7), 1e-7};
  return {};
}

/// The first element of `got` outside the tolerance of `want`'s dtype, or an empty string.
/// NaN matches NaN; infinities must be equal.
inline std::string tolerance_failure(const std::vector<float>& got, const graph::ConstantTensor& want) {
  const std::vector<float> expected = as_floats(want);
  if (got.size() != expected.size()) return fmt::format("{} values, expected {}", got.size(), expected.size());
  const Tolerance tolerance = tolerance_for(want.dtype);
  for (size_t k = 0; k < expected.size(); ++k) {
    if (std::isnan(expected[k]) && std::isnan(got[k])) continue;
    if (expected[k] == got[k]) continue;  // infinities
    const double diff = std::fabs(static_cast<double>(got[k]) - expected[k]);
    if (!(diff <= tolerance.atol + tolerance.rtol * std::fabs(static_cast<double>(expected[k])))) {
      return fmt::format("element {} is {}, expected {}", k, got[k], expected[k]);
    }
  }
  return {};
}

/// Passed / run / refused of one operator (or folder), with the refusal reasons and counts.
struct Tally {
  int passed = 0;
  int run = 0;
  int refused = 0;
  std::map<std::string, int> reasons;
};

/// Fails the test for every group of `minimums` that passes fewer cases than pinned there.
inline void expect_minimum_passes(const std::map<std::string, Tally>& tally, const std::map<std::string, int>& minimums) {
  for (const auto& [group, minimum] : minimums) {
    const auto found = tally.find(group);
    const int got = found == tally.end() ? 0 : found->second.passed;
    EXPECT_GE(got, minimum) << group << " passes fewer cases than pinned";
  }
}

/// The Markdown table BENCHMARKS.md shows: one row per group, then the totals; with
/// `reasons_column` the refusal reasons of each row in a last column.
inline std::string tally_table(const std::map<std::string, Tally>& tally, const std::string& group_heading,
                               bool reasons_column) {
  std::string table = fmt::format("| {} | passed | run | refused |{}\n|---|---:|---:|---:|{}\n", group_heading,
                                  reasons_column ? " refusal reasons |" : "", reasons_column ? "---|" : "");
  Tally total;
  for (const auto& [group, row] : tally) {
    if (row.run == 0 && row.refused == 0) continue;
    std::string reasons;
    for (const auto& [reason, count] : row.reasons) reasons += (reasons.empty() ? "" : "; ") + reason;
    table += fmt::format("| {} | {} | {} | {} |{}\n", group, row.passed, row.run, row.refused,
                         reasons_column ? " " + reasons + " |" : "");
    total.passed += row.passed;
    total.run += row.run;
    total.refused += row.refused;
  }
  table += fmt::format("| **all** | {} | {} | {} |{}\n", total.passed, total.run, total.refused,
                       reasons_column ? " |" : "");
  return table;
}

}  // namespace bufopt::execute::conformance
