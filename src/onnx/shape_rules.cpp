#include "bufopt/onnx/shape_rules.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "bufopt/graph/checked_math.h"
#include "bufopt/onnx/conv_geometry.h"
#include "bufopt/onnx/operator_table.h"

namespace bufopt::onnx {

namespace {

using graph::DataType;
using Shape = std::vector<int64_t>;

/// Thrown inside a rule when an input shape, or a constant an output size depends on, is unknown:
/// every output is then unknown for `reason`, with what is known of its shape and type.
struct Unknown {
  std::string reason;
  /// One entry per output axis, graph::kUnknownDim where unknown; empty: rank unknown too.
  Shape partial;
  DataType dtype = DataType::kUnknown;
};

constexpr int64_t kAny = graph::kUnknownDim;

/// Read access to a node's inputs for the rules.
class Context {
 public:
  Context(const OpNode& node, const NodeInputs& inputs) : node_(node), inputs_(inputs) {}

  const OpNode& node() const { return node_; }
  const NodeInputs& inputs() const { return inputs_; }
  size_t count() const { return inputs_.size(); }
  bool present(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }

  const TensorInfo& in(size_t i) const {
    if (!present(i)) throw ShapeError(fmt::format("required input {} is missing", i));
    return *inputs_[i];
  }
  DataType dtype(size_t i) const { return present(i) ? inputs_[i]->dtype : DataType::kUnknown; }
  const Shape& shape(size_t i) const {
    const TensorInfo& tensor = in(i);
    if (!tensor.shape_known) throw Unknown{fmt::format("input '{}' has an unknown shape", node_.input(i)), {}, DataType::kUnknown};
    return tensor.shape;
  }
  /// The shape of input `i` for a rule whose output has that shape: when it is unknown, the
  /// output is unknown too, with the input's partial shape and `type`.
  const Shape& kept_shape(size_t i, DataType type) const {
    const TensorInfo& tensor = in(i);
    if (!tensor.shape_known) {
      throw Unknown{fmt::format("input '{}' has an unknown shape", node_.input(i)), tensor.partial_shape, type};
    }
    return tensor.shape;
  }
  /// The rank of input `i` when known (from its shape or partial shape).
  std::optional<size_t> known_rank(size_t i) const {
    if (!present(i)) return std::nullopt;
    const TensorInfo& tensor = *inputs_[i];
    if (tensor.shape_known) return tensor.shape.size();
    if (!tensor.partial_shape.empty()) return tensor.partial_shape.size();
    return std::nullopt;
  }
  /// The length of the 1-D input `i` (a shape, pads, repeats) when its shape is known.
  std::optional<size_t> known_length(size_t i) const {
    if (!present(i) || !inputs_[i]->shape_known || inputs_[i]->shape.size() != 1) return std::nullopt;
    return static_cast<size_t>(inputs_[i]->shape[0]);
  }
  /// True when input `i` is present with known values.
  bool has_values(size_t i) const { return present(i) && values_as_ints(*inputs_[i]).has_value(); }
  int64_t rank(size_t i) const { return static_cast<int64_t>(shape(i).size()); }
  std::vector<int64_t> ints(size_t i) const {
    auto values = values_as_ints(in(i));
    if (!values) throw Unknown{fmt::format("input '{}' is not a known constant", node_.input(i)), {}, DataType::kUnknown};
    return *values;
  }
  std::vector<double> reals(size_t i) const {
    auto values = values_as_reals(in(i));
    if (!values) throw Unknown{fmt::format("input '{}' is not a known constant", node_.input(i)), {}, DataType::kUnknown};
    return *values;
  }
  /// An optional input that has no elements counts as absent (Resize's empty roi / scales).
  bool present_nonempty(size_t i) const {
    if (!present(i)) return false;
    const TensorInfo& tensor = *inputs_[i];
    return !(tensor.shape_known && tensor.elements() == 0);
  }

