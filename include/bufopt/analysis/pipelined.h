#pragma once
/// Pipelined mode (SPEC 5): every actor on its own processor, self-timed, no auto-concurrency,
/// images streamed one after another. What it computes, and the sizing that uses it.
///
/// Execution model.
/// - Firing f of actor a takes `work_a * rows_f / H_a + delta` where work_a is the actor's
///   compute per inference (the work model of time_model.h, or a measured time minus one
///   overhead: options.actor_seconds), rows_f the phase rows of the firing and H_a the
///   actor's phase rows (dataflow::phase_rows: output rows, or the input rows a streaming
///   reduction consumes): a phase costs its share of the work plus one firing overhead.
///   Times are integer picoseconds (Ticks); work is apportioned so the phases of one actor sum
///   to its rounded work exactly. Sources and sinks (--stream-io) take no time.
/// - Rows of image k on a channel of H rows are rows k*H .. k*H+H-1 of one endless FIFO. A
///   firing starts as soon as (1) the node's previous firing has ended (no auto-concurrency;
///   after phase P-1 of image k comes phase 0 of image k+1), (2) each non-empty input window
///   of this image is written (rows are written when the producing firing ends), and (3) each
///   bounded output channel has room: SPEC 4's occupancy `written_after - min(m, written_before)`
///   <= capacity, with m the lowest release point of its readers; a reader releases rows when
///   its firing ends.
/// - Graph I/O. Without --stream-io a graph input is held by the application: every row of every
///   image is there from the start (the producer side costs nothing and never waits), and a
///   graph output is drained at no cost. An output that an actor also reads is held by the
///   application too: it gets a capacity (images the application keeps) that costs no bytes.
///   With --stream-io a source writes the input one row per firing and a sink reads each output
///   row, both in zero time, and their FIFOs are counted like any other.
/// - Throughput is the steady-state rate of this self-timed execution. The start times are a
///   max-plus linear recurrence over images: firing v of image k starts at the maximum over its
///   dependencies u (image k - d) of start(u) + duration(u). Its period per image is the maximum
///   cycle ratio (duration sum / image-delay sum) of the dependency graph, computed exactly by
///   Howard's policy iteration in integer arithmetic. A cycle of zero delay is a deadlock.
/// - Baseline: every actor unsplit, unbounded buffers: no cycle but each actor's own, so its
///   period is max_a (work_a + delta). slowdown = period / baseline period (>= 1).
/// - Memory: in a pipeline every buffer lives all the time, so shared_bytes = fifo_bytes.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bufopt/analysis/evaluate.h"
#include "bufopt/analysis/optimizer.h"
#include "bufopt/analysis/verify.h"
#include "bufopt/dataflow/network.h"
#include "bufopt/graph/graph.h"

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

/// period <= max_slowdown x baseline, exactly up to SPEC 5's tolerance on the ratio.
bool within_slowdown(const Period& period, Ticks baseline, double max_slowdown);

/// Duration of every firing: ticks[node][phase] (sources and sinks: 0).
struct FiringTimes {
  std::vector<std::vector<Ticks>> ticks;
};

/// Compute seconds of one actor per inference without firing overhead: options.actor_seconds
/// minus one overhead (at least 0) when it names the actor, else the work model.
double pipelined_work_seconds(const graph::Actor& actor, const AnalysisOptions& options);

/// Firing durations of `network` (the model above).
FiringTimes firing_times(const graph::Graph& graph, const dataflow::Network& network, const AnalysisOptions& options);

/// Baseline period: max over actors of (work + overhead), every actor unsplit, unbounded buffers.
Ticks baseline_period_ticks(const graph::Graph& graph, const AnalysisOptions& options);

/// The largest busy time of one node per image (sum of its firings): no capacity beats it.
Ticks slowest_node_ticks(const FiringTimes& times);

/// Capacity of a channel that never limits its producer.
inline constexpr int64_t kUnboundedRows = std::numeric_limits<int64_t>::max();

