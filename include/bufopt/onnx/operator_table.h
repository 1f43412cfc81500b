#pragma once
/// The one table of the ONNX operators bufopt knows (default domain), one row per op type: how
/// operator_rules models it along the streaming axis (MODEL 2 and 3), which of shape_rules' own
/// rules gives its output shapes, and whether MODEL 2.1 may fuse it into its producer. A new
/// operator is one new row (and, for a new kind or shape rule, its code).
#include <span>
#include <string_view>

namespace bufopt::onnx {

/// How bufopt treats an operator along the streaming axis.
enum class OperatorKind {
  kElementwise,       ///< unary / binary / variadic element-wise with numpy broadcasting
  kWindow,            ///< Conv, ConvInteger, QLinearConv, MaxPool, AveragePool, LpPool
  kTransposedWindow,  ///< ConvTranspose
  kGlobalPool,        ///< GlobalAveragePool, GlobalMaxPool, GlobalLpPool: read every row
  kConcat,
  kSplit,
  kSlice,
  kPad,
  kResize,  ///< Resize, Upsample
  kDepthToSpace,
  kSpaceToDepth,
  kRegroup,  ///< Reshape, Flatten, Squeeze, Unsqueeze: row-major regrouping
  kTranspose,
  kMatMul,  ///< MatMul, MatMulInteger, QLinearMatMul
  kGemm,
  kReduction,   ///< Reduce*, ArgMax, ArgMin
  kAxisMixing,  ///< Softmax, normalisations, CumSum, TopK, Trilu: mix along some axes
  kGather,
  kExpand,
  kTile,
  kWholeTensor,  ///< known operators that need the whole tensor (DynamicQuantizeLinear, ...)
  kShapeOf,      ///< Shape / Size of a tensor of unknown shape
  kUnsupported,  ///< known but not modelled (control flow, recurrent, scatter, ...)
  kUnknown,      ///< not modelled along the streaming axis at all (not in the table, or a shape rule only)
};

/// Which of bufopt's shape rules (shape_rules.cpp) computes an operator's outputs.
enum class ShapeRule {
  kNone,  ///< no rule of bufopt's: ONNX's own inference only
  kSameAsInput,
  kBroadcast,
  kComparison,
  kReduce,
  kBoolLikeInput,
  kWhere,
  kPRelu,
  kCast,
  kCastLike,
  kDropout,
  kBatchNorm,
  kLayerNorm,
  kQuantize,
  kDequantize,
  kDynamicQuantize,
  kConv,
  kConvInteger,
  kQLinearConv,
  kConvTranspose,
  kPool,
  kGlobalPool,
  kDepthToSpace,
  kSpaceToDepth,
  kConcat,
  kSplit,
  kSlice,
  kPad,
  kReshape,
  kFlatten,
  kTranspose,
  kSqueeze,
  kUnsqueeze,
  kExpand,
  kTile,
  kGather,
  kGatherElements,
  kGatherND,
  kShape,
  kSize,
  kConstantOfShape,
  kRange,
  kEyeLike,
  kNonZero,
  kTopK,
  kOneHot,
  kGemm,
  kMatMul,
  kMatMulInteger,
  kQLinearMatMul,
  kArgReduce,
  kResize,
  kNonMaxSuppression,
  kCompress,
  kUnique,
  kNegativeLogLikelihoodLoss,
};

/// One operator.
struct OperatorRow {
  std::string_view op_type;
  OperatorKind kind = OperatorKind::kUnknown;
  ShapeRule shape_rule = ShapeRule::kNone;
  /// MODEL 2.1 fuses it into its producer when it reads one activation (of the output's shape)
  /// and otherwise only constants.
  bool fusable = false;
};

/// Every row, one per op type.
std::span<const OperatorRow> operator_table();

/// The row of the default-domain operator `op_type`; nullptr when bufopt does not know it.
const OperatorRow* find_operator(std::string_view op_type);

}  // namespace bufopt::onnx
