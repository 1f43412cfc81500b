#pragma once
/// Decoding ONNX TensorProtos (initializers, Constant values) into TensorInfo. Internal to the
/// onnx module.
#include <cstdint>

#include <onnx/onnx_pb.h>

#include "bufopt/onnx/import.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/tensor_info.h"

namespace bufopt::onnx {

/// Integer constants with at most this many elements have their values decoded: shape
/// arithmetic (Reshape targets, Slice bounds, Gather indices) reads them.
inline constexpr int64_t kMaxDecodedIntegers = int64_t{1} << 16;
/// Floating constants with at most this many elements have their values decoded (Resize scales,
/// Range bounds); weights only need their shape and size, never their values.
inline constexpr int64_t kMaxDecodedReals = 1024;

/// Decodes the dtype and shape of `tensor` and, when it is small enough (kMaxDecodedIntegers,
/// kMaxDecodedReals), its values (raw_data little-endian, typed fields, or external data read through
/// `external`). External references are always checked, even when the values are not read.
/// The result is a constant. Throws ImportError for negative dims, shapes beyond `limits`, data
/// shorter than the shape needs, or a refused external reference.
TensorInfo decode_tensor(const ::onnx::TensorProto& tensor, ExternalData& external, const ImportLimits& limits);

/// Which constants decode_tensor gives values: the small ones (the analysis) or all (the executor).
enum class ValueDecoding { kSmallOnly, kAll };
/// decode_tensor with the values of every numeric tensor when `decoding` is kAll.
TensorInfo decode_tensor(const ::onnx::TensorProto& tensor, ExternalData& external, const ImportLimits& limits,
                         ValueDecoding decoding);

/// Bytes the tensor's elements occupy at their stored type (0 for strings / unknown types).
int64_t stored_bytes(const TensorInfo& tensor);

}  // namespace bufopt::onnx
