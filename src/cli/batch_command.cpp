// `bufopt batch DIR|FILES...`: analyses many models in parallel, one row per (model, R). A model
// that fails gets a row saying why and the batch goes on; the exit code says whether any failed.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include <fmt/format.h>

#include "batch.h"
#include "bufopt/analysis/analyze.h"
#include "bufopt/onnx/import.h"
#include "bufopt/report/units.h"
#include "cli_common.h"

namespace bufopt::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// The command's flags.
struct BatchFlags {
  std::vector<std::string> inputs;
  std::vector<double> max_slowdowns = {1.2};
  std::string platform = "cpu";
  std::vector<std::string> input_shapes;
  bool no_fuse = false;
  bool stream_io = false;
  bool no_inplace = false;
  int64_t activation_bytes = 0;
  int jobs = 0;
  std::string shard;
  std::string csv_path;
  std::string jsonl_path;
  bool quiet = false;
};

/// Everything a worker needs to analyse one model (read-only, shared by the workers).
struct BatchSettings {
  std::vector<double> max_slowdowns;  ///< ascending, distinct
  std::vector<ShapeSpec> shapes;
  bool fuse = true;
  int64_t activation_bytes = 0;
  analysis::AnalysisOptions options;
};

void add_batch_flags(CLI::App& app, BatchFlags& flags) {
  app.add_option("inputs", flags.inputs, "ONNX files, and directories searched recursively for *.onnx")->required();
  app.add_option("--max-slowdown,-R", flags.max_slowdowns,
                 "Slowdown bounds (>= 1), comma-separated or repeated; one row per model and value")
      ->delimiter(',')
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--platform", flags.platform, "Preset (mcu, cpu, gpu) or a platform JSON file");
  app.add_option("--input-shape", flags.input_shapes,
                 "[PATTERN.onnx:]NAME=1x3x224x224: an input's shape, for the models whose path or file name "
                 "matches the glob PATTERN (every model without one); repeatable");
  app.add_flag("--no-fuse", flags.no_fuse, "Keep element-wise operators as separate actors");
  app.add_flag("--stream-io", flags.stream_io, "Count graph inputs/outputs as streamed FIFOs");
  app.add_flag("--no-inplace", flags.no_inplace,
               "Plain FIFO model: no view, in-place write or zero-copy Concat shares a storage (MODEL 4.1)");
  app.add_option("--activation-bytes", flags.activation_bytes, "Bytes per activation element (e.g. 1 for int8)")
      ->check(CLI::Range(int64_t{1}, int64_t{16}));
  app.add_option("--jobs,-j", flags.jobs, "Models analysed at once (default: hardware threads)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--shard", flags.shard,
                 "I/N: analyse only the I-th of N deterministic parts of the sorted inputs; the N outputs "
                 "concatenate into the whole run's (shard 1 alone writes the CSV header)");
  app.add_option("--csv", flags.csv_path, "Write one CSV row per (model, R) to PATH ('-' for stdout)");
  app.add_option("--jsonl", flags.jsonl_path, "Write one JSON line per (model, R) to PATH ('-' for stdout)");
  app.add_flag("-q,--quiet", flags.quiet, "No progress and no table: only the final line");
}

double seconds_since(Clock::time_point start) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return std::round(seconds * 1000) / 1000;  // ms resolution is all a row needs
}

/// The row of a model that could not be analysed at `max_slowdown`.
BatchRow failed_row(const std::string& path, const std::string& name, double max_slowdown, int exit_code,
                    const std::string& error) {
  BatchRow row;
  row.model = path;
  row.name = name;
  row.max_slowdown = max_slowdown;
  row.exit_code = exit_code;
  row.error = error;
  return row;
}

