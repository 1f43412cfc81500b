// Row windows checked against brute-force evaluation of each operator's index formula.
#include "bufopt/dataflow/row_windows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace bufopt::dataflow {
namespace {

using graph::ResizeRows;

/// influence[r]: the input rows output row r depends on, found by direct evaluation.
using Influence = std::vector<std::set<int64_t>>;

int64_t pick(std::mt19937& rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

/// Conv / pooling: loop over the kernel taps of every output row.
Influence conv_influence(const graph::SlidingWindow& m, int64_t in_rows, int64_t out_rows) {
  Influence influence(static_cast<size_t>(out_rows));
  for (int64_t r = 0; r < out_rows; ++r) {
    for (int64_t j = 0; j < m.kernel; ++j) {
      const int64_t row = r * m.stride - m.pad_begin + j * m.dilation;
      if (row >= 0 && row < in_rows) influence[static_cast<size_t>(r)].insert(row);
    }
  }
  return influence;
}

/// ConvTranspose: loop over input rows and the output rows each one contributes to.
Influence transposed_influence(const graph::TransposedWindow& m, int64_t in_rows, int64_t out_rows) {
  Influence influence(static_cast<size_t>(out_rows));
  for (int64_t i = 0; i < in_rows; ++i) {
    for (int64_t j = 0; j < m.kernel; ++j) {
      const int64_t out = i * m.stride - m.pad_begin + j * m.dilation;
      if (out >= 0 && out < out_rows) influence[static_cast<size_t>(out)].insert(i);
    }
  }
  return influence;
}

/// x_original as ONNX's reference Resize computes it for an output of length_resized
/// `resized`: in_rows * scale when `scales` was given, fractional (4 rows by 0.8: 3.2, while
/// out_rows is 3); out_rows when `sizes` was.
double onnx_coordinate(const ResizeRows& m, int64_t x, int64_t in_rows, double resized) {
  const double xr = static_cast<double>(x);
  switch (m.coordinates) {
    case ResizeRows::Coordinates::kHalfPixel:
      return (xr + 0.5) / m.scale - 0.5;
    case ResizeRows::Coordinates::kPytorchHalfPixel:
      return resized > 1 ? (xr + 0.5) / m.scale - 0.5 : 0.0;
    case ResizeRows::Coordinates::kAlignCorners:
      return resized == 1 ? 0.0 : xr * double(in_rows - 1) / (resized - 1);
    case ResizeRows::Coordinates::kAsymmetric:
      return xr / m.scale;
    case ResizeRows::Coordinates::kTfHalfPixelForNn:
      return (xr + 0.5) / m.scale;
  }
  return 0.0;
}

/// The n nearest indices to x among [low, high), ties to the smaller (ONNX reference resize; its
/// shift of x by the edge padding is left out because it rounds x).
std::vector<int64_t> nearest_indices(double x, int n, int64_t low, int64_t high) {
  std::vector<int64_t> all;
  for (int64_t i = low; i < high; ++i) all.push_back(i);
  std::stable_sort(all.begin(), all.end(),
                   [&](int64_t a, int64_t b) { return std::abs(x - double(a)) < std::abs(x - double(b)); });
  all.resize(static_cast<size_t>(n));
  std::sort(all.begin(), all.end());
  return all;
}

double cubic_weight(double t) {  // Keys kernel, cubic_coeff_a = -0.75 (the ONNX default)
  const double a = -0.75;
  t = std::abs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0.0;
}

/// Resize: the reference's neighbour selection on an edge-padded input, keeping the neighbours
/// whose interpolation coefficient is not zero.
Influence resize_influence(const ResizeRows& m, int64_t in_rows, int64_t out_rows, double resized) {
  Influence influence(static_cast<size_t>(out_rows));
  for (int64_t r = 0; r < out_rows; ++r) {
    const double x = onnx_coordinate(m, r, in_rows, resized);
    const double ratio = x == std::floor(x) ? 1.0 : x - std::floor(x);
    std::vector<double> coeffs;
    switch (m.interpolation) {
      case ResizeRows::Interpolation::kNearest:
        if (ratio == 1.0) {
          coeffs = {0, 1};
        } else if (m.rounding == ResizeRows::Rounding::kRoundPreferFloor) {
          coeffs = {ratio <= 0.5 ? 1.0 : 0.0, ratio > 0.5 ? 1.0 : 0.0};
        } else if (m.rounding == ResizeRows::Rounding::kRoundPreferCeil) {
          coeffs = {ratio < 0.5 ? 1.0 : 0.0, ratio >= 0.5 ? 1.0 : 0.0};
        } else if (m.rounding == ResizeRows::Rounding::kFloor) {
          coeffs = {1, 0};
        } else {
          coeffs = {0, 1};
        }
        break;
      case ResizeRows::Interpolation::kLinear:
        coeffs = {1 - ratio, ratio};
        break;
      case ResizeRows::Interpolation::kCubic:
        coeffs = {cubic_weight(1 + ratio), cubic_weight(ratio), cubic_weight(1 - ratio), cubic_weight(2 - ratio)};
        break;
    }
    const int n = static_cast<int>(coeffs.size());
    const int64_t pad = (n + 1) / 2;
    // Edge padding: indices beyond the input read its first or last row.
    const std::vector<int64_t> neighbours = nearest_indices(x, n, -pad, in_rows + pad);
    for (int k = 0; k < n; ++k) {
      if (coeffs[static_cast<size_t>(k)] == 0.0) continue;
      const int64_t row = std::clamp<int64_t>(neighbours[static_cast<size_t>(k)], 0, in_rows - 1);
      influence[static_cast<size_t>(r)].insert(row);
    }
  }
  return influence;
}

std::string describe(const std::string& what, int64_t in_rows, int64_t out_rows, int64_t r) {
  return what + " in_rows=" + std::to_string(in_rows) + " out_rows=" + std::to_string(out_rows) +
         " row=" + std::to_string(r);
}

void expect_monotone_and_in_range(const std::vector<RowRange>& windows, int64_t in_rows, const std::string& what) {
  for (size_t r = 0; r < windows.size(); ++r) {
    EXPECT_LE(0, windows[r].begin) << what;
    EXPECT_LE(windows[r].begin, windows[r].end) << what << " row " << r;
    EXPECT_LE(windows[r].end, in_rows) << what;
    if (r > 0) {
      EXPECT_LE(windows[r - 1].begin, windows[r].begin) << what << " row " << r;
      EXPECT_LE(windows[r - 1].end, windows[r].end) << what << " row " << r;
    }
  }
}

/// Windows must be the tightest monotone cover of the influence sets: begin = least row read by
/// this or any later output row, end = one past the greatest row read by this or any earlier one
/// (exactly [min, max + 1) whenever those are monotone already). Evaluated by plain loops.
void expect_tightest_cover(const std::vector<RowRange>& windows, const Influence& influence, int64_t in_rows,
                           const std::string& what) {
  ASSERT_EQ(windows.size(), influence.size()) << what;
  expect_monotone_and_in_range(windows, in_rows, what);
  const auto rows = static_cast<int64_t>(influence.size());
  for (int64_t r = 0; r < rows; ++r) {
    int64_t begin = in_rows;
    for (int64_t later = r; later < rows; ++later) {
      const auto& read = influence[static_cast<size_t>(later)];
      if (!read.empty()) begin = std::min(begin, *read.begin());
    }
    int64_t end = 0;
    for (int64_t earlier = 0; earlier <= r; ++earlier) {
      const auto& read = influence[static_cast<size_t>(earlier)];
      if (!read.empty()) end = std::max(end, *read.rbegin() + 1);
    }
    const RowRange& window = windows[static_cast<size_t>(r)];
    EXPECT_EQ(window.begin, begin) << describe(what, in_rows, rows, r);
    EXPECT_EQ(window.end, std::max(begin, end)) << describe(what, in_rows, rows, r);
    for (int64_t row : influence[static_cast<size_t>(r)]) {
      EXPECT_TRUE(row >= window.begin && row < window.end) << describe(what, in_rows, rows, r);
    }
  }
}

/// True when the influence sets are contiguous-hull monotone (then the cover is exact).
bool hull_monotone(const Influence& influence) {
  int64_t last_min = -1;
  int64_t last_max = -1;
  for (const auto& read : influence) {
    if (read.empty()) continue;
    if (*read.begin() < last_min || *read.rbegin() < last_max) return false;
    last_min = *read.begin();
    last_max = *read.rbegin();
  }
  return true;
}

TEST(RowWindows, ConvMatchesKernelTapsOnRandomGeometries) {
  std::mt19937 rng(20240611);
  int exact_cases = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    graph::SlidingWindow m{pick(rng, 1, 7), pick(rng, 1, 5), pick(rng, 1, 4), pick(rng, -6, 8)};
    const int64_t in_rows = pick(rng, 1, 40);
    const int64_t k_eff = m.dilation * (m.kernel - 1) + 1;
    // ONNX's own height, with an independent end pad; otherwise any height (rows past the input).
    int64_t out_rows = (in_rows + m.pad_begin + pick(rng, -3, 6) - k_eff) / m.stride + 1;
    if (out_rows < 1 || trial % 5 == 0) out_rows = pick(rng, 1, 50);
    const Influence influence = conv_influence(m, in_rows, out_rows);
    const auto windows = row_windows(m, in_rows, out_rows);
    const std::string what = "conv k=" + std::to_string(m.kernel) + " s=" + std::to_string(m.stride) +
                             " d=" + std::to_string(m.dilation) + " p=" + std::to_string(m.pad_begin);
    expect_tightest_cover(windows, influence, in_rows, what);
    if (hull_monotone(influence)) {
      ++exact_cases;
      for (size_t r = 0; r < windows.size(); ++r) {
        if (influence[r].empty()) continue;
        EXPECT_EQ(windows[r], (RowRange{*influence[r].begin(), *influence[r].rbegin() + 1})) << what;
      }
    }
    if (testing::Test::HasFailure()) break;
  }
  EXPECT_GT(exact_cases, 1000);
}

TEST(RowWindows, ConvWithoutDilationFollowsTheClampFormula) {
  // MODEL 3: lo = clamp(r*s - p, 0, H_in), hi = clamp(r*s - p + k, 0, H_in) when d = 1.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    graph::SlidingWindow m{pick(rng, 1, 7), pick(rng, 1, 4), 1, pick(rng, -4, 4)};
    const int64_t in_rows = pick(rng, 1, 30);
    const int64_t out_rows = pick(rng, 1, 30);
    const auto windows = row_windows(m, in_rows, out_rows);
    for (int64_t r = 0; r < out_rows; ++r) {
      const int64_t lo = std::clamp<int64_t>(r * m.stride - m.pad_begin, 0, in_rows);
      const int64_t hi = std::clamp<int64_t>(r * m.stride - m.pad_begin + m.kernel, 0, in_rows);
      const RowRange& w = windows[static_cast<size_t>(r)];
      if (hi > lo) {
        EXPECT_EQ(w, (RowRange{lo, hi}));
      } else {
        EXPECT_EQ(w.size(), 0);
      }
    }
  }
}

