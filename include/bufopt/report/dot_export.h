#pragma once
/// The operator graph with the chosen plan, for Graphviz (`dot -Tsvg plan.dot > plan.svg`).
///
/// One box per actor (name, operator, fused operators, granularity and phases), one ellipse
/// per graph input / output, one edge per buffer and reader labelled with the tensor name, its
/// capacity in rows out of its rows, its bytes and its arena offset. Streamed buffers (capacity
/// below the whole tensor) are drawn blue and thicker the more bytes they take; whole ones grey.
/// Without an analysis (inspect) the edges carry shapes and whole-tensor bytes only.
/// Shared storage (MODEL 4.1): a view is drawn as its storage (no edge of its own; the
/// storage's edges go to the view's readers); a buffer written in place keeps its edges, bold,
/// labelled "in place over X" with its storage's capacity, bytes and offset, and drawn in one
/// colour with its storage's edges (a colour per such storage, six cycled). A zero-copy Concat
/// is drawn as its output buffer: a cylinder "Z, one buffer, k writers" in Z's colour, whose
/// incoming edges are the slices (bold, "slice of Z, channels a-b", no rows of their own) from
/// their producers, the writers; Z's own edges leave it as any buffer's.
/// Guarantees: deterministic; every name is quoted and escaped.
#include <string>

#include "bufopt/report/model_report.h"

namespace bufopt::report {

/// The DOT document.
std::string to_dot(const ModelReport& report);

}  // namespace bufopt::report