BatchRow analysed_row(const std::string& path, const graph::Graph& graph, const analysis::AnalysisResult& result) {
  BatchRow row;
  row.model = path;
  row.name = graph.name;
  row.max_slowdown = result.options.max_slowdown;
  row.warnings = static_cast<int64_t>(graph.warnings.size());
  if (!result.verification.ok) {
    row.exit_code = kExitInternal;
    row.error = "the answer failed independent verification (a bufopt bug): " +
                (result.verification.errors.empty() ? std::string() : result.verification.errors.front());
    return row;
  }
  row.ok = true;
  row.actors = static_cast<int64_t>(graph.actors.size());
  row.buffers = static_cast<int64_t>(graph.buffers.size());
  for (const graph::Actor& actor : graph.actors) row.macs += actor.macs;
  row.parameter_bytes = graph.parameter_bytes;
  row.baseline_bytes = result.baselines.baseline_bytes;
  row.baseline_shared_bytes = result.baselines.baseline_shared_bytes;
  row.live_peak_bytes = result.baselines.live_peak_bytes;
  row.fifo_bytes = result.evaluation.fifo_bytes;
  row.shared_bytes = result.evaluation.shared_bytes();
  row.lower_bound_bytes = result.lower_bound_bytes;
  row.slowdown = result.evaluation.slowdown;
  row.time_s = result.time_s();
  row.baseline_time_s = result.baseline_time_s();
  row.firings = static_cast<int64_t>(result.evaluation.schedule.firings.size());
  return row;
}

/// Keeps the importer's fork() (libonnx_checks.h) away from the other workers: a child forked
/// while another thread holds a lock (the allocator's, stderr's, protobuf's) would wait for it
/// forever. Imports hold the gate exclusively; analyses and progress output hold it shared.
using ForkGate = std::shared_mutex;

/// Imports one model and analyses it at every R. Never throws: a failure becomes rows.
std::vector<BatchRow> analyse_model(const std::string& path, const BatchSettings& settings, ForkGate& gate) {
  const std::string stem = fs::path(path).stem().string();
  std::vector<BatchRow> rows;
  auto fail_all = [&](int exit_code, const std::string& error) {
    rows.clear();
    for (double r : settings.max_slowdowns) rows.push_back(failed_row(path, stem, r, exit_code, error));
    return rows;
  };
  const Clock::time_point import_start = Clock::now();
  graph::Graph graph;
  try {
    onnx::ImportOptions import_options;
    import_options.input_shapes = shapes_for(settings.shapes, path);
    import_options.fuse = settings.fuse;
    const std::unique_lock<ForkGate> alone(gate);
    graph = onnx::import_model(path, import_options);
    if (settings.activation_bytes > 0) graph::set_activation_bytes(graph, settings.activation_bytes);
  } catch (const onnx::ImportError& error) {
    return fail_all(kExitBadModel, error.what());
  } catch (const CliError& error) {
    return fail_all(error.code, error.message);
  } catch (const std::exception& error) {
    return fail_all(kExitInternal, std::string("internal error: ") + error.what());
  }
  const double import_s = seconds_since(import_start);
  for (double r : settings.max_slowdowns) {
    const Clock::time_point start = Clock::now();
    analysis::AnalysisOptions options = settings.options;
    options.max_slowdown = r;
    const std::shared_lock<ForkGate> shared(gate);
    try {
      rows.push_back(analysed_row(path, graph, analysis::analyze(graph, options)));
    } catch (const std::exception& error) {
      rows.push_back(failed_row(path, graph.name, r, kExitInternal, std::string("internal error: ") + error.what()));
    }
    rows.back().import_s = import_s;
    rows.back().analysis_s = seconds_since(start);
  }
  return rows;
}

/// Progress on stderr: a bar redrawn in place on a terminal, one plain line per model otherwise.
class Progress {
 public:
  Progress(size_t total, bool quiet)
      : total_(total), quiet_(quiet), terminal_(::isatty(STDERR_FILENO) != 0 && !dumb_terminal()) {
    if (!quiet_ && terminal_) draw_bar("");
  }