/// True when `channel` can limit execution: it has a producer and at least one reader. Its
/// capacity is then a plan's choice (bytes when counted, free when held by the application).
bool bounded_channel(const dataflow::Channel& channel);

/// True when a plan gives `channel` a capacity: it has a producer. A channel nobody reads (an
/// output the model drops) still holds the rows one firing writes (SPEC 4); it never limits.
bool sized_channel(const dataflow::Channel& channel);

/// Why one firing waits for another.
enum class DependencyKind {
  kSequence,  ///< the node's previous firing (no auto-concurrency)
  kData,      ///< the firing that writes the last row of an input window
  kSpace,     ///< the reader firing whose release makes room in an output channel
};

/// One edge of the dependency graph: firing (to_node, to_phase) of image k waits for the end
/// of firing (from_node, from_phase) of image k - delay.
struct Dependency {
  dataflow::NodeId from_node = 0;
  int64_t from_phase = 0;
  dataflow::NodeId to_node = 0;
  int64_t to_phase = 0;
  int64_t delay = 0;
  DependencyKind kind = DependencyKind::kSequence;
  /// kData / kSpace: the channel; -1 for kSequence.
  dataflow::ChannelId channel = -1;
};

/// The steady state of one network under one capacity vector.
struct ThroughputAnalysis {
  /// False when some firings of one image wait for each other (a deadlock).
  bool live = false;
  /// live: time per image in the periodic regime.
  Period period;
  /// live: a critical cycle (its ratio is the period); not live: a cycle of zero delay. In
  /// dependency order (each edge's to_* is the next edge's from_*).
  std::vector<Dependency> cycle;
  /// Iterations of the policy iteration (effort).
  int64_t iterations = 0;
};

/// Analyses the self-timed execution of `network` with `capacity_rows` (per channel; read only
/// for bounded channels; kUnboundedRows: never limits). Throws std::invalid_argument when a
/// bounded channel's capacity is below the rows one producer firing writes, or on malformed
/// vectors. Cost: O(firings x ports) per policy iteration.
ThroughputAnalysis analyze_throughput(const dataflow::Network& network, const FiringTimes& times,
                                      std::span<const int64_t> capacity_rows);

/// Start tick of every firing of the first image (self-timed, from empty buffers), ordered as
/// starts[node][phase], and the sequential list of those firings by start time (ties in
/// dependency order): the order the report shows. Requires a live capacity vector.
struct FirstImage {
  std::vector<std::vector<Ticks>> starts;
  std::vector<dataflow::NodeId> order;
  Ticks latency = 0;  ///< end of the last firing of the first image
};

/// Analyses one network under many capacity vectors: the dependency graph is built once and
/// only its space dependencies follow each new vector, and Howard's iteration starts from the
/// previous answer's policy (a vector differing in a few channels converges in a few
/// iterations). Holds references to the network's ports: the network must outlive it.
class ThroughputAnalyzer {
 public:
  ThroughputAnalyzer(const dataflow::Network& network, const FiringTimes& times);
  ~ThroughputAnalyzer();
  ThroughputAnalyzer(ThroughputAnalyzer&&) noexcept;
  ThroughputAnalyzer& operator=(ThroughputAnalyzer&&) noexcept;

  /// As analyze_throughput. `remember`: keep this answer's policy as the next warm start (false
  /// for a trial the caller will undo, so the next analysis starts from the kept one).
  ThroughputAnalysis analyze(std::span<const int64_t> capacity_rows, bool remember = true);
  /// As first_image.
  FirstImage first_image(std::span<const int64_t> capacity_rows);

 private:
  struct State;
  size_t channels_ = 0;
  std::unique_ptr<State> state_;
};

/// The first image's self-timed start times under `capacity_rows` (live).
FirstImage first_image(const dataflow::Network& network, const FiringTimes& times,
                       std::span<const int64_t> capacity_rows);

/// Per channel, the capacity no valid plan can go below (SPEC 4): the rows one producer firing
/// writes and, for each reader firing, the rows from its previous release point to its window
/// end (they are all held while it fires). 0 for channels nobody writes.
std::vector<int64_t> capacity_lower_bounds(const dataflow::Network& network);

