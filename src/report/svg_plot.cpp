// The analysis figure, written by hand as SVG 1.1 (layout and guarantees in svg_plot.h).
#include "bufopt/report/svg_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/report/units.h"

namespace bufopt::report {

namespace {

// Page layout in SVG user units (pixels).
constexpr double kWidth = 1000;
constexpr double kPlotLeft = 100;
constexpr double kPlotRight = 680;
constexpr double kLegendLeft = 700;
constexpr double kFrontTop = 70;
constexpr double kFrontBottom = 400;
constexpr double kBarsTop = 530;
constexpr double kBarsBottom = 800;
constexpr double kHeightWithBars = 880;
constexpr double kHeightFrontOnly = 480;
/// Width of the R = 1 column left of the axis break.
constexpr double kBreakWidth = 44;

constexpr const char* kArenaColor = "#1f77b4";
constexpr const char* kFifoColor = "#ff7f0e";
constexpr const char* kBoundColor = "#7f7f7f";
constexpr const char* kWholeColor = "#d62728";
constexpr const char* kWholeSharedColor = "#8c1c13";
constexpr const char* kChosenColor = "#2ca02c";
constexpr const char* kGridColor = "#e6e6e6";
constexpr const char* kWholeBarColor = "#d9d9d9";

std::string num(double value) {
  return fmt::format("{:.1f}", value);
}

/// A value mapped onto pixels on a log scale; pixel0 is where `lo` lands (bottom for y axes).
struct LogScale {
  double lo = 1;
  double hi = 10;
  double pixel0 = 0;
  double pixel1 = 1;
  double map(double value) const {
    const double t = (std::log(value) - std::log(lo)) / (std::log(hi) - std::log(lo));
    return pixel0 + t * (pixel1 - pixel0);
  }
};

/// The slowdown axis: R = 1 in its own column left of a break, R > 1 on a log scale of R - 1.
struct SlowdownScale {
  bool has_log = false;
  LogScale excess;  ///< of R - 1
  double one_x = kPlotLeft + kBreakWidth / 2;
  double map(double slowdown) const {
    const double e = slowdown - 1;
    if (!has_log) return slowdown <= 1 ? one_x : kPlotRight;
    if (e < excess.lo * (1 - 1e-9)) return one_x;
    return excess.map(e);
  }
};

/// Accumulates SVG elements.
class Svg {
 public:
  void add(const std::string& element) { body_ += element + "\n"; }
  void line(double x1, double y1, double x2, double y2, const char* color, double width, const char* dash = "") {
    add(fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>)", num(x1), num(y1),
                    num(x2), num(y2), color, num(width), dash_attr(dash)));
  }
  void polyline(const std::vector<std::pair<double, double>>& points, const char* color, double width,
                const char* dash = "") {
    std::string coordinates;
    for (const auto& [x, y] : points) coordinates += fmt::format("{},{} ", num(x), num(y));
    if (!coordinates.empty()) coordinates.pop_back();
    add(fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round"{}/>)",
                    coordinates, color, num(width), dash_attr(dash)));
  }
  void text(double x, double y, const std::string& content, const char* anchor = "start", const char* extra = "") {
    add(fmt::format(R"(<text x="{}" y="{}" text-anchor="{}"{}>{}</text>)", num(x), num(y), anchor, extra,
                    xml_escape(content)));
  }
  void rect(double x, double y, double w, double h, const char* fill, const char* extra = "") {
    add(fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>)", num(x), num(y), num(w), num(h), fill,
                    extra));
  }
  std::string document(double height) const {
    return fmt::format(
               "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" "
               "viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
               num(kWidth), num(height)) +
           fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"white\"/>\n", num(kWidth), num(height)) + body_ +
           "</svg>\n";
  }

 private:
  static std::string dash_attr(const char* dash) {
    return *dash ? fmt::format(R"( stroke-dasharray="{}")", dash) : std::string();
  }
  std::string body_;
};

/// "64 KiB" for 2^16: power-of-two tick labels without decimals.
std::string power_of_two_label(int exponent) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  const int unit = std::min(exponent / 10, 4);
  return fmt::format("{} {}", int64_t{1} << (exponent - unit * 10), kUnits[unit]);
}