  /// Called by a worker when a model's rows are complete.
  void finished(const std::vector<BatchRow>& rows) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    const bool ok = std::all_of(rows.begin(), rows.end(), [](const BatchRow& row) { return row.ok; });
    failed_ += ok ? 0 : 1;
    if (quiet_ || rows.empty()) return;
    const BatchRow& first = rows.front();
    if (terminal_) {
      draw_bar(first.model);
    } else {
      std::cerr << fmt::format("bufopt: batch: [{}/{}] {} {}{}\n", done_, total_, ok ? "ok" : "FAILED", first.model,
                               ok ? std::string() : ": " + first_error(rows));
    }
  }

  /// Ends the bar's line.
  void close() {
    if (!quiet_ && terminal_ && total_ > 0) std::cerr << "\n";
  }

 private:
  static bool dumb_terminal() {
    const char* term = std::getenv("TERM");
    return term == nullptr || std::string(term) == "dumb";
  }

  static std::string first_error(const std::vector<BatchRow>& rows) {
    for (const BatchRow& row : rows) {
      if (!row.ok) return row.error;
    }
    return {};
  }

  void draw_bar(const std::string& last_model) {
    constexpr size_t kWidth = 30;
    const size_t filled = total_ == 0 ? kWidth : done_ * kWidth / total_;
    std::cerr << fmt::format("\r\x1b[K[{}{}] {}/{} models, {} failed, {:.1f} s  {}", std::string(filled, '#'),
                             std::string(kWidth - filled, '.'), done_, total_, failed_,
                             std::chrono::duration<double>(Clock::now() - start_).count(),
                             fs::path(last_model).filename().string())
              << std::flush;
  }

  std::mutex mutex_;
  size_t total_;
  size_t done_ = 0;
  size_t failed_ = 0;
  bool quiet_;
  bool terminal_;
  Clock::time_point start_ = Clock::now();
};

/// Analyses `models` with `jobs` worker threads; rows come back in the order of `models`, each
/// model's rows in ascending R, whatever the number of jobs.
std::vector<BatchRow> run_batch(const std::vector<std::string>& models, const BatchSettings& settings, int jobs,
                                Progress& progress) {
  // Largest files first, so a big model does not start last and leave the other workers idle.
  std::vector<size_t> order(models.size());
  std::vector<uintmax_t> sizes(models.size(), 0);
  for (size_t i = 0; i < models.size(); ++i) {
    order[i] = i;
    std::error_code error;
    const uintmax_t size = fs::file_size(models[i], error);
    sizes[i] = error ? 0 : size;
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return sizes[a] > sizes[b]; });

  std::vector<std::vector<BatchRow>> results(models.size());
  std::atomic<size_t> next{0};
  ForkGate gate;
  auto worker = [&] {
    for (size_t k = next++; k < order.size(); k = next++) {
      results[order[k]] = analyse_model(models[order[k]], settings, gate);
      const std::shared_lock<ForkGate> shared(gate);
      progress.finished(results[order[k]]);
    }
  };
  std::vector<std::thread> threads;
  const size_t workers = std::min(models.size(), static_cast<size_t>(jobs));
  for (size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();  // the main thread works too
  for (std::thread& thread : threads) thread.join();

  std::vector<BatchRow> rows;
  for (auto& model_rows : results) rows.insert(rows.end(), model_rows.begin(), model_rows.end());
  return rows;
}

