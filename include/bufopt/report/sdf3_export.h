#pragma once
/// The analysed plan as an SDF3 cyclo-static dataflow graph (XML, `sdf3 type="csdf"`), so that
/// dataflow tools (SDF3, Kiter, ...) can re-analyse throughput and buffer sizes.
///
/// The export uses the reference method's own modelling (Minakova & Stefanov), since a CSDF
/// channel joins one producer to one consumer and consumes what it reads:
///  - one actor per bufopt node with its phases (granularity chosen by the analysis); every port
///    lists one rate per phase; `executionTime` per phase in integer nanoseconds (the
///    analysis's firing durations, analysis::firing_times: the work of the rows the phase
///    writes, or a measured time, plus the firing overhead; 0 for sources and sinks); a self-loop `sequence:<actor>` with one token forbids auto-concurrency (MODEL 5);
///  - one data channel per producer-consumer pair of every buffer (named after the buffer, with
///    `#k` for the k-th reader of a shared buffer); production per phase = rows the phase writes;
///    consumption per phase = the new rows the consumer's window needs beyond what it has
///    consumed, and its last phase also consumes the rows it never reads (a stride skipping the
///    last rows), so that both sum to the buffer's rows;
///  - the overlap of consecutive windows (rows consumed but still needed) kept in a self-loop
///    `overlap:<channel>` on the consumer: phase f produces the rows it keeps, phase f+1 consumes
///    them;
///  - the chosen capacity as a back-edge `space:<channel>` from consumer to producer: the
///    consumer returns the space of the rows it consumes, the producer takes the space of the
///    rows it writes; its initial tokens are the capacity (channelProperties bufferSize and
///    tokenSize = row bytes record it too);
///  - graph inputs and outputs held by the application (no --stream-io) become a source actor
///    `input:<name>` writing all rows in one phase, and a sink `output:<name>` reading them; they
///    get no back-edge (never limiting).
/// Where this differs from bufopt's exact model:
///  - a buffer with several readers is one memory in bufopt (a row is freed when every reader has
///    released it); here every reader has its own channel and back-edge, each with the shared
///    capacity: memory counted per channel would count that buffer once per reader;
///  - bufopt lets a reader release rows it never reads (stride skipping, the last rows) before
///    they are written, and such a row occupies its slot only while it is being written; CSDF
///    must consume those rows, so the consumer holds them until it fires next, and its last
///    phase waits for the unread last rows. The back-edge therefore gets the capacity plus the
///    most rows the reader has released ahead of what it has read, and at least the largest
///    consuming phase plus the producer's largest write minus one;
///  - the overlap held in the self-loop counts in bufopt's capacity (bufopt's buffer holds the
///    window); in the reference model it is the consumer's own memory, so the back-edge tokens
///    over-provision the channel by up to the overlap.
///  - CSDF cannot express two buffers sharing one storage (MODEL 4.1). A view is exported as its
///    storage's channel (its readers read that channel). A buffer written in place stays a
///    channel of its own, a plain FIFO whose back-edge holds its storage's capacity (the
///    capacity the analysis gives every buffer of a storage): enough for the plan's order, but
///    memory counted per channel counts that storage once per buffer of it (an
///    over-approximation). A zero-copy Concat's output is one buffer with several writers: its
///    slices stay channels of their own from their producers to the Concat, each with the
///    storage's capacity (the same over-approximation), and the Concat an actor of 1 ns per
///    phase (MODEL 4.1: no time; 1 ns is every actor's floor here) writing the output's channel.
///    A comment after the header lists each such buffer, the buffer it is written over or a
///    slice of (with the slice's range and the Concat), its storage and the capacity, in graph
///    order.
#include <string>

#include "bufopt/report/model_report.h"

namespace bufopt::report {

/// The SDF3 XML document of the analysed plan. Requires report.analysis.
std::string to_sdf3(const ModelReport& report);

}  // namespace bufopt::report