 private:
  const OpNode& node_;
  const NodeInputs& inputs_;
};

using Outputs = std::vector<TensorInfo>;
using Rule = Outputs (*)(const Context&);

Outputs one(DataType type, Shape shape) {
  return {known_tensor(type, std::move(shape))};
}

int64_t checked_times(int64_t a, int64_t b) {
  const auto result = graph::checked_mul(a, b);
  if (!result) throw ShapeError("shape overflows 64 bits");
  return *result;
}

int64_t checked_plus(int64_t a, int64_t b) {
  const auto result = graph::checked_add(a, b);
  if (!result) throw ShapeError("shape overflows 64 bits");
  return *result;
}

int64_t product(const Shape& shape, size_t begin, size_t end) {
  int64_t result = 1;
  for (size_t i = begin; i < end; ++i) {
    const auto next = graph::checked_mul(result, shape[i]);
    if (!next) throw ShapeError("shape product overflows 64 bits");
    result = *next;
  }
  return result;
}

// ---- element-wise --------------------------------------------------------------------------

Outputs same_as_input(const Context& c) {
  return one(c.dtype(0), c.kept_shape(0, c.dtype(0)));
}

Outputs bool_like_input(const Context& c) {
  return one(DataType::kBool, c.kept_shape(0, DataType::kBool));
}

/// A shape of `rank` unknown dims (graph::kUnknownDim).
Shape unknown_dims(size_t rank) {
  return Shape(rank, kAny);
}

/// Throws Unknown for an output whose size depends on the values of input `i` (not a constant),
/// with `partial` known of its shape.
[[noreturn]] void depends_on_values(const Context& c, size_t i, Shape partial, DataType type) {
  throw Unknown{fmt::format("its shape depends on the values of input '{}', which is not a constant", c.node().input(i)),
                std::move(partial), type};
}

Outputs broadcast_all(const Context& c, size_t first, DataType type) {
  Shape shape = c.shape(first);
  for (size_t i = first + 1; i < c.count(); ++i) {
    if (c.present(i)) shape = broadcast_shapes(shape, c.shape(i));
  }
  return one(type, shape);
}

Outputs broadcast_rule(const Context& c) {
  return broadcast_all(c, 0, c.dtype(0));
}
Outputs comparison_rule(const Context& c) {
  return broadcast_all(c, 0, DataType::kBool);
}
Outputs where_rule(const Context& c) {
  return broadcast_all(c, 0, c.dtype(1));
}
}  // namespace

bool prelu_per_channel(const OpNode& node, const Shape& x, const Shape& slope) {
  return node.opset < 7 && slope.size() == 1 && x.size() >= 3 && slope[0] != 1;
}

namespace {

Outputs prelu_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const Shape& slope = c.shape(1);
  if (prelu_per_channel(c.node(), x, slope)) {
    if (slope[0] != x[1]) {
      throw ShapeError(fmt::format("slope {} is per channel (opset {}) but the input {} has {} channels",
                                   shape_string(slope), c.node().opset, shape_string(x), x[1]));
    }
    return one(c.dtype(0), x);
  }
  return broadcast_all(c, 0, c.dtype(0));
}

Outputs cast_rule(const Context& c) {
  const DataType type = graph::dtype_from_int(static_cast<int>(c.node().int_attr("to", 0)));
  return one(type, c.kept_shape(0, type));
}

Outputs cast_like_rule(const Context& c) {
  return one(c.dtype(1), c.kept_shape(0, c.dtype(1)));
}

Outputs dropout_rule(const Context& c) {
  Outputs outputs = same_as_input(c);
  outputs.push_back(known_tensor(DataType::kBool, c.shape(0)));
  return outputs;
}

Outputs batch_norm_rule(const Context& c) {
  const Shape& x = c.shape(0);
  Outputs outputs = one(c.dtype(0), x);
  const Shape channels{x.size() > 1 ? x[1] : 1};
  for (int i = 0; i < 4; ++i) outputs.push_back(known_tensor(c.dtype(1), channels));
  return outputs;
}

Outputs layer_norm_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const auto rank = static_cast<int64_t>(x.size());
  const int64_t axis = normalize_axis(c.node().int_attr("axis", -1), rank);
  Shape reduced = x;
  for (int64_t i = axis; i < rank; ++i) reduced[static_cast<size_t>(i)] = 1;
  const auto stash = graph::dtype_from_int(static_cast<int>(c.node().int_attr("stash_type", 1)));
  return {known_tensor(c.dtype(0), x), known_tensor(stash, reduced), known_tensor(stash, reduced)};
}

Outputs quantize_rule(const Context& c) {
  const DataType type = c.present(2) ? c.dtype(2) : DataType::kUint8;
  return one(type, c.kept_shape(0, type));
}

Outputs dequantize_rule(const Context& c) {
  const DataType type = c.dtype(1) == DataType::kUnknown ? DataType::kFloat32 : c.dtype(1);
  return one(type, c.kept_shape(0, type));
}

Outputs dynamic_quantize_rule(const Context& c) {
  return {known_tensor(DataType::kUint8, c.shape(0)), known_tensor(DataType::kFloat32, {}),
          known_tensor(DataType::kUint8, {})};
}

// ---- windowed operators ----------------------------------------------------------------------

Shape spatial_of(const Shape& shape) {
  return Shape(shape.begin() + 2, shape.end());
}

/// Conv-like: X at port 0, weight at `weight_port`.
Outputs conv_like(const Context& c, size_t weight_port, DataType type) {
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(weight_port);
  if (x.size() < 3) throw ShapeError(fmt::format("input has rank {}, expected at least 3", x.size()));
  if (w.size() != x.size()) throw ShapeError(fmt::format("weight has rank {}, input rank {}", w.size(), x.size()));
  const int64_t group = c.node().int_attr("group", 1);
  if (group < 1 || x[1] % group != 0 || x[1] / group != w[1]) {
    throw ShapeError(fmt::format("input has {} channels, weight expects {} x group {}", x[1], w[1], group));
  }
  const auto attributes = window_attributes(c.node(), x.size() - 2, spatial_of(w));
  const auto geometry = window_geometry(attributes, spatial_of(x));
  Shape out{x[0], w[0]};
  for (const auto& axis : geometry) out.push_back(axis.output);
  return one(type, out);
}

Outputs conv_rule(const Context& c) {
  return conv_like(c, 1, c.dtype(0));
}
Outputs conv_integer_rule(const Context& c) {
  return conv_like(c, 1, DataType::kInt32);
}
Outputs qlinear_conv_rule(const Context& c) {
  return conv_like(c, 3, c.present(7) ? c.dtype(7) : c.dtype(0));
}

Outputs conv_transpose_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const Shape& w = c.shape(1);
  if (x.size() < 3) throw ShapeError(fmt::format("input has rank {}, expected at least 3", x.size()));
  if (w.size() != x.size()) throw ShapeError(fmt::format("weight has rank {}, input rank {}", w.size(), x.size()));
  const int64_t group = c.node().int_attr("group", 1);
  if (group < 1 || x[1] != w[0]) throw ShapeError(fmt::format("input has {} channels, weight expects {}", x[1], w[0]));
  const auto attributes = window_attributes(c.node(), x.size() - 2, spatial_of(w));
  const auto geometry = transposed_geometry(attributes, spatial_of(x));
  const auto channels = graph::checked_mul(w[1], group);
  if (!channels) throw ShapeError("output channels overflow");
  Shape out{x[0], *channels};
  for (const auto& axis : geometry) out.push_back(axis.output);
  return one(c.dtype(0), out);
}

Outputs pool_rule(const Context& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 3) throw ShapeError(fmt::format("input has rank {}, expected at least 3", x.size()));
  const auto attributes = window_attributes(c.node(), x.size() - 2, {});
  const auto geometry = window_geometry(attributes, spatial_of(x));
  Shape out{x[0], x[1]};
  for (const auto& axis : geometry) out.push_back(axis.output);
  return {known_tensor(c.dtype(0), out), known_tensor(DataType::kInt64, out)};
}

