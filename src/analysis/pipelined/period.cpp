// Pipelined mode: exact time arithmetic in integer picoseconds.
#include <cmath>
#include <limits>
#include <numeric>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pipelined/period.h"

namespace bufopt::analysis {

Ticks to_ticks(double seconds) {
  if (!(seconds > 0)) return 0;
  const double ticks = std::round(seconds * kTicksPerSecond);
  // Saturate well below INT64_MAX so sums of a few durations cannot overflow.
  constexpr double kMaxTicks = 1e17;
  return static_cast<Ticks>(std::min(ticks, kMaxTicks));
}

double Period::throughput_per_s() const {
  if (ticks <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(images) * kTicksPerSecond / static_cast<double>(ticks);
}

Period make_period(Ticks ticks, int64_t images) {
  if (images < 1 || ticks < 0) throw std::invalid_argument("make_period: images >= 1 and ticks >= 0 expected");
  const int64_t divisor = std::gcd(ticks, images);
  return {ticks / divisor, images / divisor};
}

bool shorter(const Period& a, const Period& b) {
  return static_cast<__int128>(a.ticks) * b.images < static_cast<__int128>(b.ticks) * a.images;
}

double period_ratio(const Period& a, Ticks b) {
  if (b <= 0) return a.ticks <= 0 ? 1.0 : std::numeric_limits<double>::infinity();
  return static_cast<double>(a.ticks) / (static_cast<double>(a.images) * static_cast<double>(b));
}

bool within_slowdown(const Period& period, Ticks baseline, double max_slowdown) {
  const long double bound = (static_cast<long double>(max_slowdown) + kSlowdownTolerance) *
                            static_cast<long double>(baseline) * static_cast<long double>(period.images);
  return static_cast<long double>(period.ticks) <= bound;
}

}  // namespace bufopt::analysis