TEST(RowWindows, DilationHolesPastThePaddingAreNotRead) {
  // k=2, d=5, s=1, p=3: rows 0..2 read only their second tap (2, 3, 4), row 3 reads 0 and 5.
  // Windows must be monotone, so rows 0..2 widen down to row 3's first tap.
  const auto windows = row_windows(graph::SlidingWindow{2, 1, 5, 3}, 10, 4);
  EXPECT_EQ(windows[0], (RowRange{0, 3}));
  EXPECT_EQ(windows[1], (RowRange{0, 4}));
  EXPECT_EQ(windows[2], (RowRange{0, 5}));
  EXPECT_EQ(windows[3], (RowRange{0, 6}));
}

TEST(RowWindows, ConvTransposeMatchesContributionsOnRandomGeometries) {
  std::mt19937 rng(99);
  int exact_cases = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    graph::TransposedWindow m{pick(rng, 1, 6), pick(rng, 1, 5), pick(rng, 1, 4), pick(rng, -3, 8)};
    const int64_t in_rows = pick(rng, 1, 30);
    int64_t out_rows = (in_rows - 1) * m.stride - m.pad_begin - pick(rng, -2, 5) + m.dilation * (m.kernel - 1) + 1;
    if (out_rows < 1 || trial % 5 == 0) out_rows = pick(rng, 1, 60);
    const Influence influence = transposed_influence(m, in_rows, out_rows);
    const auto windows = row_windows(m, in_rows, out_rows);
    const std::string what = "convtranspose k=" + std::to_string(m.kernel) + " s=" + std::to_string(m.stride) +
                             " d=" + std::to_string(m.dilation) + " p=" + std::to_string(m.pad_begin);
    expect_tightest_cover(windows, influence, in_rows, what);
    if (hull_monotone(influence)) {
      ++exact_cases;
      for (size_t r = 0; r < windows.size(); ++r) {
        if (influence[r].empty()) continue;
        EXPECT_EQ(windows[r], (RowRange{*influence[r].begin(), *influence[r].rbegin() + 1})) << what;
      }
    }
    if (testing::Test::HasFailure()) break;
  }
  EXPECT_GT(exact_cases, 1000);
}