Outputs global_pool_rule(const Context& c) {
  const Shape& x = c.shape(0);
  if (x.size() < 2) throw ShapeError(fmt::format("input has rank {}, expected at least 2", x.size()));
  Shape out = x;
  std::fill(out.begin() + 2, out.end(), 1);
  return one(c.dtype(0), out);
}

Outputs depth_to_space_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const int64_t block = c.node().int_attr("blocksize", 0);
  if (x.size() != 4) throw ShapeError(fmt::format("input has rank {}, expected 4", x.size()));
  if (block < 1 || block > (int64_t{1} << 31) || x[1] % (block * block) != 0) {
    throw ShapeError("channels not divisible by blocksize^2");
  }
  return one(c.dtype(0), {x[0], x[1] / (block * block), checked_times(x[2], block), checked_times(x[3], block)});
}

Outputs space_to_depth_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const int64_t block = c.node().int_attr("blocksize", 0);
  if (x.size() != 4) throw ShapeError(fmt::format("input has rank {}, expected 4", x.size()));
  if (block < 1 || x[2] % block != 0 || x[3] % block != 0) throw ShapeError("spatial dims not divisible by blocksize");
  return one(c.dtype(0), {x[0], checked_times(checked_times(x[1], block), block), x[2] / block, x[3] / block});
}

// ---- shape manipulation ----------------------------------------------------------------------

Outputs concat_rule(const Context& c) {
  const int64_t default_axis = c.node().opset < 4 ? 1 : 0;
  Shape out;
  bool first = true;
  int64_t axis = 0;
  for (size_t i = 0; i < c.count(); ++i) {
    if (!c.present(i)) continue;
    const Shape& shape = c.shape(i);
    if (first) {
      out = shape;
      axis = normalize_axis(c.node().int_attr("axis", default_axis), static_cast<int64_t>(shape.size()));
      first = false;
      continue;
    }
    if (shape.size() != out.size()) throw ShapeError("inputs of different ranks");
    for (size_t d = 0; d < out.size(); ++d) {
      if (static_cast<int64_t>(d) == axis) {
        out[d] = checked_plus(out[d], shape[d]);
      } else if (out[d] != shape[d]) {
        throw ShapeError(fmt::format("inputs differ on axis {} ({} vs {})", d, out[d], shape[d]));
      }
    }
  }
  if (first) throw ShapeError("no inputs");
  return one(c.dtype(0), out);
}

Outputs split_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const int64_t axis = normalize_axis(c.node().int_attr("axis", 0), static_cast<int64_t>(x.size()));
  const int64_t total = x[static_cast<size_t>(axis)];
  const size_t count = c.node().outputs.size();
  std::vector<int64_t> sizes;
  if (c.node().opset >= 13 && c.present_nonempty(1)) {
    if (!c.has_values(1)) {
      Shape partial = x;
      partial[static_cast<size_t>(axis)] = kAny;
      depends_on_values(c, 1, partial, c.dtype(0));
    }
    sizes = c.ints(1);
  } else if (c.node().has("split")) {
    sizes = c.node().ints_attr("split");
  } else {
    const int64_t parts = c.node().int_attr("num_outputs", static_cast<int64_t>(count));
    if (parts < 1) throw ShapeError("no outputs");
    const int64_t each = (total + parts - 1) / parts;  // the last part may be smaller (opset 18)
    for (int64_t i = 0; i < parts; ++i) sizes.push_back(std::max<int64_t>(0, std::min(each, total - i * each)));
  }
  if (sizes.size() != count) throw ShapeError(fmt::format("{} split sizes for {} outputs", sizes.size(), count));
  int64_t sum = 0;
  for (int64_t size : sizes) {
    if (size < 0) throw ShapeError(fmt::format("negative split size {}", size));
    sum = checked_plus(sum, size);
  }
  if (sum != total) throw ShapeError(fmt::format("split sizes sum to {}, axis has {}", sum, total));
  Outputs outputs;
  for (int64_t size : sizes) {
    Shape shape = x;
    shape[static_cast<size_t>(axis)] = size;
    outputs.push_back(known_tensor(c.dtype(0), shape));
  }
  return outputs;
}

Outputs slice_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const auto resolved = resolve_slice(c.node(), c.inputs(), x);
  if (!resolved) throw Unknown{"Slice starts/ends/axes/steps are not known constants", unknown_dims(x.size()), c.dtype(0)};
  Shape out;
  for (const SliceAxis& axis : *resolved) out.push_back(axis.size);
  return one(c.dtype(0), out);
}

Outputs pad_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const auto pads = resolve_pads(c.node(), c.inputs(), x.size());
  if (!pads) throw Unknown{"Pad pads are not a known constant", unknown_dims(x.size()), c.dtype(0)};
  Shape out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    out[i] = checked_plus(checked_plus(x[i], (*pads)[i]), (*pads)[i + x.size()]);
    if (out[i] < 0) throw ShapeError(fmt::format("padding leaves axis {} with {} elements", i, out[i]));
  }
  return one(c.dtype(0), out);
}