/// A lower bound on fifo_bytes (= shared_bytes) of every pipelined plan meeting
/// options.max_slowdown: per counted channel, the larger of (a) the widest window one row of a
/// reader spans (every firing's window contains the windows of its rows) and (b) the rows one
/// firing of the producer writes at the finest granularity R allows (pipelined_granularity at
/// level R: a plan meeting R has every actor's busy time within R x baseline).
int64_t pipelined_lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options);

/// A pipelined answer.
struct PipelinedPlan {
  std::vector<int64_t> granularity;  ///< per actor, effective
  std::vector<int64_t> phases;       ///< per actor
  dataflow::Network network;
  /// Per channel: rows; for channels with a producer the plan's capacity (uncounted ones cost
  /// nothing), 0 for the others.
  std::vector<int64_t> capacity_rows;
  FiringTimes times;
  Period period;
  Ticks baseline_period = 0;
  double slowdown = 1;
  int64_t fifo_bytes = 0;  ///< sum over counted channels of capacity * row_bytes (= shared)
  /// A critical cycle of the answer (what limits its throughput).
  std::vector<Dependency> critical_cycle;
};

/// Effort bounds of the heuristic.
struct PipelinedLimits {
  /// Capacity enlargements per granularity candidate.
  int64_t max_enlargements = 200'000;
  /// Channels of a critical cycle tried per enlargement (cheapest first).
  int trial_channels = 2;
};

/// Sizes the capacities of one granularity vector for period <= target_ratio x baseline.
/// Steps:
///  1. start every bounded channel at its lower bound (capacity_lower_bounds; uncounted bounded
///     channels at one image);
///  2. while some firings of one image wait for each other (a zero-delay cycle: a residual or
///     concat whose skip buffer is shorter than the long branch), enlarge the channel of that
///     cycle whose smallest useful step costs fewest bytes: the step moves its space dependency
///     to the previous release of the reader, the least that changes the cycle;
///  3. while the period exceeds the target: take the critical cycle's channels, try each one's
///     smallest useful step (at most limits.trial_channels, cheapest first; for a channel
///     enlarged before, also twice its last step, so a skip buffer hundreds of rows short takes
///     logarithmically many steps) and keep the one that shortens the period most per byte
///     (free steps first; when none shortens it, the cheapest: it removes this critical cycle).
/// Every state passed through is reported in `front` (bytes, slowdown), Pareto-filtered.
/// The path does not depend on the target (it only decides where to stop), so a larger target
/// stops at a subset of the path. nullopt when the target is below the granularity's own bound
/// (its slowest actor), the enlargement budget runs out, or the bytes exceed `bytes_cutoff`
/// (bytes only grow along the path: the optimizer passes the best answer so far).
struct SizingResult {
  std::optional<PipelinedPlan> plan;
  std::vector<ParetoPoint> front;
  int64_t analyses = 0;   ///< throughput analyses run
  int64_t iterations = 0;  ///< policy iterations over all analyses
};
SizingResult size_pipelined(const graph::Graph& graph, std::span<const int64_t> granularity,
                            const AnalysisOptions& options, double target_ratio, const PipelinedLimits& limits = {},
                            int64_t bytes_cutoff = std::numeric_limits<int64_t>::max());

/// Granularity of every actor for a period budget of `level` x baseline: the most phases
/// (the finest granularity) whose busy time work + phases x delta fits, one row per firing when
/// the overhead is 0. Barriers and one-row actors fire once.
std::vector<int64_t> pipelined_granularity(const graph::Graph& graph, const AnalysisOptions& options, double level);

/// The budget levels <= max_slowdown tried by the optimizer, from a fixed ladder independent of
/// R: 1, then 1 + m x 10^e for m in 1, 2, 5 and e >= -3 (1.001, 1.002, 1.005, 1.01, ..., 1.5, 2,
/// 3, 6, 11, ...).
std::vector<double> pipelined_levels(double max_slowdown);

