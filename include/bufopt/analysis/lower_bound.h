#pragma once
/// A proven lower bound on the shared arena over every order and every granularity the
/// slowdown bound allows (MODEL 6).
///
/// Facts every bound below rests on (MODEL 3, 4, 6):
///  (a) Buffers alive at one firing (lifetimes from the first write to the last release, both
///      inclusive) occupy disjoint bytes of the arena, each its capacity * row bytes.
///  (b) A buffer's capacity is at least every window one of its readers' firings reads and the
///      rows one producer firing writes.
///  (c) Within R, actor a takes a granularity g >= minimum_granularity(a) (no actor can use more
///      than the whole budget of extra firings); a barrier takes its whole height.
///
/// The bound is the largest of:
///  0. Per firing (the bound of earlier releases): for each actor a, min over its granularities
///     g of the largest sum, over one firing of a, of its windows on its counted inputs plus the
///     rows it writes on its counted outputs (alive together during that firing, (a)).
///  1. Fewest rows per buffer: cap_min(t) = max over t's producer and readers x of
///     min over x's granularities of the rows x reads (its widest window) or writes (its largest
///     firing) on t; by (b) and (c) every plan within R gives t at least cap_min(t) rows.
///  2-4. At the last firing j of each actor a, a sum of capacities of buffers provably alive:
///  2. a's counted outputs (written at j or before, not complete before j) and its counted
///     inputs whose last firing's window is not empty (rows not yet released at j), each at
///     max(what a itself needs of it at g, cap_min from its other actors), minimised over a's g.
///  3. Order facts that hold in every complete order. x -> y is an "L" edge when y reads an
///     output of x and y's last phase row's window reaches that output's last row: x writes that
///     row at its last firing, so x's last firing precedes y's. L+ is its transitive closure.
///     "Before(a)": actors whose first firing precedes j: a, every z with a in L+(z), and
///     (closing backwards) every producer of a buffer that an actor of Before(a) reads in every
///     phase row (each firing of the reader needs a row of it, written by a firing of z).
///     A buffer t is *started* at j when its first row is written at or before j: its producer is
///     a, or is in Before(a) (a streaming reduction, which writes only at its last firing, must
///     be a or in L+ ancestry), or a reader in Before(a) reads t in every phase row, or a reads
///     some row of t. A buffer is *read late* when a reader c != a with c in L+(a) reads it at
///     its last firing (c's last window is not empty: rows of t stay unreleased until after j).
///  4. Cut: take any path t0 -> y1 -> t1 -> ... -> tk where t0 is started, each y(i+1) reads
///     t(i) at its last firing and writes t(i+1), and tk is read late. Some t(i) is alive at j:
///     if t0 .. t(i-1) are all finished before j, each y(i) made its last firing before j (its
///     last window held rows of t(i-1) until then), so t(i) is started before j; tk cannot be
///     finished before j since its late reader still needs it. Hence the buffers alive at j
///     meet every such path, and their bytes are at least the minimum weight vertex cut
///     separating started buffers from late-read ones, with weight cap_min(t) * row bytes (0 for
///     the buffers of step 2, already counted, and for uncounted graph I/O). A one-buffer path
///     is a bystander held across j (a residual skip, an encoder output awaiting its decoder).
///     The cut is a maximum flow (Dinic) on the buffer graph, split nodes.
///     Bound of a = step 2 + the cut (step 5 below refines the held part); the alive sets of
///     2 and 4 are disjoint by construction.
///  5. Budget shared at j: the held buffers of steps 2 and 4's one-buffer paths are charged to
///     one actor each (a's to a, a bystander to the actor imposing its cap_min), as bytes per
///     granularity of that actor. Every plan within R has sum_x extra_x(g_x) <= B, the budget of
///     extra firings, so for every lambda >= 0 the charged bytes are at least
///     sum_x min_g (bytes_x(g) + lambda * extra_x(g)) - lambda * B (Lagrangian duality, weak
///     form); lambda = 0 is the per-actor minimum, a geometric grid gives the others.
///  6. Pigeonhole over the whole graph: profile(a, g) = max(step 0 at g, step 2 + 4 at g with
///     every other actor at its fewest) bounds the arena of every plan in which a takes g. If
///     keeping every actor's profile below tau needs more than B extra firings in total
///     (sum_a of the fewest extra firings of a granularity with profile < tau), every plan
///     within R has some actor at profile >= tau: the arena is at least tau. The largest such
///     tau among the profile values (binary search: the condition is monotone in tau). This is
///     what makes R bind: each actor alone may stream, not all of them together.
///  7. Chains, at each actor's first firing j: follow one upstream chain t1 -> a2 -> t2 -> ...
///     -> t(k) -> a (each actor's largest input; a streaming reduction, whose releases run ahead
///     of its one written row, starts a new chain). Just before j, let w(i) be the rows of t(i)
///     written. The actor reading t(i) has written w(i+1) rows, so it has read up to the end of
///     row w(i+1)-1's window (w(i) >= that) and released at most the begin of row w(i+1)'s
///     window (everything once it wrote its last row); nothing is read or released in between,
///     so t(i) holds at least w(i) - that release rows, and is alive when w(i) > 0 and it is not
///     complete or not all released. t(k) holds a's first window, a's outputs are being written.
///     Every order has some such w, so the arena is at least the minimum over w (any integers,
///     a relaxation of the firing boundaries) of the sum of max(rows held, cap_min) * row bytes:
///     a dynamic programme along the chain, O(H_in * H_out) per actor. This is the segment
///     argument: either an upstream tensor is (nearly) whole at j, or every buffer below it
///     still streams and holds its FIFO.
/// Not counted: rows a pull order holds ahead of a window (lag between branches), buffers off
/// the chosen chains, and placement gaps.
/// Cost: step 0-1, O(H log H) per port of H rows; steps 2-5, one maximum flow on 2B+2 nodes per
/// actor (B buffers), skipped above kMomentBoundMaxActors actors (steps 0, 1 and 6 only);
/// step 6, O(log(profile values)) passes over the profiles; step 7, O(H_in * H_out) per actor
/// (a chain step above 2^22 cells starts a new chain).
#include <cstddef>
#include <cstdint>

#include "bufopt/analysis/evaluate.h"

namespace bufopt::analysis {

/// Graphs with more actors get only steps 0-1 of lower_bound_bytes (the cuts cost
/// O(actors * buffers) each).
inline constexpr size_t kMomentBoundMaxActors = 2000;

/// The smallest granularity actor `a` may take within options.max_slowdown: the budget of extra
/// firings is (R - 1) * T_baseline / overhead, and no actor can use more than all of it.
int64_t minimum_granularity(const graph::Graph& graph, graph::ActorId actor, const AnalysisOptions& options);

/// The bound of the header's steps 0-7: never above shared_bytes of any plan within
/// options.max_slowdown (nor above its peak of live bytes). With MODEL 4.1's rules
/// (shared_storage(options)) every buffer an in-place write may share its input's storage with
/// weighs nothing, and so does every input of a Concat that may be zero-copy, whose firings
/// then cost nothing while the time it saves adds to the budget of extra firings
/// (lower_bound.cpp: weightless_shared_buffers, zero_copy_relief): the bound holds for plans
/// with in-place writes and zero-copy Concats too; views are already out of the graph
/// (storage_graph).
int64_t lower_bound_bytes(const graph::Graph& graph, const AnalysisOptions& options);

}  // namespace bufopt::analysis