Outputs reshape_rule(const Context& c) {
  const Shape& x = c.shape(0);
  if (c.node().opset >= 5 && !c.has_values(1)) {
    const auto length = c.known_length(1);
    depends_on_values(c, 1, length ? unknown_dims(*length) : Shape{}, c.dtype(0));
  }
  const std::vector<int64_t> target = c.node().opset < 5 ? c.node().ints_attr("shape") : c.ints(1);
  const bool allow_zero = c.node().int_attr("allowzero", 0) != 0;
  Shape out(target.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t dim = target[i];
    if (dim == 0 && !allow_zero) {
      if (i >= x.size()) throw ShapeError(fmt::format("target dim {} copies a dim the input does not have", i));
      dim = x[i];
    }
    if (dim == -1) {
      if (infer_at >= 0) throw ShapeError("target has two -1 dims");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (dim < 0) throw ShapeError(fmt::format("target dim {} is {}", i, dim));
    out[i] = dim;
    const auto next = graph::checked_mul(known, dim);
    if (!next) throw ShapeError("target shape overflows 64 bits");
    known = *next;
  }
  const int64_t elements = product(x, 0, x.size());
  if (infer_at >= 0) {
    if (known == 0 || elements % known != 0) {
      throw ShapeError(fmt::format("cannot reshape {} elements into {}", elements, shape_string(target)));
    }
    out[static_cast<size_t>(infer_at)] = elements / known;
  } else if (known != elements) {
    throw ShapeError(fmt::format("cannot reshape {} into {}", shape_string(x), shape_string(out)));
  }
  return one(c.dtype(0), out);
}

Outputs flatten_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const auto rank = static_cast<int64_t>(x.size());
  int64_t axis = c.node().int_attr("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) throw ShapeError(fmt::format("axis {} out of range for rank {}", axis, rank));
  return one(c.dtype(0), {product(x, 0, static_cast<size_t>(axis)), product(x, static_cast<size_t>(axis), x.size())});
}

Outputs transpose_rule(const Context& c) {
  const Shape& x = c.shape(0);
  std::vector<int64_t> perm = c.node().ints_attr("perm");
  if (perm.empty()) {
    perm.resize(x.size());
    std::iota(perm.rbegin(), perm.rend(), 0);
  }
  if (perm.size() != x.size()) throw ShapeError(fmt::format("perm has {} entries for rank {}", perm.size(), x.size()));
  std::vector<bool> used(x.size(), false);
  Shape out;
  for (int64_t p : perm) {
    const int64_t axis = normalize_axis(p, static_cast<int64_t>(x.size()));
    if (used[static_cast<size_t>(axis)]) throw ShapeError("perm repeats an axis");
    used[static_cast<size_t>(axis)] = true;
    out.push_back(x[static_cast<size_t>(axis)]);
  }
  return one(c.dtype(0), out);
}

Outputs squeeze_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const AxesArgument argument = axes_argument(c.node(), c.inputs());
  if (!argument.known) throw Unknown{"Squeeze axes are not a known constant", {}, c.dtype(0)};
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<bool> drop(x.size(), false);
  for (int64_t axis : argument.axes) {
    const auto index = static_cast<size_t>(normalize_axis(axis, rank));
    if (x[index] != 1) throw ShapeError(fmt::format("cannot squeeze axis {} of size {}", index, x[index]));
    drop[index] = true;
  }
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (argument.present ? !drop[i] : x[i] != 1) out.push_back(x[i]);
  }
  return one(c.dtype(0), out);
}

Outputs unsqueeze_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const AxesArgument argument = axes_argument(c.node(), c.inputs());
  if (!argument.known) {
    const auto added = c.known_length(1);
    throw Unknown{"Unsqueeze axes are not a known constant", added ? unknown_dims(x.size() + *added) : Shape{},
                  c.dtype(0)};
  }
  const auto rank = static_cast<int64_t>(x.size() + argument.axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t axis : argument.axes) {
    const auto index = static_cast<size_t>(normalize_axis(axis, rank));
    if (inserted[index]) throw ShapeError("Unsqueeze repeats an axis");
    inserted[index] = true;
  }
  Shape out;
  size_t next = 0;
  for (size_t i = 0; i < inserted.size(); ++i) out.push_back(inserted[i] ? 1 : x[next++]);
  return one(c.dtype(0), out);
}

Outputs expand_rule(const Context& c) {
  const Shape& x = c.shape(0);
  if (!c.has_values(1)) {
    // Broadcasting keeps every dim of x that is not 1; the others, and the rank, follow the values.
    const auto length = c.known_length(1);
    Shape partial;
    if (length) {
      partial = unknown_dims(std::max(*length, x.size()));
      for (size_t i = 0; i < x.size(); ++i) {
        if (x[i] != 1) partial[partial.size() - x.size() + i] = x[i];
      }
    }
    depends_on_values(c, 1, partial, c.dtype(0));
  }
  return one(c.dtype(0), broadcast_shapes(x, c.ints(1)));
}

Outputs tile_rule(const Context& c) {
  const Shape& x = c.shape(0);
  if (!c.has_values(1)) depends_on_values(c, 1, unknown_dims(x.size()), c.dtype(0));
  const std::vector<int64_t> repeats = c.ints(1);
  if (repeats.size() != x.size()) throw ShapeError("repeats and input ranks differ");
  Shape out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    if (repeats[i] < 0) throw ShapeError("negative repeat");
    const auto dim = graph::checked_mul(x[i], repeats[i]);
    if (!dim) throw ShapeError("tiled shape overflows 64 bits");
    out[i] = *dim;
  }
  return one(c.dtype(0), out);
}

Outputs gather_rule(const Context& c) {
  const Shape& data = c.shape(0);
  const Shape& indices = c.shape(1);
  const int64_t axis = normalize_axis(c.node().int_attr("axis", 0), static_cast<int64_t>(data.size()));
  Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  return one(c.dtype(0), out);
}

Outputs gather_elements_rule(const Context& c) {
  return one(c.dtype(0), c.shape(1));
}

Outputs gather_nd_rule(const Context& c) {
  const Shape& data = c.shape(0);
  const Shape& indices = c.shape(1);
  const auto batch = static_cast<size_t>(c.node().int_attr("batch_dims", 0));
  if (indices.empty()) throw ShapeError("indices of rank 0");
  const auto depth = static_cast<size_t>(indices.back());
  if (batch + depth > data.size()) throw ShapeError("indices reach past the data rank");
  Shape out(indices.begin(), indices.end() - 1);
  out.insert(out.end(), data.begin() + static_cast<int64_t>(batch + depth), data.end());
  return one(c.dtype(0), out);
}

