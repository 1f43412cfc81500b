#pragma once
/// The figure of one analysis as a standalone SVG document (opens in any browser).
///
/// Top panel: the memory / slowdown trade-off. x is the allowed slowdown R on a log scale of
/// R - 1 (the budget of extra firings grows geometrically), with R = 1 at the left edge past an
/// axis break; y is bytes on a log scale. Step lines: bufopt's shared arena and FIFO sum and the
/// lower bound at each sampled R (a step holds until the next sample: the answer at R is also
/// available at any larger R); horizontal lines: the whole-tensor baselines; a diamond: the plan
/// the analysis chose. In pipelined mode R is the period ratio (pipelined.h) and the trade-off
/// is not sampled (an empty front: the panel says so).
/// Bottom panel (when the report has an analysis): every counted buffer in graph order, its
/// whole tensor and its bufopt capacity in bytes (log scale); each bar carries a tooltip with
/// the buffer's name, rows and bytes.
/// Guarantees: deterministic text (fixed number formats, no timestamps), names XML-escaped.
#include <string>

#include "bufopt/report/model_report.h"
#include "bufopt/report/pareto.h"
#include "bufopt/report/text_escape.h"

namespace bufopt::report {

/// The whole figure. `front` may be empty (then the top panel shows only the chosen plan and
/// the baselines).
std::string analysis_svg(const ModelReport& report, const ParetoFront& front);

}  // namespace bufopt::report
