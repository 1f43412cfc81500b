#pragma once
/// The reference method's own figures (mms_ga, Minakova & Stefanov; ../shared/ANCHORS.md) and
/// the zoo model that matches each of its model descriptions, for the tests and benchmarks that
/// hold bufopt against them.
#include <vector>

namespace bufopt::zoo {

/// One model of mms_ga's table: its best genetic-search point and the matching zoo model.
struct MmsGaPoint {
  const char* model;       ///< zoo architecture with the same geometry as mms_ga's description
  const char* their_name;  ///< the row of ANCHORS.md
  double no_split_mb;      ///< "no split" (one buffer per edge, fp32, MB = 1e6 B)
  double megabytes;        ///< best point of its search: memory ...
  double loss_ms;          ///< ... at this modelled time loss (0.5 us per extra phase)
};

/// The six rows of ANCHORS.md, in its order.
const std::vector<MmsGaPoint>& mms_ga_points();

/// mms_ga's delay per extra phase (bench/platforms/mms_ga.json sets the same).
inline constexpr double kMmsGaPhaseDelaySeconds = 5e-7;

}  // namespace bufopt::zoo