/// The pipelined optimizer. Steps: for every ladder level <= R, finest first, the granularity
/// of that level (pipelined_granularity; duplicates skipped); size it for R (size_pipelined,
/// cut short once it needs as many bytes as the best plan so far); keep the plan with the
/// fewest bytes (ties: the finest granularity, found first). Guarantees: the answer meets R exactly
/// (checked in integer ticks), is live, and since every candidate's sizing path does not depend
/// on R and the candidates of a smaller R are among those of a larger R, its bytes never grow
/// with R. A heuristic: exact_pipelined_plan gives the optimum on small graphs. nullopt when no
/// candidate meets R within the limits (never for R >= 1 with the default limits in practice).
std::optional<PipelinedPlan> optimize_pipelined(const graph::Graph& graph, const AnalysisOptions& options,
                                                const PipelinedLimits& limits = {});

/// The memory / slowdown trade-off: for each R in `slowdowns` (ascending), the fewest bytes the
/// optimizer finds, carrying the previous answer forward (it meets every larger R).
std::vector<ParetoPoint> pipelined_pareto_front(const graph::Graph& graph, const AnalysisOptions& options,
                                                const std::vector<double>& slowdowns);

/// Bounds of the exhaustive search.
struct PipelinedExactLimits {
  /// Candidate (granularity, capacity) vectors examined.
  int64_t max_candidates = 2'000'000;
  /// Each bounded channel's capacity ranges over [lower bound, lower bound + extra x rows].
  int64_t extra_images = 1;
};

/// Exhaustive optimum for small graphs: every granularity vector (each actor 1..H, barriers
/// whole) and every capacity vector within [lower bound, lower bound + extra_images x rows] per
/// bounded channel (uncounted bounded channels at the top: they are free); the fewest bytes
/// whose period meets options.max_slowdown (ties: shorter period, then first found).
/// nullopt beyond the limits or when nothing in the box meets R.
std::optional<PipelinedPlan> exact_pipelined_plan(const graph::Graph& graph, const AnalysisOptions& options,
                                                  const PipelinedExactLimits& limits = {});

/// The independent check of a pipelined answer. It shares no code with the sizing or the
/// throughput analysis: it rebuilds the network from the graph and the claimed granularities,
/// recomputes every firing time from the model, and replays the self-timed execution image
/// after image, row by row, with an event queue, until its state (every node's phase and
/// remaining busy time, every channel's rows written and released, relative to the image
/// count) repeats. It checks: no deadlock; every firing finds its window written and not
/// released; SPEC 4 occupancy never above capacity; the measured period equals the claimed one
/// exactly; slowdown and baseline recomputed and slowdown <= R (+1e-9); fifo_bytes recomputed.
VerifyReport verify_pipelined(const graph::Graph& graph, const PipelinedPlan& plan, const AnalysisOptions& options);

/// The figures a report prints of a pipelined answer.
struct PipelinedFigures {
  double throughput_per_s = 0;
  double baseline_throughput_per_s = 0;
  double period_s = 0;
  double baseline_period_s = 0;
  /// Seconds of every firing, [node][phase] (the execution times an SDF3 export carries).
  std::vector<std::vector<double>> firing_s;
  /// Latency of the first image from empty buffers.
  double first_image_latency_s = 0;
  /// Names of the nodes on the critical cycle, in cycle order without repetition.
  std::vector<std::string> critical_nodes;
  /// Names of the channels whose capacity bounds the critical cycle (empty: the slowest actor
  /// sets the period).
  std::vector<std::string> critical_buffers;
};

/// The sequential-shaped Evaluation the reporters read (capacities of counted channels, every
/// buffer alive from the first to the last firing of the first image's order, offsets packed in
/// channel order, shared_bytes = fifo_bytes, time_s = period, baseline_time_s = baseline
/// period), and the pipelined figures.
Evaluation pipelined_evaluation(const PipelinedPlan& plan);
PipelinedFigures pipelined_figures(const graph::Graph& graph, const PipelinedPlan& plan);

}  // namespace bufopt::analysis
