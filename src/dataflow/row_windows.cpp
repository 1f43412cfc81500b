#include "bufopt/dataflow/row_windows.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace bufopt::dataflow {

namespace {

// Geometry values come from a model and may be any int64; products of two of them are computed
// exactly in 128 bits and only the results, clamped to [0, in_rows], return to int64.
using Wide = __int128;

Wide floor_div(Wide a, Wide b) {  // b > 0
  Wide q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

Wide ceil_div(Wide a, Wide b) {
  return -floor_div(-a, b);
}  // b > 0

Wide floor_mod(Wide a, Wide b) {
  return a - floor_div(a, b) * b;
}  // b > 0, result in [0, b)

/// The exact rows one output row reads: [first, last], or none.
struct ReadRows {
  bool any = false;
  Wide first = 0;
  Wide last = 0;
};

void check_positive(int64_t value, const char* what) {
  if (value < 1) throw std::invalid_argument(std::string("row map: ") + what + " must be at least 1");
}

/// Sliding window: taps r*s - p + j*d, j in [0, k), that land in [0, in_rows).
ReadRows sliding_rows(const graph::SlidingWindow& map, int64_t row, int64_t in_rows) {
  const Wide base = Wide{row} * map.stride - map.pad_begin;
  const Wide first_tap = base >= 0 ? Wide{0} : ceil_div(-base, map.dilation);
  const Wide last_tap = std::min<Wide>(map.kernel - 1, floor_div(Wide{in_rows} - 1 - base, map.dilation));
  if (first_tap > last_tap) return {};
  return {true, base + first_tap * map.dilation, base + last_tap * map.dilation};
}

/// Extended Euclid: returns g = gcd(a, b) and sets x with a*x = g (mod b).
Wide gcd_with_inverse(Wide a, Wide b, Wide& x) {
  Wide old_r = a, r = b, old_x = 1, cur_x = 0;
  while (r != 0) {
    const Wide q = old_r / r;
    const Wide next_r = old_r - q * r;
    old_r = r;
    r = next_r;
    const Wide next_x = old_x - q * cur_x;
    old_x = cur_x;
    cur_x = next_x;
  }
  x = old_x;
  return old_r;
}

/// ConvTranspose: input rows i in [0, in_rows) with i*s + j*d = r + p for some j in [0, k).
/// The j that solve it form an arithmetic progression (d*j = r+p mod s); the smallest i comes
/// from the largest j, the largest i from the smallest j.
ReadRows transposed_rows(const graph::TransposedWindow& map, int64_t row, int64_t in_rows) {
  if (in_rows < 1) return {};
  const Wide s = map.stride;
  const Wide d = map.dilation;
  const Wide c = Wide{row} + map.pad_begin;
  // 0 <= (c - j*d) / s <= in_rows - 1 bounds j; so does [0, k).
  const Wide j_low = std::max<Wide>(0, ceil_div(c - (Wide{in_rows} - 1) * s, d));
  const Wide j_high = std::min<Wide>(Wide{map.kernel} - 1, floor_div(c, d));
  if (j_low > j_high) return {};
  Wide inverse = 0;
  const Wide g = gcd_with_inverse(floor_mod(d, s), s, inverse);
  if (floor_mod(c, g) != 0) return {};
  const Wide period = s / g;
  // d*j = c (mod s)  <=>  (d/g)*j = c/g (mod s/g), and inverse*(d/g) = 1 (mod s/g).
  const Wide residue = floor_mod(floor_mod(floor_div(c, g), period) * floor_mod(inverse, period), period);
  const Wide j_max = j_high - floor_mod(j_high - residue, period);
  const Wide j_min = j_low + floor_mod(residue - j_low, period);
  if (j_max < j_low) return {};
  return {true, (c - j_max * d) / s, (c - j_min * d) / s};
}

/// ONNX Resize: the input coordinate x_original of output row `row`, for an output of
/// `resized` rows (ONNX's length_resized: in_rows * scale, fractional when `scales` was given).
double resize_coordinate(const graph::ResizeRows& map, int64_t row, int64_t in_rows, double resized) {
  using C = graph::ResizeRows::Coordinates;
  const auto r = static_cast<double>(row);
  switch (map.coordinates) {
    case C::kHalfPixel:
      return (r + 0.5) / map.scale - 0.5;
    case C::kPytorchHalfPixel:
      return resized > 1 ? (r + 0.5) / map.scale - 0.5 : 0.0;
    case C::kAlignCorners:
      // Uses the lengths, not the scale: the corners of input and output coincide.
      return resized == 1 ? 0.0 : r * static_cast<double>(in_rows - 1) / (resized - 1);
    case C::kAsymmetric:
      return r / map.scale;
    case C::kTfHalfPixelForNn:
      return (r + 0.5) / map.scale;
  }
  throw std::invalid_argument("row map: unknown Resize coordinate transformation");
}

/// ONNX nearest_mode applied to x (already bounded, so the result fits int64).
int64_t round_nearest(graph::ResizeRows::Rounding rounding, double x) {
  using R = graph::ResizeRows::Rounding;
  const double below = std::floor(x);
  const double fraction = x - below;
  const auto floor_row = static_cast<int64_t>(below);
  switch (rounding) {
    case R::kRoundPreferFloor:
      return fraction <= 0.5 ? floor_row : floor_row + 1;
    case R::kRoundPreferCeil:
      return fraction < 0.5 ? floor_row : floor_row + 1;
    case R::kFloor:
      return floor_row;
    case R::kCeil:
      return fraction > 0.0 ? floor_row + 1 : floor_row;
  }
  throw std::invalid_argument("row map: unknown Resize nearest mode");
}

/// Resize for an output of `resized` rows (resize_coordinate): nearest reads its rounded row;
/// linear floor(x), floor(x)+1 with x clamped to [0, in_rows-1] first, as ONNX Runtime does;
/// cubic floor(x)-1 .. floor(x)+2. Indices clamp to the input (ONNX pads the edge).
ReadRows resize_rows_at(const graph::ResizeRows& map, int64_t row, int64_t in_rows, double resized) {
  using I = graph::ResizeRows::Interpolation;
  if (in_rows < 1) return {};
  const double top = static_cast<double>(in_rows - 1);
  // Bounding x keeps every conversion to int64 defined; rows beyond the edge clamp anyway.
  double x = std::clamp(resize_coordinate(map, row, in_rows, resized), -4.0, top + 4.0);
  Wide first = 0;
  Wide last = 0;
  switch (map.interpolation) {
    case I::kNearest:
      first = last = round_nearest(map.rounding, x);
      break;
    case I::kLinear:
      x = std::clamp(x, 0.0, top);
      first = static_cast<int64_t>(std::floor(x));
      last = first + 1;
      break;
    case I::kCubic:
      first = static_cast<int64_t>(std::floor(x)) - 1;
      last = first + 3;
      break;
  }
  return {true, std::clamp<Wide>(first, 0, in_rows - 1), std::clamp<Wide>(last, 0, in_rows - 1)};
}

/// Resize: the rows resize_rows_at reads for length_resized = in_rows * scale (ONNX's reference
/// with `scales`: a downsample by 0.8 of 4 rows has length 3.2, not 3). With `sizes` (scale =
/// out / in) runtimes use out_rows, which in_rows * scale may miss by an ulp: when the two are
/// that close, the union of both, so the window holds either way.
ReadRows resize_rows(const graph::ResizeRows& map, int64_t row, int64_t in_rows, int64_t out_rows) {
  const double resized = static_cast<double>(in_rows) * map.scale;
  const ReadRows scaled = resize_rows_at(map, row, in_rows, resized);
  const auto out = static_cast<double>(out_rows);
  if (std::fabs(resized - out) > 1e-9 * std::max(1.0, out)) return scaled;
  const ReadRows sized = resize_rows_at(map, row, in_rows, out);
  if (!scaled.any) return sized;
  if (!sized.any) return scaled;
  return {true, std::min(scaled.first, sized.first), std::max(scaled.last, sized.last)};
}

/// The tightest monotone cover of exact read sets: begin = smallest first row of this or any
/// later row, end = one past the largest last row of this or any earlier row. It equals the
/// exact windows when those are monotone, and otherwise widens, never drops, a row. An output
/// row that reads nothing gets an empty window placed so both sequences stay monotone.
std::vector<RowRange> monotone_cover(const std::vector<ReadRows>& rows, int64_t in_rows) {
  const size_t count = rows.size();
  std::vector<RowRange> windows(count);
  Wide later_first = in_rows;
  for (size_t r = count; r-- > 0;) {
    if (rows[r].any) later_first = std::min(later_first, rows[r].first);
    windows[r].begin = static_cast<int64_t>(std::clamp<Wide>(later_first, 0, in_rows));
  }
  Wide earlier_end = 0;
  for (size_t r = 0; r < count; ++r) {
    if (rows[r].any) earlier_end = std::max(earlier_end, rows[r].last + 1);
    const auto end = static_cast<int64_t>(std::clamp<Wide>(earlier_end, 0, in_rows));
    windows[r].end = std::max(windows[r].begin, end);
  }
  return windows;
}

template <typename Exact>
std::vector<RowRange> cover_rows(int64_t in_rows, int64_t out_rows, Exact exact) {
  std::vector<ReadRows> rows(static_cast<size_t>(out_rows));
  for (int64_t r = 0; r < out_rows; ++r) rows[static_cast<size_t>(r)] = exact(r);
  return monotone_cover(rows, in_rows);
}

}  // namespace

std::vector<RowRange> row_windows(const graph::RowMap& map, int64_t in_rows, int64_t out_rows) {
  if (out_rows < 0) throw std::invalid_argument("row_windows: negative output rows");
  in_rows = std::max<int64_t>(in_rows, 0);
  return std::visit(
      [&](const auto& m) -> std::vector<RowRange> {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, graph::WholeInput>) {
          return std::vector<RowRange>(static_cast<size_t>(out_rows), RowRange{0, in_rows});
        } else if constexpr (std::is_same_v<M, graph::BroadcastRow>) {
          return std::vector<RowRange>(static_cast<size_t>(out_rows), RowRange{0, std::min<int64_t>(in_rows, 1)});
        } else if constexpr (std::is_same_v<M, graph::SlidingWindow>) {
          check_positive(m.kernel, "kernel");
          check_positive(m.stride, "stride");
          check_positive(m.dilation, "dilation");
          return cover_rows(in_rows, out_rows, [&](int64_t r) { return sliding_rows(m, r, in_rows); });
        } else if constexpr (std::is_same_v<M, graph::TransposedWindow>) {
          check_positive(m.kernel, "kernel");
          check_positive(m.stride, "stride");
          check_positive(m.dilation, "dilation");
          return cover_rows(in_rows, out_rows, [&](int64_t r) { return transposed_rows(m, r, in_rows); });
        } else {
          static_assert(std::is_same_v<M, graph::ResizeRows>);
          if (!std::isfinite(m.scale) || m.scale <= 0.0) {
            throw std::invalid_argument("row map: Resize scale must be positive and finite");
          }
          return cover_rows(in_rows, out_rows, [&](int64_t r) { return resize_rows(m, r, in_rows, out_rows); });
        }
      },
      map);
}

}  // namespace bufopt::dataflow