/// A log byte scale covering [smallest, largest] snapped to powers of two.
LogScale byte_scale(int64_t smallest, int64_t largest, double bottom, double top) {
  const double lo = std::exp2(std::floor(std::log2(static_cast<double>(std::max<int64_t>(1, smallest)))));
  double hi = std::exp2(std::ceil(std::log2(static_cast<double>(std::max<int64_t>(1, largest)))));
  if (hi <= lo) hi = lo * 2;
  return {lo, hi, bottom, top};
}

void draw_byte_axis(Svg& svg, const LogScale& scale, double left, double right, const std::string& title) {
  const int first = static_cast<int>(std::lround(std::log2(scale.lo)));
  const int last = static_cast<int>(std::lround(std::log2(scale.hi)));
  const int step = std::max(1, (last - first + 7) / 8);
  for (int exponent = first; exponent <= last; exponent += step) {
    const double y = scale.map(std::exp2(exponent));
    svg.line(left, y, right, y, kGridColor, 1);
    svg.text(left - 6, y + 4, power_of_two_label(exponent), "end");
  }
  const double middle = (scale.pixel0 + scale.pixel1) / 2;
  svg.text(24, middle, title, "middle", fmt::format(R"svg( transform="rotate(-90 24 {})")svg", num(middle)).c_str());
}

/// Ticks at 1, 2, 5 x 10^k of R - 1 within the log part of the axis (only 1 x 10^k when crowded).
std::vector<double> excess_ticks(const LogScale& excess) {
  std::vector<double> all;
  std::vector<double> decades;
  for (int k = static_cast<int>(std::floor(std::log10(excess.lo)));
       k <= static_cast<int>(std::ceil(std::log10(excess.hi))); ++k) {
    for (double mantissa : {1.0, 2.0, 5.0}) {
      const double value = mantissa * std::pow(10.0, k);
      if (value < excess.lo * (1 - 1e-9) || value > excess.hi * (1 + 1e-9)) continue;
      all.push_back(value);
      if (mantissa == 1.0) decades.push_back(value);
    }
  }
  return all.size() <= 9 || decades.size() < 2 ? all : decades;
}

std::string slowdown_label(double slowdown) {
  return fmt::format("{:.6g}", slowdown);
}

SlowdownScale slowdown_scale(const ParetoFront& front, double chosen) {
  std::vector<double> excesses;
  for (const ParetoSample& sample : front.samples) {
    if (sample.point.max_slowdown > 1) excesses.push_back(sample.point.max_slowdown - 1);
  }
  if (chosen > 1) excesses.push_back(chosen - 1);
  SlowdownScale scale;
  if (excesses.empty()) return scale;
  double lo = *std::min_element(excesses.begin(), excesses.end());
  double hi = *std::max_element(excesses.begin(), excesses.end());
  if (hi <= lo * 1.001) {
    lo /= 3;
    hi *= 3;
  }
  scale.has_log = true;
  // A little room on the right so the last step is visible as a step.
  scale.excess = {lo, hi * 1.25, kPlotLeft + kBreakWidth + 8, kPlotRight};
  return scale;
}

void draw_slowdown_axis(Svg& svg, const SlowdownScale& scale, const std::string& mode) {
  svg.text(scale.one_x, kFrontBottom + 18, "1");
  svg.line(scale.one_x, kFrontTop, scale.one_x, kFrontBottom, kGridColor, 1);
  if (scale.has_log) {
    // Axis break: two slanted strokes between the R = 1 column and the log part.
    const double x = kPlotLeft + kBreakWidth;
    svg.line(x - 5, kFrontBottom + 5, x - 1, kFrontBottom - 5, "black", 1);
    svg.line(x + 1, kFrontBottom + 5, x + 5, kFrontBottom - 5, "black", 1);
    for (double e : excess_ticks(scale.excess)) {
      const double tick_x = scale.excess.map(e);
      svg.line(tick_x, kFrontTop, tick_x, kFrontBottom, kGridColor, 1);
      svg.line(tick_x, kFrontBottom, tick_x, kFrontBottom + 4, "black", 1);
      svg.text(tick_x, kFrontBottom + 18, slowdown_label(1 + e), "middle");
    }
  }
  svg.text((kPlotLeft + kPlotRight) / 2, kFrontBottom + 42,
           mode == "pipelined"
               ? "allowed slowdown R = period per image / period unsplit, unbounded (log scale of R − 1)"
               : "allowed slowdown R = time per inference / layer-by-layer time (log scale of R − 1)",
           "middle");
}

