#pragma once
/// A tensor exchanged between actors: one FIFO buffer however many actors read it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bufopt/graph/dtype.h"
#include "bufopt/graph/ids.h"

namespace bufopt::graph {

/// Whether a buffer is held by the application (MODEL 2): graph inputs and outputs are listed
/// but counted in no figure unless --stream-io.
enum class IoRole { kNone, kInput, kOutput };

/// A dim of Buffer::partial_shape (and onnx::TensorInfo::partial_shape) whose size is
/// unknown: it depends on input values (NonZero's second dim, Range's length, ...).
inline constexpr int64_t kUnknownDim = -1;

/// One activation tensor (never a constant or weight: those are parameters).
struct Buffer {
  /// The ONNX tensor name.
  std::string name;
  /// Full static shape ([] for a scalar); meaningless when `unknown_reason` is set.
  std::vector<int64_t> shape;
  DataType dtype = DataType::kUnknown;
  /// Bytes per element used for every memory figure: dtype_bytes(dtype) unless the user asked
  /// for another deployment type (--activation-bytes).
  int64_t element_bytes = 0;
  /// Index into `shape` of the axis streamed row by row (H for NCHW, L for [N,C,L], axis 1 for
  /// NHWC); nullopt when the tensor has none and is one token.
  std::optional<int> streaming_axis;
  /// The actor writing it; kNoActor for graph inputs.
  ActorId producer = kNoActor;
  /// Actors reading it, in graph order, without repetition.
  std::vector<ActorId> consumers;
  IoRole io = IoRole::kNone;
  /// Why the size is unknown (its shape depends on input values, no rule gives it, or its element
  /// type is unknown); empty when known. MODEL 9: such a buffer is the whole output of a barrier,
  /// one token of unknown size, which every memory figure excludes (see unknown_shapes.h).
  std::string unknown_reason;
  /// What is known of an unknown shape: one entry per axis, kUnknownDim where the size is
  /// unknown (NonZero's [2, ?]); empty when even the rank is unknown, or the shape is known.
  std::vector<int64_t> partial_shape;
  /// MODEL 4.1 views: the buffer whose storage this one is (a view's output: no producer, no
  /// readers of its own; its readers read the storage's rows under this buffer's shape), or
  /// kNoBuffer. Always a buffer that is not itself a view (chains resolve to the first storage).
  BufferId storage_of = kNoBuffer;

  /// True when the tensor's size is known (shape and element type).
  bool shape_known() const { return unknown_reason.empty(); }
  /// MODEL 4.1: true when the buffer may take part in a shared storage: its size is known, it is
  /// not held by the application (graph inputs and outputs are never aliased) and not a view.
  bool may_share_storage() const { return shape_known() && io == IoRole::kNone && storage_of == kNoBuffer; }
  /// Elements in the whole tensor (1 for a scalar, 0 when unknown). Saturates at INT64_MAX.
  int64_t elements() const;
  /// Tokens along the streaming axis: shape[streaming_axis], or 1 without one.
  int64_t rows() const;
  /// Bytes of one row (= tensor_bytes() / rows()).
  int64_t row_bytes() const;
  /// Bytes of the whole tensor at element_bytes per element.
  int64_t tensor_bytes() const;
};

}  // namespace bufopt::graph
