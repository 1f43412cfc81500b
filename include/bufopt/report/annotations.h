#pragma once
/// The result as "bufopt.*" key/value pairs, attached to an annotated ONNX copy (`-o`) as
/// metadata_props and read back by `bufopt inspect` (format documented in README.md).
///
/// Model-level keys: bufopt.version, bufopt.annotation_format (kAnnotationFormat),
/// bufopt.mode, bufopt.max_slowdown, bufopt.slowdown, bufopt.time_s, bufopt.platform (name),
/// bufopt.platform_params ("macs_per_s=..;elems_per_s=..;firing_overhead_s=..;processors=.."),
/// bufopt.stream_io, bufopt.activation_bytes (0: the model's own types), bufopt.shared_bytes,
/// bufopt.fifo_bytes, bufopt.baseline_bytes, bufopt.baseline_shared_bytes,
/// bufopt.lower_bound_bytes, bufopt.verified, bufopt.input_shape.<input> (the shape analysed,
/// "1x3x48x192").
/// Per buffer, bufopt.buffer.<tensor name> = "capacity_rows=C;rows=H;row_bytes=B;bytes=C*B;
/// granularity=G;offset=O;counted=1": C the capacity in rows, G the producer's rows per firing
/// (its granularity: input rows for a streaming reduction; 0: no producer, a graph input or a
/// view), O the byte offset in the shared arena (-1: not in the arena: a tensor held by the
/// application, counted=0, whose capacity is all its rows). Format 2 (MODEL 4.1): a buffer
/// that uses another's storage ends with ";shared=view|inplace|slice;storage_of=NAME", NAME the
/// storage's tensor (everything after "storage_of=", so it may hold any character); its C,
/// bytes, O and counted are then the storage's (the bytes are not additional memory).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bufopt/report/model_report.h"

namespace bufopt::report {

/// Version of the annotation layout; bumped when a key changes meaning or is removed.
/// 2: views, in-place buffers and slices carry shared/storage_of and their storage's figures
/// (MODEL 4.1).
inline constexpr int kAnnotationFormat = 2;

/// One buffer's entry, parsed.
struct BufferAnnotation {
  int64_t capacity_rows = 0;
  int64_t rows = 0;
  int64_t row_bytes = 0;
  int64_t bytes = 0;
  int64_t granularity = 0;  ///< 0: no producer (a graph input or a view)
  int64_t offset = -1;      ///< -1: not in the arena
  bool counted = true;
  /// MODEL 4.1: "view", "inplace" or "slice" (a zero-copy Concat's input) when the buffer uses
  /// another's storage, else empty.
  std::string shared;
  /// The tensor whose storage it uses; empty when `shared` is.
  std::string storage_of;
};

/// Every entry for an analysed report (requires report.analysis), model-level keys first, then
/// one per buffer in graph order. `version` is bufopt's version string.
std::vector<std::pair<std::string, std::string>> annotation_entries(const ModelReport& report, std::string_view version);

/// The value of bufopt.buffer.<name> for `annotation`.
std::string format_buffer_annotation(const BufferAnnotation& annotation);

/// Parses a bufopt.buffer.* value (format 1 or 2); nullopt when a field is missing, a number
/// field is not an integer, or shared and storage_of do not come together.
std::optional<BufferAnnotation> parse_buffer_annotation(std::string_view value);

}  // namespace bufopt::report