TEST(RowWindows, DepthToSpaceReadsOneRowPerBlock) {
  // {kernel = b, stride = b}: output row r reads input row r / b.
  const auto windows = row_windows(graph::TransposedWindow{3, 3, 1, 0}, 5, 15);
  for (int64_t r = 0; r < 15; ++r) EXPECT_EQ(windows[static_cast<size_t>(r)], (RowRange{r / 3, r / 3 + 1}));
}

TEST(RowWindows, StrideBeyondKernelLeavesRowsThatReadNothing) {
  // k=1, s=3: output rows 0, 3, 6 read input 0, 1, 2; the rows between read nothing.
  const auto windows = row_windows(graph::TransposedWindow{1, 3, 1, 0}, 3, 7);
  EXPECT_EQ(windows[0], (RowRange{0, 1}));
  EXPECT_EQ(windows[1].size(), 0);
  EXPECT_EQ(windows[2].size(), 0);
  EXPECT_EQ(windows[3], (RowRange{1, 2}));
  EXPECT_EQ(windows[6], (RowRange{2, 3}));
}

TEST(RowWindows, HugeGeometryDoesNotOverflow) {
  const int64_t big = int64_t{1} << 62;
  const auto conv = row_windows(graph::SlidingWindow{big, big, big, -big}, 10, 3);
  for (const RowRange& w : conv) EXPECT_EQ(w.size(), 0);
  const auto transposed = row_windows(graph::TransposedWindow{big, 3, big, big}, 10, 3);
  expect_monotone_and_in_range(transposed, 10, "huge transposed");
}

