// bufopt_candidates: the structured candidates' arenas beside the optimizer's answer, one
// markdown row per model, preset and slowdown bound (BENCHMARKS.md, "Structured candidates").
//
//   bufopt_candidates [--activation-bytes N] [--stream-io] [--platforms mcu,cpu,gpu]
//                     [--slowdowns 1.05,1.2,2 | --loss-ms L] [--input-shape NAME=1x3x640x640] MODEL.onnx...
//
// A platform is a preset name or a JSON file (bench/platforms/mms_ga.json); --loss-ms sets
// R = 1 + L / baseline time of each model (the mms_ga line-up: at most L / overhead extra
// firings).
// Every answer is verified; a row whose answer is above a candidate is marked "ABOVE" and the
// program exits 1.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/structured_candidates.h"
#include "bufopt/analysis/time_model.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

std::string bytes(int64_t value) {
  const std::string digits = std::to_string(value);
  std::string grouped;
  for (size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) grouped += ',';
    grouped += digits[k];
  }
  return grouped;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t activation_bytes = 0;
  bool stream_io = false;
  std::vector<std::string> platforms = {"mcu", "cpu", "gpu"};
  std::vector<double> slowdowns = {1.05, 1.2, 2};
  double loss_ms = 0;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::vector<std::string> models;
  bool timing = false;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= argc) {
        std::fprintf(stderr, "bufopt_candidates: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++k];
    };
    if (arg == "--activation-bytes") {
      activation_bytes = std::stoll(value());
    } else if (arg == "--timing") {
      timing = true;
    } else if (arg == "--stream-io") {
      stream_io = true;
    } else if (arg == "--platforms") {
      platforms = split(value(), ',');
    } else if (arg == "--slowdowns") {
      slowdowns.clear();
      for (const std::string& r : split(value(), ',')) slowdowns.push_back(std::stod(r));
    } else if (arg == "--loss-ms") {
      loss_ms = std::stod(value());
      slowdowns = {0};
    } else if (arg == "--input-shape") {
      const std::string spec = value();
      const size_t equals = spec.find('=');
      std::vector<int64_t> dims;
      for (const std::string& dim : split(spec.substr(equals + 1), 'x')) dims.push_back(std::stoll(dim));
      shapes[spec.substr(0, equals)] = dims;
    } else {
      models.push_back(arg);
    }
  }
  std::printf("| model | preset | R | layer by layer | one row per firing (or even split) | segment cuts | **answer** | slowdown |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  bool above = false;
  for (const std::string& path : models) {
    bufopt::onnx::ImportOptions import_options;
    for (const auto& [name, dims] : shapes) import_options.input_shapes[name] = dims;
    bufopt::graph::Graph graph = bufopt::onnx::import_model(path, import_options);
    if (activation_bytes > 0) bufopt::graph::set_activation_bytes(graph, activation_bytes);
    std::string stem = path.substr(path.find_last_of('/') + 1);
    stem = stem.substr(0, stem.rfind(".onnx"));
    if (timing) {
      // CPU time of the parts of one analysis, then the next model.
      bufopt::analysis::AnalysisOptions options;
      options.platform = *bufopt::analysis::platform_preset(platforms.front());
      options.max_slowdown = slowdowns.front();
      options.stream_io = stream_io;
      auto seconds = [](auto&& work) {
        const std::clock_t start = std::clock();
        work();
        return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
      };
      int64_t measured = 0;
      const double dp = seconds([&] { measured = bufopt::analysis::SegmentCuts(graph, stream_io).segments_measured(); });
      const double candidates = seconds([&] { bufopt::analysis::structured_candidates(graph, options); });
      bufopt::analysis::OptimizerStats stats;
      const double optimizer = seconds([&] { bufopt::analysis::optimize(graph, options, {}, &stats); });
      std::printf("%s: DP %.3f s (%lld segments), candidates %.3f s, optimize %.3f s (%d threshold, %d candidate, %d local)\n",
                  stem.c_str(), dp, static_cast<long long>(measured), candidates, optimizer, stats.threshold_evaluations,
                  stats.candidate_evaluations, stats.local_evaluations);
      continue;
    }
    for (const std::string& preset : platforms) {
      for (double r : slowdowns) {
        bufopt::analysis::AnalysisOptions options;
        if (const auto known = bufopt::analysis::platform_preset(preset)) {
          options.platform = *known;
        } else {
          std::ifstream file(preset);
          options.platform = bufopt::analysis::parse_platform_json(
              std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()));
        }
        options.max_slowdown =
            loss_ms > 0 ? 1 + loss_ms * 1e-3 / bufopt::analysis::baseline_time_seconds(graph, options.platform) : r;
        options.stream_io = stream_io;
        const auto candidates = bufopt::analysis::structured_candidates(graph, options);
        const bufopt::analysis::Evaluation answer = bufopt::analysis::optimize(graph, options);
        const bool verified = bufopt::analysis::verify(graph, answer, options).ok;
        std::map<std::string, int64_t> arena;
        bool row_above = false;
        for (const auto& candidate : candidates) {
          arena[candidate.name] = candidate.evaluation.shared_bytes();
          row_above = row_above || answer.shared_bytes() > candidate.evaluation.shared_bytes();
        }
        auto cell = [&](const std::string& name) { return arena.count(name) ? bytes(arena[name]) : std::string("-"); };
        std::string streaming = arena.count("one row per firing") ? cell("one row per firing")
                                : arena.count("even budget split") ? cell("even budget split") + " (even)"
                                                                    : "-";
        std::printf("| %s | %s | %.6g | %s | %s | %s | **%s**%s%s | %.3f |\n", stem.c_str(),
                    preset.substr(preset.find_last_of('/') + 1).c_str(), options.max_slowdown,
                    cell("layer by layer").c_str(), streaming.c_str(), cell("segment cuts").c_str(),
                    bytes(answer.shared_bytes()).c_str(), verified ? "" : " NOT VERIFIED", row_above ? " ABOVE" : "",
                    answer.slowdown);
        std::fflush(stdout);
        above = above || row_above || !verified;
      }
    }
  }
  return above ? 1 : 0;
}