Outputs shape_rule(const Context& c) {
  const auto rank = c.rank(0);
  int64_t start = c.node().int_attr("start", 0);
  int64_t end = c.node().int_attr("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  return one(DataType::kInt64, {std::max<int64_t>(0, end - start)});
}

Outputs size_rule(const Context& c) {
  (void)c.shape(0);
  return one(DataType::kInt64, {});
}

Outputs constant_of_shape_rule(const Context& c) {
  const auto found = c.node().attributes.find("value");
  const DataType type =
      found != c.node().attributes.end() && found->second.tensor ? found->second.tensor->dtype : DataType::kFloat32;
  if (!c.has_values(0)) {
    const auto length = c.known_length(0);
    depends_on_values(c, 0, length ? unknown_dims(*length) : Shape{}, type);
  }
  const std::vector<int64_t> shape = c.ints(0);
  for (int64_t dim : shape) {
    if (dim < 0) throw ShapeError(fmt::format("negative dim {}", dim));
  }
  return one(type, shape);
}

Outputs range_rule(const Context& c) {
  for (size_t i = 0; i < 3; ++i) {
    if (c.present(i) && !values_as_reals(c.in(i))) depends_on_values(c, i, {kAny}, c.dtype(0));
  }
  const std::vector<double> start = c.reals(0);
  const std::vector<double> limit = c.reals(1);
  const std::vector<double> delta = c.reals(2);
  if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) throw ShapeError("Range takes scalars");
  if (delta[0] == 0) throw ShapeError("Range with delta 0");
  const double count = std::ceil((limit[0] - start[0]) / delta[0]);
  if (!(count < 9e18)) throw ShapeError("Range is too long");  // also NaN
  return one(c.dtype(0), {std::max<int64_t>(0, static_cast<int64_t>(count))});
}

Outputs eye_like_rule(const Context& c) {
  const DataType type =
      c.node().has("dtype") ? graph::dtype_from_int(static_cast<int>(c.node().int_attr("dtype", 1))) : c.dtype(0);
  return one(type, c.kept_shape(0, type));
}

Outputs nonzero_rule(const Context& c) {
  // [rank of the input, number of non-zero elements].
  const auto rank = c.known_rank(0);
  const Shape partial{rank ? static_cast<int64_t>(*rank) : kAny, kAny};
  if (!c.in(0).shape_known || !c.in(0).values) {
    throw Unknown{"NonZero's output size depends on the values of its input", partial, DataType::kInt64};
  }
  const Shape& x = c.shape(0);
  const TensorInfo& in = c.in(0);
  int64_t count = 0;
  if (is_floating(in.dtype)) {
    for (double v : in.values->reals) count += v != 0;
  } else {
    for (int64_t v : in.values->ints) count += v != 0;
  }
  return one(DataType::kInt64, {static_cast<int64_t>(x.size()), count});
}

Outputs topk_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const int64_t axis = normalize_axis(c.node().int_attr("axis", -1), static_cast<int64_t>(x.size()));
  if (c.node().opset >= 10 && !c.has_values(1)) {
    Shape partial = x;
    partial[static_cast<size_t>(axis)] = kAny;
    const std::string reason = fmt::format("its shape depends on the value of input '{}', which is not a constant",
                                           c.node().input(1));
    return {partly_known_tensor(c.dtype(0), partial, reason), partly_known_tensor(DataType::kInt64, partial, reason)};
  }
  const int64_t k = c.node().opset >= 10 ? c.ints(1).at(0) : c.node().int_attr("k", 0);
  Shape out = x;
  out[static_cast<size_t>(axis)] = k;
  return {known_tensor(c.dtype(0), out), known_tensor(DataType::kInt64, out)};
}

Outputs one_hot_rule(const Context& c) {
  const Shape& indices = c.shape(0);
  if (!values_as_reals(c.in(1))) {
    const auto rank = static_cast<int64_t>(indices.size()) + 1;
    Shape partial = indices;
    partial.insert(partial.begin() + normalize_axis(c.node().int_attr("axis", -1), rank), kAny);
    depends_on_values(c, 1, partial, c.dtype(2));
  }
  const double depth_value = c.reals(1).at(0);
  if (!(depth_value >= 0 && depth_value < 9e18)) throw ShapeError("OneHot depth out of range");
  const auto depth = static_cast<int64_t>(depth_value);
  const auto rank = static_cast<int64_t>(indices.size()) + 1;
  const int64_t axis = normalize_axis(c.node().int_attr("axis", -1), rank);
  Shape out = indices;
  out.insert(out.begin() + axis, depth);
  return one(c.dtype(2), out);
}

// ---- matrix products ------------------------------------------------------------------------

Outputs gemm_rule(const Context& c) {
  const Shape& a = c.shape(0);
  const Shape& b = c.shape(1);
  if (a.size() != 2 || b.size() != 2) throw ShapeError("Gemm takes matrices");
  const bool trans_a = c.node().int_attr("transA", 0) != 0;
  const bool trans_b = c.node().int_attr("transB", 0) != 0;
  const int64_t m = trans_a ? a[1] : a[0];
  const int64_t k_a = trans_a ? a[0] : a[1];
  const int64_t k_b = trans_b ? b[1] : b[0];
  const int64_t n = trans_b ? b[0] : b[1];
  if (k_a != k_b) throw ShapeError(fmt::format("inner dims differ ({} vs {})", k_a, k_b));
  return one(c.dtype(0), {m, n});
}

Outputs matmul_like(const Context& c, size_t a_port, size_t b_port, DataType type) {
  Shape a = c.shape(a_port);
  Shape b = c.shape(b_port);
  if (a.empty() || b.empty()) throw ShapeError("MatMul of a scalar");
  const bool a_vector = a.size() == 1;
  const bool b_vector = b.size() == 1;
  if (a_vector) a.insert(a.begin(), 1);
  if (b_vector) b.push_back(1);
  if (a.back() != b[b.size() - 2])
    throw ShapeError(fmt::format("inner dims differ ({} vs {})", a.back(), b[b.size() - 2]));
  Shape batch = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  if (!a_vector) batch.push_back(a[a.size() - 2]);
  if (!b_vector) batch.push_back(b.back());
  return one(type, batch);
}