std::vector<ResizeRows> all_resize_modes() {
  std::vector<ResizeRows> modes;
  for (auto interpolation :
       {ResizeRows::Interpolation::kNearest, ResizeRows::Interpolation::kLinear, ResizeRows::Interpolation::kCubic}) {
    for (auto coordinates : {ResizeRows::Coordinates::kHalfPixel, ResizeRows::Coordinates::kPytorchHalfPixel,
                             ResizeRows::Coordinates::kAlignCorners, ResizeRows::Coordinates::kAsymmetric,
                             ResizeRows::Coordinates::kTfHalfPixelForNn}) {
      for (auto rounding : {ResizeRows::Rounding::kRoundPreferFloor, ResizeRows::Rounding::kRoundPreferCeil,
                            ResizeRows::Rounding::kFloor, ResizeRows::Rounding::kCeil}) {
        if (interpolation != ResizeRows::Interpolation::kNearest && rounding != ResizeRows::Rounding::kFloor) continue;
        ResizeRows m;
        m.interpolation = interpolation;
        m.coordinates = coordinates;
        m.rounding = rounding;
        modes.push_back(m);
      }
    }
  }
  return modes;
}

TEST(RowWindows, ResizeCoversEveryRowTheInterpolationUses) {
  std::mt19937 rng(31337);
  const std::array<double, 10> scales{0.25, 0.5, 1.0 / 3.0, 0.6, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0};
  for (const ResizeRows& mode : all_resize_modes()) {
    for (int trial = 0; trial < 120; ++trial) {
      ResizeRows m = mode;
      const int64_t in_rows = pick(rng, 1, 24);
      int64_t out_rows = 0;
      double resized = 0;  // ONNX's length_resized
      if (trial % 2 == 0) {  // `scales` given: floor(in * scale)
        m.scale = scales[static_cast<size_t>(pick(rng, 0, scales.size() - 1))];
        out_rows = std::max<int64_t>(1, static_cast<int64_t>(std::floor(double(in_rows) * m.scale)));
        resized = double(in_rows) * m.scale;
      } else {  // `sizes` given: scale = out / in
        out_rows = pick(rng, 1, 60);
        m.scale = double(out_rows) / double(in_rows);
        resized = double(out_rows);
      }
      // With `sizes` in_rows * scale may miss out_rows by an ulp and the window, not knowing
      // which was given, covers both: one row more where they round apart.
      const bool ambiguous = double(in_rows) * m.scale != resized;
      const Influence influence = resize_influence(m, in_rows, out_rows, resized);
      const auto windows = row_windows(m, in_rows, out_rows);
      const std::string what = "resize mode=" + std::to_string(int(m.interpolation)) +
                               " coord=" + std::to_string(int(m.coordinates)) +
                               " round=" + std::to_string(int(m.rounding)) + " scale=" + std::to_string(m.scale);
      ASSERT_EQ(windows.size(), static_cast<size_t>(out_rows));
      expect_monotone_and_in_range(windows, in_rows, what);
      for (int64_t r = 0; r < out_rows; ++r) {
        const auto& read = influence[static_cast<size_t>(r)];
        const RowRange& w = windows[static_cast<size_t>(r)];
        ASSERT_FALSE(read.empty());
        const RowRange hull{*read.begin(), *read.rbegin() + 1};
        const std::string at = describe(what, in_rows, out_rows, r);
        EXPECT_LE(w.begin, hull.begin) << at;
        EXPECT_GE(w.end, hull.end) << at;
        const double x = onnx_coordinate(m, r, in_rows, resized);
        const bool on_a_row = x == std::floor(x);
        switch (m.interpolation) {
          case ResizeRows::Interpolation::kNearest:
            if (ambiguous) {
              EXPECT_LE(w.size(), hull.size() + 1) << at;
            } else {
              EXPECT_EQ(w, hull) << at;
            }
            break;
          case ResizeRows::Interpolation::kLinear:
            EXPECT_LE(w.size(), hull.size() + 1 + (ambiguous ? 1 : 0)) << at;
            break;
          case ResizeRows::Interpolation::kCubic:
            // On an input row only that row has weight, but runtimes still read its 4 taps.
            EXPECT_LE(w.size(), (on_a_row ? 4 : hull.size() + 1) + (ambiguous ? 1 : 0)) << at;
            break;
        }
      }
      if (testing::Test::HasFailure()) return;
    }
  }
}