/// A step line through (x_i, y_i): flat until the next sample, then a vertical step; the last
/// value holds to the right edge.
std::vector<std::pair<double, double>> steps(const std::vector<std::pair<double, double>>& points) {
  std::vector<std::pair<double, double>> out;
  for (size_t i = 0; i < points.size(); ++i) {
    out.push_back(points[i]);
    const double next_x = i + 1 < points.size() ? points[i + 1].first : kPlotRight;
    out.emplace_back(next_x, points[i].second);
  }
  return out;
}

struct LegendEntry {
  std::string label;
  const char* color;
  const char* dash;
  bool marker;  ///< a diamond instead of a line
};

void draw_legend(Svg& svg, double top, const std::vector<LegendEntry>& entries) {
  double y = top;
  for (const LegendEntry& entry : entries) {
    if (entry.marker) {
      svg.add(fmt::format(R"(<path d="M {} {} l 7 7 l -7 7 l -7 -7 z" fill="{}" stroke="black" stroke-width="0.8"/>)",
                          num(kLegendLeft + 15), num(y - 11), entry.color));
    } else {
      svg.line(kLegendLeft, y - 4, kLegendLeft + 30, y - 4, entry.color, 2.2, entry.dash);
    }
    svg.text(kLegendLeft + 38, y, entry.label);
    y += 22;
  }
}

void draw_diamond(Svg& svg, double x, double y, const char* color, const std::string& tooltip) {
  svg.add(fmt::format(
      R"(<path d="M {} {} l 8 8 l -8 8 l -8 -8 z" fill="{}" stroke="black" stroke-width="1"><title>{}</title></path>)",
      num(x), num(y - 8), color, xml_escape(tooltip)));
}

