// The figure: a well-formed, deterministic SVG that rsvg-convert renders into a picture with
// the plotted series where they belong, and the sampled Pareto front behind it.
#include "bufopt/report/svg_plot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "analysed_models.h"
#include "mini_xml.h"
#include "png_pixels.h"

namespace bufopt::testing {
namespace {

/// An analysed model, its sampled front and the figure drawn from both.
struct Figure {
  std::unique_ptr<AnalysedModel> model;
  report::ParetoFront front;
  std::string svg;
};

Figure embedding_figure() {
  Figure figure;
  figure.model = analyse(bundled_models().front(), {});
  const analysis::AnalysisOptions& options = figure.model->result.options;
  figure.front = report::compute_pareto_front(figure.model->graph, options, report::kParetoSamples, {options.max_slowdown});
  figure.svg = report::analysis_svg(figure.model->report(), figure.front);
  return figure;
}

/// Number of elements named `name` anywhere below `element`.
int count_elements(const XmlElement& element, const std::string& name) {
  int count = element.name == name ? 1 : 0;
  for (const XmlElement& child : element.children) count += count_elements(child, name);
  return count;
}

TEST(ParetoFront, SamplesFromLayerByLayerToEveryActorOncePerRow) {
  const auto model = analyse(bundled_models().front(), {});
  const analysis::AnalysisOptions& options = model->result.options;
  const report::ParetoFront front = report::compute_pareto_front(model->graph, options, 12, {1.05});
  ASSERT_GE(front.samples.size(), 12u);
  EXPECT_DOUBLE_EQ(front.samples.front().point.max_slowdown, 1.0);
  EXPECT_NEAR(front.samples.back().point.max_slowdown, front.full_streaming_slowdown, 1e-12);
  EXPECT_GT(front.full_streaming_slowdown, 1.0);
  bool has_included = false;
  for (size_t i = 0; i < front.samples.size(); ++i) {
    const report::ParetoSample& sample = front.samples[i];
    has_included = has_included || std::abs(sample.point.max_slowdown - 1.05) < 1e-12;
    EXPECT_LE(sample.point.slowdown, sample.point.max_slowdown + 1e-9);
    EXPECT_LE(sample.lower_bound_bytes, sample.point.shared_bytes);
    EXPECT_LE(sample.point.shared_bytes, sample.point.fifo_bytes);
    if (i > 0) {
      EXPECT_GT(sample.point.max_slowdown, front.samples[i - 1].point.max_slowdown);
      EXPECT_LE(sample.point.shared_bytes, front.samples[i - 1].point.shared_bytes);
    }
  }
  EXPECT_TRUE(has_included);
  // MODEL 5: at R = 1 every actor fires once, so the FIFO sum is the whole-tensor baseline.
  EXPECT_EQ(front.samples.front().point.fifo_bytes, model->result.baselines.baseline_bytes);
  // Streaming row by row must beat layer by layer on this model.
  EXPECT_LT(front.samples.back().point.shared_bytes, front.samples.front().point.shared_bytes);
}

TEST(ParetoFront, NoFiringOverheadMeansNothingToTrade) {
  analysis::AnalysisOptions options;
  options.platform.firing_overhead_s = 0;
  const auto model = analyse(bundled_models().front(), options);
  EXPECT_DOUBLE_EQ(report::full_streaming_slowdown(model->graph, options), 1.0);
  EXPECT_EQ(report::pareto_slowdowns(model->graph, options), std::vector<double>{1.0});
}

TEST(SvgPlot, WellFormedDeterministicAndComplete) {
  const Figure figure = embedding_figure();
  const XmlElement root = parse_xml(figure.svg);
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attribute("xmlns"), "http://www.w3.org/2000/svg");
  // One marker per sample, one bar pair per counted storage (each with a tooltip; MODEL 4.1: a
  // buffer inside another's storage has no bar of its own).
  EXPECT_EQ(count_elements(root, "circle"), static_cast<int>(figure.front.samples.size()));
  int counted = 0;
  const analysis::AnalysisResult& result = figure.model->result;
  for (size_t b = 0; b < result.graph.buffers.size(); ++b) {
    counted += result.evaluation.network.channels[b].counted && result.storage_of(b) == graph::kNoBuffer ? 1 : 0;
  }
  int bars = 0;
  for (const XmlElement* group : root.all("g")) bars += group->all("rect").size() == 2 ? 1 : 0;
  EXPECT_EQ(bars, counted);
  for (const char* needed : {"allowed slowdown R", "activation memory (bytes, log scale)", "chosen plan: R ≤ 1.2",
                                    "whole tensors, shared layer by layer", "lower bound on the arena"}) {
    EXPECT_NE(figure.svg.find(needed), std::string::npos) << needed;
  }
  EXPECT_EQ(figure.svg, report::analysis_svg(figure.model->report(), figure.front));
}

bool near_color(const std::array<uint8_t, 4>& pixel, uint8_t r, uint8_t g, uint8_t b) {
  return pixel[3] > 200 && std::abs(pixel[0] - r) < 24 && std::abs(pixel[1] - g) < 24 && std::abs(pixel[2] - b) < 24;
}

/// Pixels in rows [top, bottom) of `image` close to the colour.
int count_color(const PngImage& image, uint32_t top, uint32_t bottom, uint8_t r, uint8_t g, uint8_t b) {
  int count = 0;
  for (uint32_t y = top; y < std::min(bottom, image.height); ++y) {
    for (uint32_t x = 0; x < image.width; ++x) count += near_color(image.pixel(x, y), r, g, b) ? 1 : 0;
  }
  return count;
}

TEST(SvgPlot, RendersWithRsvgConvert) {
  BUFOPT_REQUIRE_TOOL("rsvg-convert");
  const Figure figure = embedding_figure();
  const std::string dir = fresh_temp_dir("svg_render");
  std::ofstream(dir + "/plot.svg") << figure.svg;
  const std::string png = dir + "/plot.png";
  ASSERT_EQ(std::system(("rsvg-convert " + shell_quote(dir + "/plot.svg") + " -o " + shell_quote(png)).c_str()), 0);
  const PngImage image = read_png(png);
  const XmlElement root = parse_xml(figure.svg);
  EXPECT_EQ(image.width, static_cast<uint32_t>(std::stod(root.attribute("width"))));
  EXPECT_EQ(image.height, static_cast<uint32_t>(std::stod(root.attribute("height"))));
  int non_white = 0;
  for (size_t i = 0; i + 3 < image.rgba.size(); i += 4) {
    non_white += (image.rgba[i] < 240 || image.rgba[i + 1] < 240 || image.rgba[i + 2] < 240) ? 1 : 0;
  }
  const int total = static_cast<int>(image.width * image.height);
  EXPECT_GT(non_white, total / 20) << "hardly anything drawn";
  EXPECT_LT(non_white, total / 2) << "the background is not white";
  // The top panel (above y = 440) holds the arena line, the chosen diamond and the baselines;
  // the bottom panel the blue capacity bars and grey whole-tensor bars.
  EXPECT_GT(count_color(image, 60, 440, 0x1f, 0x77, 0xb4), 300) << "arena line";
  EXPECT_GT(count_color(image, 60, 440, 0x2c, 0xa0, 0x2c), 100) << "chosen plan";
  EXPECT_GT(count_color(image, 60, 440, 0x8c, 0x1c, 0x13), 300) << "shared whole-tensor baseline";
  EXPECT_GT(count_color(image, 500, 820, 0x1f, 0x77, 0xb4), 3000) << "capacity bars";
  EXPECT_GT(count_color(image, 500, 820, 0xd9, 0xd9, 0xd9), 3000) << "whole-tensor bars";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace bufopt::testing