TEST(RowWindows, NearestRoundingModesOnHalfwayCoordinates) {
  // asymmetric, scale 2: x = r / 2, so odd rows sit exactly half-way between two input rows.
  ResizeRows m;
  m.coordinates = ResizeRows::Coordinates::kAsymmetric;
  m.scale = 2.0;
  m.rounding = ResizeRows::Rounding::kRoundPreferFloor;
  EXPECT_EQ(row_windows(m, 4, 8)[3], (RowRange{1, 2}));
  m.rounding = ResizeRows::Rounding::kRoundPreferCeil;
  EXPECT_EQ(row_windows(m, 4, 8)[3], (RowRange{2, 3}));
  m.rounding = ResizeRows::Rounding::kCeil;
  EXPECT_EQ(row_windows(m, 4, 8)[7], (RowRange{3, 4}));  // x = 3.5 -> 4, clamped to 3
}

TEST(RowWindows, AlignCornersUsesLengthsNotScale) {
  // in 3, out 7: x = r * 2 / 6 = r / 3. x = r / scale (asymmetric, 7/3) would put row 5 on 2.
  ResizeRows m;
  m.coordinates = ResizeRows::Coordinates::kAlignCorners;
  m.rounding = ResizeRows::Rounding::kFloor;
  m.scale = 7.0 / 3.0;
  const auto windows = row_windows(m, 3, 7);
  const std::array<int64_t, 7> expected{0, 0, 0, 1, 1, 1, 2};
  for (size_t r = 0; r < expected.size(); ++r) {
    EXPECT_EQ(windows[r], (RowRange{expected[r], expected[r] + 1})) << r;
  }
}

TEST(RowWindows, LinearClampsTheCoordinateAsOnnxRuntimeDoes) {
  // half_pixel x2: row 0 maps to x = -0.25. ONNX Runtime clamps x to 0 and reads rows 0 and 1
  // (row 1 with weight 0); at the bottom x = in-0.75 clamps to in-1 and reads that row only.
  ResizeRows m;
  m.interpolation = ResizeRows::Interpolation::kLinear;
  m.scale = 2.0;
  const auto windows = row_windows(m, 5, 10);
  EXPECT_EQ(windows.front(), (RowRange{0, 2}));
  EXPECT_EQ(windows.back(), (RowRange{4, 5}));
  EXPECT_EQ(windows[1], (RowRange{0, 2}));  // x = 0.25
}

TEST(RowWindows, WholeAndBroadcastInputs) {
  for (const RowRange& w : row_windows(graph::WholeInput{}, 17, 5)) EXPECT_EQ(w, (RowRange{0, 17}));
  for (const RowRange& w : row_windows(graph::BroadcastRow{}, 1, 9)) EXPECT_EQ(w, (RowRange{0, 1}));
  EXPECT_EQ(row_windows(graph::WholeInput{}, 17, 5).size(), 5u);
}

TEST(RowWindows, RejectsImpossibleGeometry) {
  EXPECT_THROW(row_windows(graph::SlidingWindow{3, 0, 1, 0}, 8, 8), std::invalid_argument);
  EXPECT_THROW(row_windows(graph::SlidingWindow{0, 1, 1, 0}, 8, 8), std::invalid_argument);
  EXPECT_THROW(row_windows(graph::TransposedWindow{2, 2, 0, 0}, 8, 8), std::invalid_argument);
  ResizeRows zero_scale;
  zero_scale.scale = 0.0;
  EXPECT_THROW(row_windows(zero_scale, 8, 8), std::invalid_argument);
  EXPECT_THROW(row_windows(graph::WholeInput{}, 8, -1), std::invalid_argument);
}

}  // namespace
}  // namespace bufopt::dataflow
