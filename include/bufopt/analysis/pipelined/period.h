#pragma once
/// Pipelined mode: exact time arithmetic in integer picoseconds (pipelined.h has the model).
#include <cstdint>

namespace bufopt::analysis {

/// Time in picoseconds.
using Ticks = int64_t;
inline constexpr double kTicksPerSecond = 1e12;

/// Seconds rounded to the nearest tick (saturating; negative and NaN give 0).
Ticks to_ticks(double seconds);

/// A steady-state time per image, exact: `ticks` over `images` images, in lowest terms.
struct Period {
  Ticks ticks = 0;
  int64_t images = 1;
  double seconds() const { return static_cast<double>(ticks) / kTicksPerSecond / static_cast<double>(images); }
  /// Images per second; +infinity for a zero period.
  double throughput_per_s() const;
  friend bool operator==(const Period&, const Period&) = default;
};

/// ticks / images in lowest terms (images >= 1).
Period make_period(Ticks ticks, int64_t images);

/// a < b, compared exactly.
bool shorter(const Period& a, const Period& b);

/// a / b as a double (1 when both are zero).
double period_ratio(const Period& a, Ticks b);

/// period <= max_slowdown x baseline, exactly up to MODEL 5's tolerance on the ratio.
bool within_slowdown(const Period& period, Ticks baseline, double max_slowdown);

}  // namespace bufopt::analysis
