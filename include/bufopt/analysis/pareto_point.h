#pragma once
/// One point of the memory / slowdown trade-off, in either mode (optimizer.h and
/// pipelined/optimizer.h compute fronts of them; report/pareto.h plots them).
#include <cstdint>

namespace bufopt::analysis {

/// One optimised answer at one bound R.
struct ParetoPoint {
  double max_slowdown = 1;
  double slowdown = 1;
  int64_t shared_bytes = 0;
  int64_t fifo_bytes = 0;
};

}  // namespace bufopt::analysis
