#pragma once
/// The checks both independent verifiers make the same way (verify.h for sequential answers,
/// pipelined.h's verify_pipelined for pipelined ones): a log that keeps the first few
/// violations of each kind, the comparison of a claimed network with the one rebuilt from the
/// graph, and the verifiers' own model of a streaming reduction (MODEL 3). Internal to the
/// analysis module.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

namespace bufopt::analysis {

/// The kinds of violation, each reported at most ViolationLog::kLinesPerKind times.
enum class Violation {
  kClaimShape,
  kNetwork,
  kFiringCount,
  kWindow,
  kCapacity,
  kInPlace,  ///< MODEL 4.1: a shared storage that is not an allowed in-place write
  kLifetime,
  kArena,
  kFigure,
  kDeadlock,
  kPeriod,
  kCount
};

/// Collects violations, keeping the first few lines of each kind and counting the rest.
class ViolationLog {
 public:
  static constexpr size_t kLinesPerKind = 5;

  void add(Violation kind, std::string line);
  bool empty() const { return lines_.empty(); }
  /// The report: every kept line, then "... and N more <kind> violations" per kind cut short.
  VerifyReport finish() const;

 private:
  std::vector<int64_t> counts_ = std::vector<int64_t>(static_cast<size_t>(Violation::kCount), 0);
  std::vector<std::string> lines_;
};

/// "[b,e)" and "[x,y,...]" for messages.
std::string range_text(dataflow::RowRange range);
std::string ranges_text(const std::vector<dataflow::RowRange>& ranges);
std::string list_text(const std::vector<int64_t>& values);
std::string list_text(const std::vector<int32_t>& values);

/// One kNetwork line per node or channel of `claimed` that differs from `rebuilt`, saying what
/// differs first (kind, granularity, phases, a port's channel, windows, releases, writes; a
/// channel's rows, row bytes, producer, consumers, counting).
void compare_networks(const dataflow::Network& claimed, const dataflow::Network& rebuilt, ViolationLog& log);

/// The verifiers' own model of a streaming reduction (MODEL 3): with H input rows and
/// granularity g, ceil(H / g) firings; firing f reads input rows [f*g, min((f+1)*g, H)) and
/// releases them; nothing is written but at the last firing, which writes every output row.
/// One kNetwork line per reduction node of `rebuilt` that says otherwise.
void check_streaming_reductions(const graph::Graph& graph, const dataflow::Network& rebuilt, ViolationLog& log);

}  // namespace bufopt::analysis