Outputs matmul_rule(const Context& c) {
  return matmul_like(c, 0, 1, c.dtype(0));
}
Outputs matmul_integer_rule(const Context& c) {
  return matmul_like(c, 0, 1, DataType::kInt32);
}
Outputs qlinear_matmul_rule(const Context& c) {
  return matmul_like(c, 0, 3, c.present(7) ? c.dtype(7) : c.dtype(0));
}

// ---- reductions -----------------------------------------------------------------------------

Shape reduced_shape(const Shape& x, const std::vector<int64_t>& axes, bool all, bool keep) {
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<bool> reduce(x.size(), all);
  for (int64_t axis : axes) reduce[static_cast<size_t>(normalize_axis(axis, rank))] = true;
  Shape out;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!reduce[i]) {
      out.push_back(x[i]);
    } else if (keep) {
      out.push_back(1);
    }
  }
  return out;
}

Outputs reduce_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const AxesArgument argument = axes_argument(c.node(), c.inputs());
  const bool keep = c.node().int_attr("keepdims", 1) != 0;
  if (!argument.known) {
    // Kept dims are their own size or 1: a dim of 1 stays 1 either way.
    Shape partial;
    if (keep) {
      for (int64_t dim : x) partial.push_back(dim == 1 ? 1 : kAny);
    }
    throw Unknown{"reduction axes are not a known constant", partial, c.dtype(0)};
  }
  if (argument.axes.empty() && c.node().int_attr("noop_with_empty_axes", 0) != 0) return one(c.dtype(0), x);
  return one(c.dtype(0), reduced_shape(x, argument.axes, argument.axes.empty(), keep));
}

Outputs arg_reduce_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const int64_t axis = c.node().int_attr("axis", 0);
  const bool keep = c.node().int_attr("keepdims", 1) != 0;
  return one(DataType::kInt64, reduced_shape(x, {axis}, false, keep));
}

Outputs resize_rule(const Context& c) {
  const Shape& x = c.shape(0);
  const auto resize = resolve_resize(c.node(), c.inputs(), x);
  if (!resize) throw Unknown{"Resize scales/sizes are not a known constant", unknown_dims(x.size()), c.dtype(0)};
  return one(c.dtype(0), resize->output);
}

// ---- operators whose output size depends on input values ------------------------------------

Outputs non_max_suppression_rule(const Context& c) {
  // [selected boxes, 3]: (batch, class, box) per selected box.
  (void)c;
  throw Unknown{"NonMaxSuppression's output size depends on the values of its inputs", {kAny, 3}, DataType::kInt64};
}

Outputs compress_rule(const Context& c) {
  const Shape& x = c.shape(0);
  std::optional<int64_t> selected;
  if (const auto condition = values_as_ints(c.in(1))) {
    selected = std::count_if(condition->begin(), condition->end(), [](int64_t v) { return v != 0; });
  }
  if (!c.node().has("axis")) {
    if (!selected) depends_on_values(c, 1, {kAny}, c.dtype(0));
    return one(c.dtype(0), {*selected});
  }
  const int64_t axis = normalize_axis(c.node().int_attr("axis", 0), static_cast<int64_t>(x.size()));
  Shape out = x;
  out[static_cast<size_t>(axis)] = selected.value_or(kAny);
  if (!selected) depends_on_values(c, 1, out, c.dtype(0));
  return one(c.dtype(0), out);
}

Outputs unique_rule(const Context& c) {
  // Y, indices, inverse_indices, counts: only inverse_indices has a size known from the shape.
  const Shape& x = c.shape(0);
  const std::string reason = "Unique's output size depends on the values of its input";
  Shape y{kAny};
  int64_t inverse = product(x, 0, x.size());
  if (c.node().has("axis")) {
    const int64_t axis = normalize_axis(c.node().int_attr("axis", 0), static_cast<int64_t>(x.size()));
    y = x;
    y[static_cast<size_t>(axis)] = kAny;
    inverse = x[static_cast<size_t>(axis)];
  }
  return {partly_known_tensor(c.dtype(0), y, reason), partly_known_tensor(DataType::kInt64, {kAny}, reason),
          known_tensor(DataType::kInt64, {inverse}), partly_known_tensor(DataType::kInt64, {kAny}, reason)};
}

// ---- losses -----------------------------------------------------------------------------------

Outputs nll_loss_rule(const Context& c) {
  // The target's shape ([N, d1, ...]) with reduction "none", else a scalar.
  const Shape& target = c.shape(1);
  const bool none = c.node().string_attr("reduction", "mean") == "none";
  return one(c.dtype(0), none ? target : Shape{});
}