/// The human-readable table printed when no output goes to stdout.
std::string batch_table(const std::vector<BatchRow>& rows) {
  size_t width = 5;
  for (const BatchRow& row : rows) width = std::max(width, row.model.size());
  std::string text = fmt::format("{:<{}} {:>7} {:>11} {:>12} {:>9} {:>9}\n", "model", width, "R", "arena",
                                 "whole shared", "reduction", "slowdown");
  for (const BatchRow& row : rows) {
    if (!row.ok) {
      text += fmt::format("{:<{}} {:>7} FAILED: {}\n", row.model, width, row.max_slowdown, row.error);
      continue;
    }
    const double reduction =
        row.shared_bytes > 0 ? static_cast<double>(row.baseline_shared_bytes) / static_cast<double>(row.shared_bytes) : 0;
    text += fmt::format("{:<{}} {:>7} {:>11} {:>12} {:>8.1f}x {:>9.3f}\n", row.model, width, row.max_slowdown,
                        report::format_bytes(row.shared_bytes), report::format_bytes(row.baseline_shared_bytes),
                        reduction, row.slowdown);
  }
  return text;
}

BatchSettings make_settings(const BatchFlags& flags) {
  BatchSettings settings;
  settings.max_slowdowns = flags.max_slowdowns;
  std::sort(settings.max_slowdowns.begin(), settings.max_slowdowns.end());
  settings.max_slowdowns.erase(std::unique(settings.max_slowdowns.begin(), settings.max_slowdowns.end()),
                               settings.max_slowdowns.end());
  settings.shapes = parse_shape_specs(flags.input_shapes);
  settings.fuse = !flags.no_fuse;
  settings.activation_bytes = flags.activation_bytes;
  settings.options.platform = resolve_platform(flags.platform);
  settings.options.stream_io = flags.stream_io;
  settings.options.inplace = !flags.no_inplace;
  return settings;
}

}  // namespace

int batch_main(int argc, char** argv) {
  CLI::App app{"bufopt batch: analyse many models in parallel, one CSV row / JSON line per model and --max-slowdown",
               "bufopt batch"};
  app.footer(kExitCodesHelp);
  BatchFlags flags;
  add_batch_flags(app, flags);
  if (const int code = parse_or_exit(app, argc, argv); code >= 0) return code;
  if (flags.max_slowdowns.empty()) throw CliError{kExitUsage, "--max-slowdown: expected at least one value"};
  if (flags.csv_path == "-" && flags.jsonl_path == "-") throw CliError{kExitUsage, "--csv and --jsonl cannot both be '-'"};

  const BatchSettings settings = make_settings(flags);
  const Shard shard = flags.shard.empty() ? Shard{} : parse_shard(flags.shard);
  const std::vector<std::string> all_models = collect_models(flags.inputs);
  if (all_models.empty()) throw CliError{kExitUsage, "no .onnx files found in the given directories"};
  const std::vector<std::string> models = shard_models(all_models, shard);
  const int jobs = flags.jobs > 0 ? flags.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  const Clock::time_point start = Clock::now();
  Progress progress(models.size(), flags.quiet);
  const std::vector<BatchRow> rows = run_batch(models, settings, jobs, progress);
  progress.close();

  if (!flags.csv_path.empty()) {
    std::string csv = shard.index == 1 ? batch_csv_header() : "";
    for (const BatchRow& row : rows) csv += batch_csv_row(row);
    write_file(flags.csv_path, csv);
  }
  if (!flags.jsonl_path.empty()) {
    std::string jsonl;
    for (const BatchRow& row : rows) jsonl += batch_json_line(row);
    write_file(flags.jsonl_path, jsonl);
  }
  const bool stdout_taken = flags.csv_path == "-" || flags.jsonl_path == "-";
  if (!flags.quiet && !stdout_taken) std::cout << batch_table(rows);
  const auto failed = std::count_if(rows.begin(), rows.end(), [](const BatchRow& row) { return !row.ok; });
  std::cerr << fmt::format("bufopt: batch: {} models{}, {} rows, {} failed, {:.1f} s with {} jobs\n", models.size(),
                           flags.shard.empty() ? "" : fmt::format(" (shard {}/{} of {})", shard.index, shard.count,
                                                                 all_models.size()),
                           rows.size(), failed, seconds_since(start), jobs);
  return failed > 0 ? kExitBatchPartial : kExitOk;
}

}  // namespace bufopt::cli
