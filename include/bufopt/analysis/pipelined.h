#pragma once
/// Pipelined mode (MODEL 5): every actor on its own processor, self-timed, no auto-concurrency,
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
///   bounded output channel has room: MODEL 4's occupancy `written_after - min(m, written_before)`
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
///
/// Where each part lives (include/bufopt/analysis/pipelined/, src/analysis/pipelined/):
/// period.h (exact time arithmetic), firing_times.h (durations, baseline), throughput.h
/// (dependency graph, Howard's iteration, first image), plan.h (an answer), lower_bound.h,
/// sizing.h (capacities along critical cycles), optimizer.h (ladder of levels, Pareto front),
/// verify.h (the independent replay), figures.h (what reports read), exact.h (the test oracle).
/// This header includes the production parts for callers that use the whole mode.
#include "bufopt/analysis/pipelined/figures.h"
#include "bufopt/analysis/pipelined/firing_times.h"
#include "bufopt/analysis/pipelined/lower_bound.h"
#include "bufopt/analysis/pipelined/optimizer.h"
#include "bufopt/analysis/pipelined/period.h"
#include "bufopt/analysis/pipelined/plan.h"
#include "bufopt/analysis/pipelined/sizing.h"
#include "bufopt/analysis/pipelined/throughput.h"
#include "bufopt/analysis/pipelined/verify.h"