/// The function of a shape rule the operator table names; nullptr for ShapeRule::kNone.
Rule rule_function(ShapeRule rule) {
  switch (rule) {
    case ShapeRule::kNone:
      return nullptr;
    case ShapeRule::kSameAsInput:
      return same_as_input;
    case ShapeRule::kBroadcast:
      return broadcast_rule;
    case ShapeRule::kComparison:
      return comparison_rule;
    case ShapeRule::kReduce:
      return reduce_rule;
    case ShapeRule::kBoolLikeInput:
      return bool_like_input;
    case ShapeRule::kWhere:
      return where_rule;
    case ShapeRule::kPRelu:
      return prelu_rule;
    case ShapeRule::kCast:
      return cast_rule;
    case ShapeRule::kCastLike:
      return cast_like_rule;
    case ShapeRule::kDropout:
      return dropout_rule;
    case ShapeRule::kBatchNorm:
      return batch_norm_rule;
    case ShapeRule::kLayerNorm:
      return layer_norm_rule;
    case ShapeRule::kQuantize:
      return quantize_rule;
    case ShapeRule::kDequantize:
      return dequantize_rule;
    case ShapeRule::kDynamicQuantize:
      return dynamic_quantize_rule;
    case ShapeRule::kConv:
      return conv_rule;
    case ShapeRule::kConvInteger:
      return conv_integer_rule;
    case ShapeRule::kQLinearConv:
      return qlinear_conv_rule;
    case ShapeRule::kConvTranspose:
      return conv_transpose_rule;
    case ShapeRule::kPool:
      return pool_rule;
    case ShapeRule::kGlobalPool:
      return global_pool_rule;
    case ShapeRule::kDepthToSpace:
      return depth_to_space_rule;
    case ShapeRule::kSpaceToDepth:
      return space_to_depth_rule;
    case ShapeRule::kConcat:
      return concat_rule;
    case ShapeRule::kSplit:
      return split_rule;
    case ShapeRule::kSlice:
      return slice_rule;
    case ShapeRule::kPad:
      return pad_rule;
    case ShapeRule::kReshape:
      return reshape_rule;
    case ShapeRule::kFlatten:
      return flatten_rule;
    case ShapeRule::kTranspose:
      return transpose_rule;
    case ShapeRule::kSqueeze:
      return squeeze_rule;
    case ShapeRule::kUnsqueeze:
      return unsqueeze_rule;
    case ShapeRule::kExpand:
      return expand_rule;
    case ShapeRule::kTile:
      return tile_rule;
    case ShapeRule::kGather:
      return gather_rule;
    case ShapeRule::kGatherElements:
      return gather_elements_rule;
    case ShapeRule::kGatherND:
      return gather_nd_rule;
    case ShapeRule::kShape:
      return shape_rule;
    case ShapeRule::kSize:
      return size_rule;
    case ShapeRule::kConstantOfShape:
      return constant_of_shape_rule;
    case ShapeRule::kRange:
      return range_rule;
    case ShapeRule::kEyeLike:
      return eye_like_rule;
    case ShapeRule::kNonZero:
      return nonzero_rule;
    case ShapeRule::kTopK:
      return topk_rule;
    case ShapeRule::kOneHot:
      return one_hot_rule;
    case ShapeRule::kGemm:
      return gemm_rule;
    case ShapeRule::kMatMul:
      return matmul_rule;
    case ShapeRule::kMatMulInteger:
      return matmul_integer_rule;
    case ShapeRule::kQLinearMatMul:
      return qlinear_matmul_rule;
    case ShapeRule::kArgReduce:
      return arg_reduce_rule;
    case ShapeRule::kResize:
      return resize_rule;
    case ShapeRule::kNonMaxSuppression:
      return non_max_suppression_rule;
    case ShapeRule::kCompress:
      return compress_rule;
    case ShapeRule::kUnique:
      return unique_rule;
    case ShapeRule::kNegativeLogLikelihoodLoss:
      return nll_loss_rule;
  }
  return nullptr;
}

}  // namespace

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) throw ShapeError(fmt::format("axis {} out of range for rank {}", axis, rank));
  return axis < 0 ? axis + rank : axis;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      throw ShapeError(fmt::format("shapes {} and {} do not broadcast", shape_string(a), shape_string(b)));
    }
  }
  return out;
}

AxesArgument axes_argument(const OpNode& node, const NodeInputs& inputs) {
  AxesArgument argument;
  if (node.has("axes")) {
    argument.present = true;
    argument.axes = node.ints_attr("axes");
    return argument;
  }
  if (inputs.size() > 1 && inputs[1] != nullptr) {
    argument.present = true;
    auto values = values_as_ints(*inputs[1]);
    if (!values) {
      argument.known = false;
    } else {
      argument.axes = *values;
    }
  }
  return argument;
}

namespace {

/// Input `i` of `inputs` as int64 values; nullopt when absent or not a known constant.
std::optional<std::vector<int64_t>> input_ints(const NodeInputs& inputs, size_t i) {
  if (i >= inputs.size() || inputs[i] == nullptr) return std::nullopt;
  return values_as_ints(*inputs[i]);
}

bool input_present(const NodeInputs& inputs, size_t i) {
  return i < inputs.size() && inputs[i] != nullptr;
}

bool input_empty(const NodeInputs& inputs, size_t i) {
  return input_present(inputs, i) && inputs[i]->shape_known && inputs[i]->elements() == 0;
}

}  // namespace

std::optional<std::vector<SliceAxis>> resolve_slice(const OpNode& node, const NodeInputs& inputs, const Shape& shape) {
  const auto rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> starts;
  std::vector<int64_t> ends;
  std::vector<int64_t> axes;
  std::vector<int64_t> steps;
  if (node.opset > 0 && node.opset < 10) {
    starts = node.ints_attr("starts");
    ends = node.ints_attr("ends");
    axes = node.ints_attr("axes");
  } else {
    auto starts_in = input_ints(inputs, 1);
    auto ends_in = input_ints(inputs, 2);
    if (!starts_in || !ends_in) return std::nullopt;
    starts = *starts_in;
    ends = *ends_in;
    if (input_present(inputs, 3)) {
      auto axes_in = input_ints(inputs, 3);
      if (!axes_in) return std::nullopt;
      axes = *axes_in;
    }
    if (input_present(inputs, 4)) {
      auto steps_in = input_ints(inputs, 4);
      if (!steps_in) return std::nullopt;
      steps = *steps_in;
    }
  }
  if (axes.empty()) {
    axes.resize(starts.size());
    std::iota(axes.begin(), axes.end(), 0);
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    throw ShapeError("Slice starts/ends/axes/steps differ in length");
  }
  std::vector<SliceAxis> result(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) result[i] = {0, 1, shape[i]};
  for (size_t i = 0; i < starts.size(); ++i) {
    const auto axis = static_cast<size_t>(normalize_axis(axes[i], rank));
    const int64_t dim = shape[axis];
    const int64_t step = steps[i];
    if (step == 0) throw ShapeError("Slice step 0");
    int64_t start = starts[i];
    int64_t end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t size = 0;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      size = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      size = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
    result[axis] = {start, step, size};
  }
  return result;
}