void draw_front_panel(Svg& svg, const ModelReport& report, const ParetoFront& front) {
  const analysis::AnalysisResult* chosen = report.analysis;
  const double chosen_r = chosen ? chosen->options.max_slowdown : 1;
  int64_t smallest = std::max<int64_t>(1, report.baselines().baseline_bytes);
  int64_t largest = std::max(report.baselines().baseline_bytes, report.baselines().baseline_shared_bytes);
  auto include = [&](int64_t bytes) {
    if (bytes <= 0) return;
    smallest = std::min(smallest, bytes);
    largest = std::max(largest, bytes);
  };
  include(report.baselines().baseline_shared_bytes);
  for (const ParetoSample& sample : front.samples) {
    include(sample.point.shared_bytes);
    include(sample.point.fifo_bytes);
    include(sample.lower_bound_bytes);
  }
  if (chosen) include(chosen->evaluation.shared_bytes());
  const LogScale bytes = byte_scale(smallest, largest, kFrontBottom, kFrontTop);
  const SlowdownScale slowdown = slowdown_scale(front, chosen_r);

  svg.text(kPlotLeft, kFrontTop - 14, "Activation memory vs allowed slowdown", "start",
           R"( font-size="14" font-weight="bold")");
  draw_byte_axis(svg, bytes, kPlotLeft, kPlotRight, "activation memory (bytes, log scale)");
  draw_slowdown_axis(svg, slowdown, report.mode());
  svg.rect(kPlotLeft, kFrontTop, kPlotRight - kPlotLeft, kFrontBottom - kFrontTop, "none", R"( stroke="black")");

  auto baseline = [&](int64_t value, const char* color, const char* dash) {
    if (value > 0)
      svg.line(kPlotLeft, bytes.map(static_cast<double>(value)), kPlotRight, bytes.map(static_cast<double>(value)),
               color, 1.8, dash);
  };
  baseline(report.baselines().baseline_bytes, kWholeColor, "7 4");
  baseline(report.baselines().baseline_shared_bytes, kWholeSharedColor, "");

  std::vector<std::pair<double, double>> arena, fifo, bound;
  for (const ParetoSample& sample : front.samples) {
    const double x = slowdown.map(sample.point.max_slowdown);
    arena.emplace_back(x, bytes.map(static_cast<double>(std::max<int64_t>(1, sample.point.shared_bytes))));
    fifo.emplace_back(x, bytes.map(static_cast<double>(std::max<int64_t>(1, sample.point.fifo_bytes))));
    if (sample.lower_bound_bytes > 0) bound.emplace_back(x, bytes.map(static_cast<double>(sample.lower_bound_bytes)));
  }
  svg.polyline(steps(bound), kBoundColor, 1.6, "2 3");
  svg.polyline(steps(fifo), kFifoColor, 2, "6 3");
  svg.polyline(steps(arena), kArenaColor, 2.4);
  for (size_t i = 0; i < front.samples.size(); ++i) {
    const analysis::ParetoPoint& p = front.samples[i].point;
    svg.add(fmt::format(
        R"(<circle cx="{}" cy="{}" r="3.5" fill="{}"><title>R ≤ {}: arena {}, FIFO sum {}, slowdown {:.4f}</title></circle>)",
        num(arena[i].first), num(arena[i].second), kArenaColor, slowdown_label(p.max_slowdown),
        format_bytes(p.shared_bytes), format_bytes(p.fifo_bytes), p.slowdown));
  }
  std::vector<LegendEntry> legend;
  if (!front.samples.empty()) {
    legend = {{"bufopt shared arena", kArenaColor, "", false},
              {"bufopt FIFO sum (no sharing)", kFifoColor, "6 3", false},
              {"lower bound on the arena", kBoundColor, "2 3", false}};
  }
  legend.push_back({"whole tensors, no sharing", kWholeColor, "7 4", false});
  legend.push_back({"whole tensors, shared layer by layer", kWholeSharedColor, "", false});
  if (chosen) {
    const double x = slowdown.map(chosen_r);
    const double y = bytes.map(static_cast<double>(std::max<int64_t>(1, chosen->evaluation.shared_bytes())));
    const std::string label = fmt::format("chosen plan: R ≤ {}, {}", slowdown_label(chosen_r),
                                          format_bytes(chosen->evaluation.shared_bytes()));
    draw_diamond(svg, x, y, kChosenColor, label + fmt::format(", slowdown {:.4f}", chosen->evaluation.slowdown));
    legend.push_back({label, kChosenColor, "", true});
  }
  draw_legend(svg, kFrontTop + 12, legend);
  if (front.samples.empty()) {
    svg.text((kPlotLeft + kPlotRight) / 2, (kFrontTop + kFrontBottom) / 2,
             "trade-off not sampled (it is sampled in sequential mode)", "middle", R"( fill="#555555")");
  }
}

/// Index step between labelled bars: 1, 2, 5, 10, 20, ... so that at most ~16 are labelled.
size_t label_step(size_t count) {
  size_t step = 1;
  for (size_t base = 1;; base *= 10) {
    for (size_t mantissa : {1, 2, 5}) {
      step = mantissa * base;
      if (count / step <= 16) return step;
    }
  }
}

void draw_buffer_panel(Svg& svg, const ModelReport& report) {
  const graph::Graph& graph = *report.graph;
  const analysis::Evaluation& evaluation = report.analysis->evaluation;
  std::vector<size_t> shown;
  int64_t smallest = INT64_MAX;
  int64_t largest = 1;
  for (size_t i = 0; i < graph.buffers.size(); ++i) {
    if (!evaluation.network.channels[i].counted || evaluation.usage.capacity_rows[i] <= 0) continue;
    // MODEL 4.1: a buffer inside another's storage has no bytes of its own (its storage's bar).
    if (report.analysis->storage_of(i) != graph::kNoBuffer) continue;
    shown.push_back(i);
    const int64_t fifo = evaluation.usage.capacity_rows[i] * graph.buffers[i].row_bytes();
    smallest = std::min(smallest, fifo);
    largest = std::max(largest, graph.buffers[i].tensor_bytes());
  }
  svg.text(kPlotLeft, kBarsTop - 14,
           fmt::format("Memory per buffer at R ≤ {} (FIFO sum {}, shared arena {})",
                       slowdown_label(report.analysis->options.max_slowdown), format_bytes(evaluation.fifo_bytes),
                       format_bytes(evaluation.shared_bytes())),
           "start", R"( font-size="14" font-weight="bold")");
  if (shown.empty()) {
    svg.text(kPlotLeft, kBarsTop + 20, "no counted buffers (every tensor is graph input or output)");
    return;
  }
  const LogScale bytes = byte_scale(smallest, largest, kBarsBottom, kBarsTop);
  draw_byte_axis(svg, bytes, kPlotLeft, kPlotRight, "bytes (log scale)");
  const double slot = (kPlotRight - kPlotLeft) / static_cast<double>(shown.size());
  const size_t step = label_step(shown.size());
  for (size_t k = 0; k < shown.size(); ++k) {
    const graph::Buffer& buffer = graph.buffers[shown[k]];
    const int64_t rows = evaluation.usage.capacity_rows[shown[k]];
    const int64_t fifo = rows * buffer.row_bytes();
    const double left = kPlotLeft + slot * static_cast<double>(k);
    const double whole_y = bytes.map(static_cast<double>(buffer.tensor_bytes()));
    const double fifo_y = bytes.map(static_cast<double>(fifo));
    const double whole_w = std::max(1.0, slot * 0.84);
    const double fifo_w = std::max(1.0, slot * 0.5);
    svg.add(fmt::format("<g><title>{}: {} / {} rows, {} of {}</title>", xml_escape(buffer.name), rows, buffer.rows(),
                        format_bytes(fifo), format_bytes(buffer.tensor_bytes())));
    svg.rect(left + (slot - whole_w) / 2, whole_y, whole_w, kBarsBottom - whole_y, kWholeBarColor);
    svg.rect(left + (slot - fifo_w) / 2, fifo_y, fifo_w, kBarsBottom - fifo_y, kArenaColor);
    svg.add("</g>");
    if (k % step == 0) {
      svg.line(left + slot / 2, kBarsBottom, left + slot / 2, kBarsBottom + 4, "black", 1);
      svg.text(left + slot / 2, kBarsBottom + 17, std::to_string(k), "middle");
    }
  }
  svg.rect(kPlotLeft, kBarsTop, kPlotRight - kPlotLeft, kBarsBottom - kBarsTop, "none", R"( stroke="black")");
  svg.text((kPlotLeft + kPlotRight) / 2, kBarsBottom + 40,
           fmt::format("buffer index in graph order ({} counted buffers; hover a bar for its name)", shown.size()),
           "middle");
  svg.rect(kLegendLeft, kBarsTop + 4, 30, 12, kWholeBarColor);
  svg.text(kLegendLeft + 38, kBarsTop + 14, "whole tensor");
  svg.rect(kLegendLeft, kBarsTop + 26, 30, 12, kArenaColor);
  svg.text(kLegendLeft + 38, kBarsTop + 36, "bufopt FIFO capacity");
}

std::string model_file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string analysis_svg(const ModelReport& report, const ParetoFront& front) {
  Svg svg;
  const graph::Graph& graph = *report.graph;
  svg.text(kPlotLeft, 26,
           fmt::format("bufopt: {}{} ({} actors), platform {}, {}", model_file_name(report.model_path),
                       graph.name.size() <= 24 ? " / " + graph.name : std::string(), graph.actors.size(),
                       report.platform().name, report.mode()),
           "start", R"( font-size="16" font-weight="bold")");
  draw_front_panel(svg, report, front);
  if (!report.analysis) return svg.document(kHeightFrontOnly);
  draw_buffer_panel(svg, report);
  return svg.document(kHeightWithBars);
}

}  // namespace bufopt::report
