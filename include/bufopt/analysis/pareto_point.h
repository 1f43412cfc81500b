#pragma once
/// One point of the memory / slowdown trade-off, in either mode (optimizer.h and
/// pipelined/optimizer.h compute fronts of them; report/pareto.h plots them).
#include <cstdint>
#include <optional>
#include <vector>

namespace bufopt::analysis {

/// One optimised answer at one bound R.
struct ParetoPoint {
  double max_slowdown = 1;
  double slowdown = 1;
  int64_t shared_bytes = 0;
  int64_t fifo_bytes = 0;
};

/// Appends the answer at bound `max_slowdown` (nullopt: none) to `front`, whose bounds ascend
/// (both modes' fronts): the front's last point instead, relabelled to this bound, when its
/// arena is smaller or there is no answer, since an answer for a smaller bound meets this one
/// too. So the front never grows with R.
inline void append_carried(std::vector<ParetoPoint>& front, std::optional<ParetoPoint> point, double max_slowdown) {
  if (!front.empty() && (!point || front.back().shared_bytes < point->shared_bytes)) {
    point = front.back();
    point->max_slowdown = max_slowdown;
  }
  if (point) front.push_back(*point);
}

}  // namespace bufopt::analysis
