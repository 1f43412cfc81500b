#pragma once
/// `bufopt batch`: the rows it writes, how it finds and shards its inputs, and which
/// --input-shape applies to which model.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bufopt::cli {

/// One model analysed at one --max-slowdown (one CSV row, one JSON line).
struct BatchRow {
  std::string model;  ///< path as found (a DIR argument's files are DIR/...)
  std::string name;   ///< the graph's name; the file stem when the import failed
  double max_slowdown = 1.2;
  bool ok = false;
  int exit_code = 0;        ///< what `bufopt MODEL` would have exited with (0, 1 or 3)
  std::string error;        ///< one line; empty when ok
  int64_t warnings = 0;     ///< import warnings (newer opset, checker findings, ...)
  // The figures below are meaningful only when ok.
  int64_t actors = 0;
  int64_t buffers = 0;
  int64_t macs = 0;
  int64_t parameter_bytes = 0;
  int64_t baseline_bytes = 0;
  int64_t baseline_shared_bytes = 0;
  int64_t live_peak_bytes = 0;
  int64_t fifo_bytes = 0;
  int64_t shared_bytes = 0;
  int64_t lower_bound_bytes = 0;
  double slowdown = 1;
  double time_s = 0;
  double baseline_time_s = 0;
  int64_t firings = 0;
  double import_s = 0;    ///< wall time of the import (the same on every row of the model)
  double analysis_s = 0;  ///< wall time of this row's analysis, verification included
};

/// The CSV header line (with newline); the columns are BatchRow's fields in order, with
/// `status` ("ok" / "failed") in place of `ok`.
std::string batch_csv_header();
/// One CSV line (with newline); the figures are empty on a failed row.
std::string batch_csv_row(const BatchRow& row);
/// One JSON object on one line (with newline), same fields; the figures are null on a failed row.
std::string batch_json_line(const BatchRow& row);

/// The given files and every *.onnx file under the given directories (recursively), each path
/// once, sorted. A path that does not exist is kept: its row will say why it failed.
std::vector<std::string> collect_models(const std::vector<std::string>& arguments);

/// `--shard I/N`: the I-th of N parts (1-based).
struct Shard {
  int64_t index = 1;
  int64_t count = 1;
};

/// Parses "I/N" with 1 <= I <= N. Throws CliError (usage) when malformed.
Shard parse_shard(const std::string& text);

/// The shard's part of the sorted `models`: the contiguous block [(I-1)*n/N, I*n/N). The N
/// blocks are disjoint, cover every model, and concatenated in shard order give the whole list,
/// so the shards' outputs concatenate into the whole run's.
std::vector<std::string> shard_models(const std::vector<std::string>& models, const Shard& shard);

/// `--input-shape [PATTERN.onnx:]NAME=DIMS`: a shape for the models whose path or file name
/// matches the glob PATTERN (every model without one).
struct ShapeSpec {
  std::string pattern;  ///< empty: every model
  std::string shape;    ///< NAME=DIMS, as `bufopt MODEL --input-shape` takes it
};

/// Splits and checks every spec. Throws CliError (usage) when one is malformed.
std::vector<ShapeSpec> parse_shape_specs(const std::vector<std::string>& texts);

/// The NAME=DIMS shapes that apply to `model_path`, parsed.
std::map<std::string, std::vector<int64_t>> shapes_for(const std::vector<ShapeSpec>& specs,
                                                       const std::string& model_path);

}  // namespace bufopt::cli
