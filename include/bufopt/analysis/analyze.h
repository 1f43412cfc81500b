#pragma once
/// The whole analysis of one model: plan, evaluation, baselines, bound and verification.
#include <cstdint>
#include <optional>

#include "bufopt/analysis/baselines.h"
#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/pipelined.h"
#include "bufopt/analysis/verify.h"

namespace bufopt::analysis {

/// Why a buffer uses another buffer's storage (MODEL 4.1).
enum class StorageSharing {
  kOwn,      ///< a storage of its own (possibly shared by others)
  kView,     ///< a view's output (graph::Buffer::storage_of, Graph::views)
  kInPlace,  ///< written in place by its producer over one of its inputs (Evaluation::storage_of)
  kSlice,    ///< a zero-copy Concat's input: its producer writes into its slice of the Concat output's rows
};

/// How one buffer's storage is shared, as reports print it.
struct StorageLink {
  StorageSharing sharing = StorageSharing::kOwn;
  /// The buffer whose storage it uses (the storage's first buffer: never a view, never itself
  /// written in place); graph::kNoBuffer for kOwn.
  graph::BufferId storage = graph::kNoBuffer;
  /// kView: the buffer the view reads (EliminatedView::input, possibly a view itself);
  /// kInPlace: the input of `writer` it is written over (the previous buffer of the chain);
  /// kSlice: the Concat's output it is a slice of (the storage, unless that output is itself
  /// shared: then `storage` is that output's storage).
  graph::BufferId over = graph::kNoBuffer;
  /// kInPlace, kSlice: the actor writing it (its producer).
  graph::ActorId writer = graph::kNoActor;
  /// kView: index into Graph::views of the eliminated view; -1 otherwise.
  int64_t view = -1;
  /// kSlice: the zero-copy Concat reading it (a step of no time that copies nothing).
  graph::ActorId concat = graph::kNoActor;
  /// kSlice: the Concat's axis and the slice's index range [begin, end) along it in `over`
  /// (channels for a channel Concat of NCHW), and its bytes [byte_begin, byte_end) in each row of
  /// `over` (graph::zero_copy_slices).
  int64_t axis = -1;
  int64_t begin = 0;
  int64_t end = 0;
  int64_t byte_begin = 0;
  int64_t byte_end = 0;
};

/// Everything the reporter prints about one model.
struct AnalysisResult {
  AnalysisOptions options;
  /// The graph the evaluation, bound and verification index: the analysed graph after
  /// storage_graph (MODEL 4.1 views eliminated; the input graph itself when no view applies).
  /// Reports of this result read their actors and buffers from it.
  graph::Graph graph;
  Evaluation evaluation;
  Baselines baselines;
  int64_t lower_bound_bytes = 0;
  VerifyReport verification;
  /// options.mode == kPipelined: period, throughput and firing times of the answer. The
  /// evaluation then holds its network, capacities, the first image's order, the arena (every
  /// buffer packed: all live at once), fifo_bytes and slowdown, but no time_s / baseline_time_s
  /// (0) and no lifetimes (empty): see pipelined_evaluation.
  std::optional<PipelinedFigures> pipelined;

  /// Seconds per image, what reports print as time_s: one inference's time (sequential) or the
  /// period (pipelined); the baseline's likewise (layer by layer / every actor unsplit).
  double time_s() const { return pipelined ? pipelined->period_s : evaluation.time_s; }
  double baseline_time_s() const { return pipelined ? pipelined->baseline_period_s : evaluation.baseline_time_s; }

  /// The firings during which `channel` holds rows, as reports print them: measured
  /// (sequential); in pipelined mode every buffer with a capacity (counted, with a producer)
  /// lives for the whole period, i.e. over every firing of the order, and the others never.
  Lifetime lifetime(size_t channel) const;

  /// MODEL 4.1, both forms in one place (reports read this, not the graph or the evaluation):
  /// the buffer whose storage `buffer` uses, graph::kNoBuffer for a storage of its own. A view
  /// of a buffer written in place names that buffer's storage.
  graph::BufferId storage_of(size_t buffer) const { return storage_link(buffer).storage; }
  /// The buffer whose capacity, bytes, offset and lifetime `buffer` reports: its storage's, or
  /// itself.
  size_t storage_buffer(size_t buffer) const;
  /// Why: view, in place or slice, with the buffer it views, is written over or is a slice of,
  /// the writer and, for a slice, the Concat and the slice's range.
  StorageLink storage_link(size_t buffer) const;
  /// True when some buffer uses another's storage ("inplace" in summary.storage).
  bool shares_storage() const;
  /// True for the actors of zero-copy Concats (their inputs are slices; MODEL 4.1: no time).
  bool zero_copy_concat(graph::ActorId actor) const;
};

/// Runs on storage_graph(graph, options) (kept in AnalysisResult::graph); the baselines are
/// those of `graph` itself (MODEL 4.1: they keep the FIFO model). Chooses the granularities (the best policy
/// available), evaluates the plan, computes the baselines and the lower bound, and verifies the answer with the
/// independent verifier. In pipelined mode: optimize_pipelined, pipelined_lower_bound_bytes and verify_pipelined;
/// throws std::runtime_error when no plan meets options.max_slowdown within the search limits.
AnalysisResult analyze(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