std::optional<std::vector<int64_t>> resolve_pads(const OpNode& node, const NodeInputs& inputs, size_t rank) {
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  if (node.opset > 0 && node.opset < 11) {
    pads = node.ints_attr(node.has("paddings") ? "paddings" : "pads");
  } else {
    auto pads_in = input_ints(inputs, 1);
    if (!pads_in) return std::nullopt;
    pads = *pads_in;
    if (input_present(inputs, 3)) {
      auto axes_in = input_ints(inputs, 3);
      if (!axes_in) return std::nullopt;
      axes = *axes_in;
    }
  }
  if (axes.empty()) {
    if (pads.size() != 2 * rank) throw ShapeError(fmt::format("{} pads for rank {}", pads.size(), rank));
    return pads;
  }
  if (pads.size() != 2 * axes.size()) throw ShapeError(fmt::format("{} pads for {} axes", pads.size(), axes.size()));
  std::vector<int64_t> full(2 * rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto axis = static_cast<size_t>(normalize_axis(axes[i], static_cast<int64_t>(rank)));
    full[axis] = pads[i];
    full[axis + rank] = pads[i + axes.size()];
  }
  return full;
}

std::optional<ResizeScales> resolve_resize(const OpNode& node, const NodeInputs& inputs, const Shape& shape) {
  const size_t rank = shape.size();
  std::vector<int64_t> axes = node.ints_attr("axes");
  if (axes.empty()) {
    axes.resize(rank);
    std::iota(axes.begin(), axes.end(), 0);
  }
  for (int64_t& axis : axes) axis = normalize_axis(axis, static_cast<int64_t>(rank));
  ResizeScales result;
  result.scales.assign(rank, 1.0);
  result.output = shape;
  std::optional<std::vector<double>> scales;
  std::optional<std::vector<int64_t>> sizes;
  const bool upsample = node.op_type == "Upsample";
  if (upsample && node.opset < 9) {
    scales = node.floats_attr("scales");
  } else if (upsample || node.opset < 11) {
    if (!input_present(inputs, 1)) throw ShapeError("no scales");
    scales = values_as_reals(*inputs[1]);
    if (!scales) return std::nullopt;
  } else if (input_present(inputs, 2) && !input_empty(inputs, 2)) {
    scales = values_as_reals(*inputs[2]);
    if (!scales) return std::nullopt;
  } else if (input_present(inputs, 3)) {
    sizes = input_ints(inputs, 3);
    if (!sizes) return std::nullopt;
  } else {
    throw ShapeError("neither scales nor sizes");
  }
  if (scales) {
    if (scales->size() != axes.size())
      throw ShapeError(fmt::format("{} scales for {} axes", scales->size(), axes.size()));
    for (size_t i = 0; i < axes.size(); ++i) {
      const auto axis = static_cast<size_t>(axes[i]);
      const double scale = (*scales)[i];
      if (!(scale > 0)) throw ShapeError(fmt::format("scale {} is not positive", scale));
      result.scales[axis] = scale;
      // ONNX's inference and ONNX Runtime both compute the size in single precision.
      const float size = std::floor(static_cast<float>(shape[axis]) * static_cast<float>(scale));
      if (!(size < 9e18f)) throw ShapeError(fmt::format("scale {} makes axis {} overflow", scale, axis));
      result.output[axis] = static_cast<int64_t>(size);
    }
    return result;
  }
  if (sizes->size() != axes.size()) throw ShapeError(fmt::format("{} sizes for {} axes", sizes->size(), axes.size()));
  const std::string policy = node.string_attr("keep_aspect_ratio_policy", "stretch");
  if (policy == "not_larger" || policy == "not_smaller") {
    double scale = policy == "not_larger" ? INFINITY : 0.0;
    for (size_t i = 0; i < axes.size(); ++i) {
      const double ratio = static_cast<double>((*sizes)[i]) / static_cast<double>(shape[static_cast<size_t>(axes[i])]);
      scale = policy == "not_larger" ? std::min(scale, ratio) : std::max(scale, ratio);
    }
    for (int64_t axis : axes) {
      const double size = std::round(scale * static_cast<double>(shape[static_cast<size_t>(axis)]));
      if (!(size < 9e18)) throw ShapeError("Resize size overflows");
      result.scales[static_cast<size_t>(axis)] = scale;
      result.output[static_cast<size_t>(axis)] = static_cast<int64_t>(size);
    }
    return result;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    const auto axis = static_cast<size_t>(axes[i]);
    if ((*sizes)[i] < 0) throw ShapeError(fmt::format("negative size {}", (*sizes)[i]));
    result.output[axis] = (*sizes)[i];
    result.scales[axis] = shape[axis] > 0 ? static_cast<double>((*sizes)[i]) / static_cast<double>(shape[axis]) : 1.0;
  }
  return result;
}

bool has_shape_rule(const OpNode& node) {
  if (!node.domain.empty()) return false;
  const OperatorRow* row = find_operator(node.op_type);
  return row != nullptr && row->shape_rule != ShapeRule::kNone;
}

std::vector<TensorInfo> infer_output_shapes(const OpNode& node, const NodeInputs& inputs) {
  const Rule rule = rule_function(find_operator(node.op_type)->shape_rule);
  Outputs outputs;
  try {
    outputs = rule(Context(node, inputs));
  } catch (const Unknown& unknown) {
    outputs.clear();
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      // The rules that know a partial shape know it for every output (Split's parts, Dropout's
      // mask); the type only for the first.
      outputs.push_back(partly_known_tensor(i == 0 ? unknown.dtype : DataType::kUnknown, unknown.partial, unknown.reason));
    }
    return outputs;
  } catch (const std::out_of_range&) {
    throw ShapeError("a constant input has too few elements");
  }
  for (const TensorInfo& output : outputs) {
    for (int64_t dim : output.shape) {
      if (dim < 0) throw ShapeError(fmt::format("computed a negative dim in {}", shape_string(output.shape)));
    }
  }
  while (outputs.size() < node.outputs.size()) {
    outputs.push_back(unknown_tensor(
        DataType::kUnknown, fmt::format("bufopt has no rule for output {} of {}", outputs.size(), node.op_type)));
  }
  outputs.resize(node.outputs.size());
  return outputs;
}

}  // namespace bufopt::onnx
