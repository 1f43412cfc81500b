#pragma once
/// The independent verifier (MODEL 7), the self-check of every answer. It shares no code with
/// the scheduler or the usage measurement: it replays the order token by token against the
/// claimed capacities, offsets and time.
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

struct VerifyReport {
  bool ok = true;
  /// One line per violation (the first few of each kind).
  std::vector<std::string> errors;
};

/// Checks `evaluation` against `graph` and `options`:
/// - the network matches the graph and the claimed granularities (rebuilt independently);
/// - every node fires exactly `phases` times; every firing finds its input windows written and
///   not released, and writing never takes a counted channel above its claimed capacity;
/// - MODEL 4.1 in-place storages (Evaluation::storage_of): each shared buffer is written by an
///   element-wise actor reading row r of an input of the same storage for each row r it writes,
///   with the storage's capacity and offset; a storage's resident rows never exceed its
///   capacity; an in-place write never overwrites a row another reader of its input still needs;
/// - no deadlock (the order is complete and each firing is enabled when it runs);
/// - claimed lifetimes cover every moment a buffer holds rows; arena offsets + sizes of
///   buffers alive at the same time never overlap, and fit in the claimed arena size;
/// - fifo_bytes, time_s, baseline_time_s and slowdown equal their recomputation, and
///   slowdown <= options.max_slowdown (+1e-9).
/// What it does NOT check: that the row windows are right for the operators. It rebuilds the
/// network with the same dataflow::build_network the optimizer uses (only streaming reductions
/// are modelled here independently), so a wrong window (padding, ceil_mode, dilation, a Resize
/// coordinate mode, an NHWC transpose) would pass both. Windows are proven with real data by
/// the executor instead (`bufopt run`, execute/): a kernel reading a row its window does not
/// hold is an error there, and by-parts outputs must equal layer-by-layer outputs bit for bit.
VerifyReport verify(const graph::Graph& graph, const Evaluation& evaluation, const AnalysisOptions& options);

}  // namespace bufopt::analysis
