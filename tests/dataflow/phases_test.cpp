// Firing windows, releases and written rows (MODEL 3 and the hand-derived values of MODEL 8).
#include "bufopt/dataflow/phases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

namespace bufopt::dataflow {
namespace {

int64_t pick(std::mt19937& rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

InputPort conv_port(const graph::SlidingWindow& conv, int64_t in_rows, int64_t out_rows, int64_t granularity) {
  return input_port(0, row_windows(conv, in_rows, out_rows), in_rows, granularity);
}

TEST(Phases, PhaseCountIsCeilingOfRowsOverGranularity) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 1000; ++trial) {
    const int64_t rows = pick(rng, 1, 500);
    const int64_t g = pick(rng, 1, 600);
    int64_t expected = 0;
    for (int64_t written = 0; written < rows; written += g) ++expected;  // count firings
    EXPECT_EQ(phase_count(rows, g), expected) << rows << " / " << g;
  }
  EXPECT_EQ(phase_count(INT64_MAX, 2), INT64_MAX / 2 + 1);
  EXPECT_THROW(phase_count(0, 1), std::invalid_argument);
  EXPECT_THROW(phase_count(5, 0), std::invalid_argument);
}

TEST(Phases, Stride2Pad1ConvNeedsThreeRowsPerFiring) {
  // MODEL 8: a 3x3 stride-2 pad-1 conv, g = 1: firing f needs rows [2f-1, 2f+2), clamped.
  for (int64_t in_rows : {2, 7, 8, 15, 224}) {
    const int64_t out_rows = (in_rows + 2 - 3) / 2 + 1;
    const InputPort port = conv_port({3, 2, 1, 1}, in_rows, out_rows, 1);
    ASSERT_EQ(port.window.size(), static_cast<size_t>(out_rows));
    int64_t widest = 0;
    for (int64_t f = 0; f < out_rows; ++f) {
      const RowRange expected{std::max<int64_t>(2 * f - 1, 0), std::min<int64_t>(2 * f + 2, in_rows)};
      EXPECT_EQ(port.window[static_cast<size_t>(f)], expected) << "H=" << in_rows << " f=" << f;
      widest = std::max(widest, port.window[static_cast<size_t>(f)].size());
      // Released below the next firing's first row, 2(f+1) - 1; all after the last.
      const int64_t release = f + 1 < out_rows ? std::max<int64_t>(2 * (f + 1) - 1, 0) : in_rows;
      EXPECT_EQ(port.release[static_cast<size_t>(f)], release) << "H=" << in_rows << " f=" << f;
    }
    if (in_rows >= 3) {
      EXPECT_EQ(widest, 3);
    }
  }
}

TEST(Phases, Stride2PointwiseConvReadsOneRowAndReleasesTwo) {
  // MODEL 8: a 1x1 stride-2 conv reads row 2f and releases 2 rows, the skipped one unread.
  const int64_t in_rows = 16;
  const int64_t out_rows = 8;
  const InputPort port = conv_port({1, 2, 1, 0}, in_rows, out_rows, 1);
  int64_t released = 0;
  for (int64_t f = 0; f < out_rows; ++f) {
    EXPECT_EQ(port.window[static_cast<size_t>(f)], (RowRange{2 * f, 2 * f + 1}));
    EXPECT_EQ(port.release[static_cast<size_t>(f)] - released, 2) << f;
    released = port.release[static_cast<size_t>(f)];
  }
  EXPECT_EQ(released, in_rows);
}

TEST(Phases, LastFiringReleasesRowsNeverRead) {
  // 1x1 stride 2, 15 input rows, 7 output rows: rows 13 and 14 are never read.
  const InputPort port = conv_port({1, 2, 1, 0}, 15, 7, 1);
  EXPECT_EQ(port.window.back(), (RowRange{12, 13}));
  EXPECT_EQ(port.release.back(), 15);
}

/// Rows firing f of a conv really reads, by looping over its output rows and kernel taps.
std::vector<int64_t> rows_read(const graph::SlidingWindow& conv, int64_t in_rows, int64_t out_rows, int64_t g,
                               int64_t f) {
  std::vector<int64_t> rows;
  for (int64_t r = f * g; r < std::min((f + 1) * g, out_rows); ++r) {
    for (int64_t j = 0; j < conv.kernel; ++j) {
      const int64_t row = r * conv.stride - conv.pad_begin + j * conv.dilation;
      if (row >= 0 && row < in_rows) rows.push_back(row);
    }
  }
  return rows;
}

TEST(Phases, RandomConvFiringsReadOnlyRowsStillHeld) {
  std::mt19937 rng(2024);
  for (int trial = 0; trial < 2000; ++trial) {
    const graph::SlidingWindow conv{pick(rng, 1, 7), pick(rng, 1, 4), pick(rng, 1, 3), pick(rng, -3, 6)};
    const int64_t in_rows = pick(rng, 1, 60);
    const int64_t out_rows = pick(rng, 1, 40);
    const int64_t g = pick(rng, 1, out_rows + 3);
    const InputPort port = conv_port(conv, in_rows, out_rows, g);
    const int64_t phases = (out_rows + g - 1) / g;
    ASSERT_EQ(port.window.size(), static_cast<size_t>(phases));
    ASSERT_EQ(port.release.size(), static_cast<size_t>(phases));
    EXPECT_EQ(port.release.back(), in_rows);
    int64_t released = 0;
    for (int64_t f = 0; f < phases; ++f) {
      const RowRange& window = port.window[static_cast<size_t>(f)];
      for (int64_t row : rows_read(conv, in_rows, out_rows, g, f)) {
        EXPECT_TRUE(row >= window.begin && row < window.end) << "f=" << f << " row=" << row;
        EXPECT_GE(row, released) << "read after release, f=" << f;
      }
      EXPECT_LE(0, window.begin);
      EXPECT_LE(window.end, in_rows);
      const int64_t release = port.release[static_cast<size_t>(f)];
      EXPECT_GE(release, released) << "release decreases at f=" << f;
      // Tight: no later firing starts its window below the release, and one starts at it.
      int64_t later_begin = in_rows;
      for (int64_t later = f + 1; later < phases; ++later) {
        later_begin = std::min(later_begin, port.window[static_cast<size_t>(later)].begin);
      }
      EXPECT_EQ(release, later_begin) << "f=" << f;
      released = release;
    }
    if (testing::Test::HasFailure()) break;
  }
}

TEST(Phases, FiringWindowIsTheHullOfItsRowsWindows) {
  // Hand-made monotone row windows with empty rows at both ends and in the middle (Concat
  // inputs outside their range, ConvTranspose rows that read nothing).
  const std::vector<RowRange> rows{{0, 0}, {0, 0}, {0, 2}, {1, 3}, {3, 3}, {3, 4}, {5, 6}, {6, 6}, {6, 6}};
  const int64_t in_rows = 6;
  const InputPort two = input_port(3, rows, in_rows, 2);
  EXPECT_EQ(two.channel, 3);
  ASSERT_EQ(two.window.size(), 5u);
  EXPECT_EQ(two.window[0].size(), 0);          // rows 0-1 read nothing
  EXPECT_EQ(two.window[1], (RowRange{0, 3}));  // rows 2-3
  EXPECT_EQ(two.window[2], (RowRange{3, 4}));  // rows 4-5
  EXPECT_EQ(two.window[3], (RowRange{5, 6}));  // rows 6-7
  EXPECT_EQ(two.window[4].size(), 0);          // row 8
  EXPECT_EQ(two.release, (std::vector<int64_t>{0, 3, 5, 6, 6}));
  const InputPort whole = input_port(0, rows, in_rows, 100);
  ASSERT_EQ(whole.window.size(), 1u);
  EXPECT_EQ(whole.window[0], (RowRange{0, 6}));
  EXPECT_EQ(whole.release, (std::vector<int64_t>{6}));
}

TEST(Phases, WrittenRowsSumToTheHeight) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    const int64_t rows = pick(rng, 1, 300);
    const int64_t g = pick(rng, 1, 320);
    const int64_t phases = (rows + g - 1) / g;
    const OutputPort port = output_port(4, rows, g, phases);
    EXPECT_EQ(port.channel, 4);
    ASSERT_EQ(port.written.size(), static_cast<size_t>(phases));
    int64_t total = 0;
    int64_t previous = 0;
    for (int64_t f = 0; f < phases; ++f) {
      const int64_t now = port.written[static_cast<size_t>(f)];
      EXPECT_EQ(now - previous, std::min(g, rows - f * g)) << "f=" << f;
      total += now - previous;
      previous = now;
    }
    EXPECT_EQ(total, rows);
  }
}

TEST(Phases, SingleFiringWritesEveryRow) {
  const OutputPort port = output_port(0, 9, 4, 1);  // e.g. a barrier whose outputs differ
  EXPECT_EQ(port.written, (std::vector<int64_t>{9}));
  EXPECT_THROW(output_port(0, 0, 1, 1), std::invalid_argument);
  EXPECT_THROW(input_port(0, std::vector<RowRange>{}, 4, 1), std::invalid_argument);
}

}  // namespace
}  // namespace bufopt::dataflow
