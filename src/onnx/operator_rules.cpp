#include "bufopt/onnx/operator_rules.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "bufopt/graph/checked_math.h"
#include "bufopt/onnx/conv_geometry.h"
#include "bufopt/onnx/operator_table.h"
#include "bufopt/onnx/shape_rules.h"
#include "bufopt/onnx/streaming_axis.h"

namespace bufopt::onnx {

namespace {

using graph::RowMap;
using Shape = std::vector<int64_t>;

using Kind = OperatorKind;

Kind kind_of(const OpNode& node) {
  if (!node.domain.empty()) return Kind::kUnknown;
  const OperatorRow* row = find_operator(node.op_type);
  return row == nullptr ? Kind::kUnknown : row->kind;
}

const Shape& shape_of(const PortView& port) {
  return port.tensor->shape;
}

bool known(const PortView& port) {
  return port.tensor != nullptr && port.tensor->shape_known;
}

int rank_of(const PortView& port) {
  return static_cast<int>(port.tensor->shape.size());
}

/// Right-aligned broadcast links of `in` onto `out`.
std::vector<AxisLink> broadcast_links(const Shape& in, const Shape& out) {
  std::vector<AxisLink> links;
  if (in.size() > out.size()) return links;
  const int offset = static_cast<int>(out.size() - in.size());
  for (int k = 0; k < static_cast<int>(in.size()); ++k) {
    if (in[static_cast<size_t>(k)] == out[static_cast<size_t>(k + offset)]) links.push_back({k, k + offset, true});
  }
  return links;
}

/// Links for an operator that keeps the rank and mixes the axes flagged in `mixed`.
std::vector<AxisLink> unmixed_links(const Shape& in, const Shape& out, const std::vector<bool>& mixed) {
  std::vector<AxisLink> links;
  if (in.size() != out.size()) return links;
  for (size_t k = 0; k < in.size(); ++k) {
    if (!mixed[k] && in[k] == out[k]) links.push_back({static_cast<int>(k), static_cast<int>(k), true});
  }
  return links;
}

/// Axes a kAxisMixing operator mixes, for an input of `rank`.
std::vector<bool> mixed_axes(const NodeView& view, int rank) {
  const OpNode& node = *view.node;
  std::vector<bool> mixed(static_cast<size_t>(rank), false);
  auto mark_from = [&](int64_t axis) {
    for (int64_t k = normalize_axis(axis, rank); k < rank; ++k) mixed[static_cast<size_t>(k)] = true;
  };
  auto mark = [&](int64_t axis) { mixed[static_cast<size_t>(normalize_axis(axis, rank))] = true; };
  const std::string& op = node.op_type;
  if (op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") {
    if (node.opset < 13) {
      mark_from(node.int_attr("axis", 1));
    } else {
      mark(node.int_attr("axis", -1));
    }
  } else if (op == "LayerNormalization") {
    mark_from(node.int_attr("axis", -1));
  } else if (op == "LpNormalization" || op == "TopK") {
    mark(node.int_attr("axis", -1));
  } else if (op == "MeanVarianceNormalization") {
    for (int64_t axis : node.ints_attr("axes", {0, 2, 3})) {
      if (axis < rank && axis >= -rank) mark(axis);
    }
  } else if (op == "InstanceNormalization") {
    mark_from(std::min(2, rank - 1));
  } else if (op == "GroupNormalization") {
    mark_from(std::min(1, rank - 1));
  } else if (op == "Trilu") {
    mark_from(std::max(0, rank - 2));
  } else if (op == "CumSum") {
    const TensorInfo* axis = view.inputs.size() > 1 ? view.inputs[1].tensor : nullptr;
    const auto values = axis ? values_as_ints(*axis) : std::nullopt;
    if (values && values->size() == 1) {
      mark((*values)[0]);
    } else {
      mark_from(0);
    }
  }
  return mixed;
}

std::vector<AxisLink> reduction_links(const NodeView& view, const Shape& in, const Shape& out) {
  const OpNode& node = *view.node;
  const auto rank = static_cast<int64_t>(in.size());
  std::vector<bool> reduced(in.size(), false);
  const bool keep = node.int_attr("keepdims", 1) != 0;
  if (node.op_type == "ArgMax" || node.op_type == "ArgMin") {
    reduced[static_cast<size_t>(normalize_axis(node.int_attr("axis", 0), rank))] = true;
  } else {
    NodeInputs inputs;
    for (const PortView& port : view.inputs) inputs.push_back(port.tensor);
    const AxesArgument argument = axes_argument(node, inputs);
    if (!argument.known) return {};
    if (argument.axes.empty()) {
      if (node.int_attr("noop_with_empty_axes", 0) != 0) return broadcast_links(in, out);
      std::fill(reduced.begin(), reduced.end(), true);
    }
    for (int64_t axis : argument.axes) reduced[static_cast<size_t>(normalize_axis(axis, rank))] = true;
  }
  std::vector<AxisLink> links;
  int next = 0;
  for (size_t k = 0; k < in.size(); ++k) {
    if (!reduced[k]) links.push_back({static_cast<int>(k), next, true});
    if (!reduced[k] || keep) ++next;
  }
  return links;
}

std::vector<AxisLink> matmul_links(const NodeView& view, size_t port) {
  const size_t b_port = view.node->op_type == "QLinearMatMul" ? 3 : 1;
  const size_t a_port = 0;
  if (port != a_port && port != b_port) return {};
  if (view.inputs.size() <= b_port || !known(view.inputs[a_port]) || !known(view.inputs[b_port])) return {};
  const Shape& a = shape_of(view.inputs[a_port]);
  const Shape& b = shape_of(view.inputs[b_port]);
  const Shape& out = shape_of(view.outputs[0]);
  if (a.empty() || b.empty()) return {};
  // Ranks as if neither operand were a vector (numpy promotes them, then drops the axis).
  const int effective_out = static_cast<int>(out.size()) + (a.size() == 1 ? 1 : 0) + (b.size() == 1 ? 1 : 0);
  std::vector<AxisLink> links;
  if (port == a_port) {
    if (a.size() < 2) return {};
    const int offset = effective_out - static_cast<int>(a.size());
    for (int k = 0; k + 1 < static_cast<int>(a.size()); ++k) {
      const int o = k + offset;
      if (o < static_cast<int>(out.size()) && a[static_cast<size_t>(k)] == out[static_cast<size_t>(o)]) {
        links.push_back({k, o, true});
      }
    }
    return links;
  }
  if (b.size() < 2) return {};
  const int offset = effective_out - static_cast<int>(b.size());
  for (int k = 0; k + 2 < static_cast<int>(b.size()); ++k) {
    const int o = k + offset;
    if (a.size() >= 2 && o < static_cast<int>(out.size()) && b[static_cast<size_t>(k)] == out[static_cast<size_t>(o)]) {
      links.push_back({k, o, true});
    }
  }
  return links;
}

std::vector<AxisLink> gather_links(const NodeView& view, size_t port) {
  const Shape& data = shape_of(view.inputs[0]);
  const Shape& out = shape_of(view.outputs[0]);
  const auto rank = static_cast<int64_t>(data.size());
  const int axis = static_cast<int>(normalize_axis(view.node->int_attr("axis", 0), rank));
  if (view.inputs.size() < 2 || !known(view.inputs[1])) return {};
  const int index_rank = rank_of(view.inputs[1]);
  std::vector<AxisLink> links;
  if (port == 0) {
    for (int k = 0; k < static_cast<int>(rank); ++k) {
      if (k < axis) links.push_back({k, k, true});
      if (k > axis) links.push_back({k, k + index_rank - 1, true});
    }
  } else if (port == 1) {
    for (int k = 0; k < index_rank; ++k) links.push_back({k, axis + k, true});
  }
  std::erase_if(links, [&](const AxisLink& link) {
    const Shape& in = port == 0 ? data : shape_of(view.inputs[1]);
    return link.output_axis >= static_cast<int>(out.size()) ||
           in[static_cast<size_t>(link.input_axis)] != out[static_cast<size_t>(link.output_axis)];
  });
  return links;
}

std::vector<AxisLink> regroup_links(const Shape& in, const Shape& out) {
  std::vector<AxisLink> links;
  for (int k = 0; k < static_cast<int>(in.size()); ++k) {
    const auto to = regrouped_axis(in, k, out);
    if (to) links.push_back({k, *to, true});
  }
  return links;
}

/// Links along which rows relate through a window (the axis keeps its index).
std::vector<AxisLink> windowed_links(const Shape& in, const Shape& out, const std::vector<bool>& windowed) {
  std::vector<AxisLink> links;
  if (in.size() != out.size()) return links;
  for (size_t k = 0; k < in.size(); ++k) {
    if (windowed[k]) {
      links.push_back({static_cast<int>(k), static_cast<int>(k), false});
    } else if (in[k] == out[k]) {
      links.push_back({static_cast<int>(k), static_cast<int>(k), true});
    }
  }
  return links;
}

// ---- row maps -------------------------------------------------------------------------------

/// The result of mapping one port: a row map, or why the operator must be a barrier.
struct PortMap {
  std::optional<RowMap> map;
  std::string barrier_reason;
};

PortMap barrier(std::string reason) {
  return {std::nullopt, std::move(reason)};
}

const PortView& out0(const NodeView& view) {
  return view.outputs[0];
}

std::optional<AxisLink> link_for(const NodeView& view, size_t port) {
  const PortView& in = view.inputs[port];
  for (const AxisLink& link : axis_links(view, port)) {
    if (link.input_axis == *in.axis) return link;
  }
  return std::nullopt;
}

PortMap window_map(const NodeView& view, size_t port, const AxisLink& link, OperatorModel& model) {
  const OpNode& node = *view.node;
  const PortView& in = view.inputs[port];
  const Shape& x = shape_of(in);
  const int spatial = link.input_axis - 2;
  if (spatial < 0) return barrier(fmt::format("{} does not stream along a spatial axis", node.op_type));
  const size_t weight_port = node.op_type == "QLinearConv" ? 3 : 1;
  Shape kernel_from_weight;
  const bool has_weight = node.op_type == "Conv" || node.op_type == "ConvInteger" || node.op_type == "QLinearConv" ||
                          node.op_type == "ConvTranspose";
  if (has_weight && view.inputs.size() > weight_port && known(view.inputs[weight_port])) {
    const Shape& w = shape_of(view.inputs[weight_port]);
    kernel_from_weight.assign(w.begin() + 2, w.end());
  }
  const auto attributes = window_attributes(node, x.size() - 2, kernel_from_weight);
  const Shape input_spatial(x.begin() + 2, x.end());
  const bool transposed = node.op_type == "ConvTranspose";
  const auto geometry =
      transposed ? transposed_geometry(attributes, input_spatial) : window_geometry(attributes, input_spatial);
  const AxisGeometry& axis = geometry[static_cast<size_t>(spatial)];
  model.kernel = axis.kernel;
  model.stride = axis.stride;
  model.dilation = axis.dilation;
  model.pad_begin = axis.pad_begin;
  model.pad_end = axis.pad_end;
  if (transposed) return {graph::TransposedWindow{axis.kernel, axis.stride, axis.dilation, axis.pad_begin}, {}};
  return {graph::SlidingWindow{axis.kernel, axis.stride, axis.dilation, axis.pad_begin}, {}};
}

PortMap concat_map(const NodeView& view, size_t port, int axis) {
  int64_t offset = 0;
  for (size_t p = 0; p < port; ++p) {
    if (view.inputs[p].present()) offset += shape_of(view.inputs[p])[static_cast<size_t>(axis)];
  }
  return {graph::SlidingWindow{1, 1, 1, offset}, {}};
}

PortMap slice_map(const NodeView& view, int axis) {
  NodeInputs inputs;
  for (const PortView& port : view.inputs) inputs.push_back(port.tensor);
  const auto slice = resolve_slice(*view.node, inputs, shape_of(view.inputs[0]));
  if (!slice) return barrier("Slice bounds are not known constants");
  const SliceAxis& along = (*slice)[static_cast<size_t>(axis)];
  if (along.step < 0) return barrier("Slice reverses the streaming axis");
  return {graph::SlidingWindow{1, along.step, 1, -along.start}, {}};
}

PortMap pad_map(const NodeView& view, int axis) {
  NodeInputs inputs;
  for (const PortView& port : view.inputs) inputs.push_back(port.tensor);
  const size_t rank = shape_of(view.inputs[0]).size();
  const auto pads = resolve_pads(*view.node, inputs, rank);
  if (!pads) return barrier("Pad pads are not known constants");
  const int64_t top = (*pads)[static_cast<size_t>(axis)];
  const int64_t bottom = (*pads)[static_cast<size_t>(axis) + rank];
  const std::string mode = view.node->string_attr("mode", "constant");
  if (mode != "constant" && (top != 0 || bottom != 0)) {
    return barrier(fmt::format("Pad ({}) along the streaming axis", mode));
  }
  return {graph::SlidingWindow{1, 1, 1, top}, {}};
}

PortMap resize_map(const NodeView& view, int axis) {
  const OpNode& node = *view.node;
  NodeInputs inputs;
  for (const PortView& port : view.inputs) inputs.push_back(port.tensor);
  const auto resize = resolve_resize(node, inputs, shape_of(view.inputs[0]));
  if (!resize) return barrier("Resize scales are not known constants");
  graph::ResizeRows rows;
  rows.scale = resize->scales[static_cast<size_t>(axis)];
  const std::string mode = node.string_attr("mode", "nearest");
  using R = graph::ResizeRows;
  if (mode == "nearest") {
    rows.interpolation = R::Interpolation::kNearest;
  } else if (mode == "linear" || mode == "bilinear") {
    rows.interpolation = R::Interpolation::kLinear;
  } else if (mode == "cubic" || mode == "bicubic") {
    rows.interpolation = R::Interpolation::kCubic;
  } else {
    return barrier(fmt::format("Resize mode '{}'", mode));
  }
  if (node.op_type == "Upsample" || node.opset < 11) {
    // Upsample and Resize-10 index the input at floor(r / scale) (ONNX Runtime's "simple" mode).
    rows.coordinates = R::Coordinates::kAsymmetric;
    rows.rounding = rows.scale >= 1 ? R::Rounding::kFloor : R::Rounding::kCeil;
    return {rows, {}};
  }
  const std::string coordinates = node.string_attr("coordinate_transformation_mode", "half_pixel");
  if (coordinates == "half_pixel") {
    rows.coordinates = R::Coordinates::kHalfPixel;
  } else if (coordinates == "pytorch_half_pixel") {
    rows.coordinates = R::Coordinates::kPytorchHalfPixel;
  } else if (coordinates == "align_corners") {
    rows.coordinates = R::Coordinates::kAlignCorners;
  } else if (coordinates == "asymmetric") {
    rows.coordinates = R::Coordinates::kAsymmetric;
  } else if (coordinates == "tf_half_pixel_for_nn") {
    rows.coordinates = R::Coordinates::kTfHalfPixelForNn;
  } else {
    return barrier(fmt::format("Resize coordinate mode '{}'", coordinates));
  }
  const std::string rounding = node.string_attr("nearest_mode", "round_prefer_floor");
  if (rounding == "round_prefer_floor") {
    rows.rounding = R::Rounding::kRoundPreferFloor;
  } else if (rounding == "round_prefer_ceil") {
    rows.rounding = R::Rounding::kRoundPreferCeil;
  } else if (rounding == "floor") {
    rows.rounding = R::Rounding::kFloor;
  } else if (rounding == "ceil") {
    rows.rounding = R::Rounding::kCeil;
  } else {
    return barrier(fmt::format("Resize nearest mode '{}'", rounding));
  }
  if (node.int_attr("antialias", 0) != 0 && rows.scale < 1 && rows.interpolation != R::Interpolation::kNearest) {
    return barrier("Resize with antialias widens its window");
  }
  return {rows, {}};
}

/// The map of a port whose rows relate to the output's through a window.
PortMap windowed_map(const NodeView& view, size_t port, const AxisLink& link, Kind kind, OperatorModel& model) {
  const int64_t block = view.node->int_attr("blocksize", 1);
  switch (kind) {
    case Kind::kWindow:
    case Kind::kTransposedWindow:
      return window_map(view, port, link, model);
    case Kind::kConcat:
      return concat_map(view, port, link.input_axis);
    case Kind::kSlice:
      return slice_map(view, link.input_axis);
    case Kind::kPad:
      return pad_map(view, link.input_axis);
    case Kind::kResize:
      return resize_map(view, link.input_axis);
    case Kind::kDepthToSpace:
      return {graph::TransposedWindow{block, block, 1, 0}, {}};
    case Kind::kSpaceToDepth:
      return {graph::SlidingWindow{block, block, 1, 0}, {}};
    default:
      return barrier(fmt::format("{} mixes rows along the streaming axis", view.node->op_type));
  }
}

std::string mixing_reason(const NodeView& view, Kind kind, const PortView& in) {
  const std::string& op = view.node->op_type;
  switch (kind) {
    case Kind::kRegroup:
      return fmt::format("{} merges or splits the streaming axis of '{}'", op, in.name);
    case Kind::kTranspose:
      return fmt::format("Transpose moves the streaming axis of '{}'", in.name);
    case Kind::kMatMul:
      return fmt::format("{} contracts over the streaming axis of '{}'", op, in.name);
    case Kind::kReduction:
      return fmt::format("{} reduces over the streaming axis", op);
    case Kind::kAxisMixing:
      return fmt::format("{} mixes values along the streaming axis", op);
    case Kind::kSplit:
      return "Split along the streaming axis";
    case Kind::kGather:
      return "Gather along the streaming axis";
    case Kind::kTile:
      return "Tile repeats the streaming axis";
    default:
      return fmt::format("{} mixes rows along the streaming axis of '{}'", op, in.name);
  }
}

/// Row map of activation port `port`.
PortMap port_map(const NodeView& view, size_t port, Kind kind, OperatorModel& model) {
  const PortView& in = view.inputs[port];
  const PortView& out = out0(view);
  const int64_t out_rows = out.rows();
  if (!known(in)) return barrier(fmt::format("input '{}' has an unknown shape", in.name));
  const bool matmul_b = kind == Kind::kMatMul && port != 0;
  const bool conv_weight = (kind == Kind::kWindow || kind == Kind::kTransposedWindow) && port != 0;
  if (in.rows() <= 1) {
    return {out_rows > 1 ? RowMap{graph::BroadcastRow{}} : RowMap{graph::SlidingWindow{}}, {}};
  }
  const auto link = link_for(view, port);
  if (link && out.axis && link->output_axis == *out.axis) {
    if (link->same_rows) return {graph::SlidingWindow{}, {}};
    return windowed_map(view, port, *link, kind, model);
  }
  // A second operand read whole by every firing (attention's keys, a dynamic weight).
  if (matmul_b || conv_weight) return {graph::WholeInput{}, {}};
  return barrier(mixing_reason(view, kind, in));
}

bool has_activation_ports(const NodeView& view) {
  return std::any_of(view.inputs.begin(), view.inputs.end(), [](const PortView& p) { return p.activation(); });
}

int64_t output_elements(const NodeView& view) {
  int64_t total = 0;
  for (const PortView& output : view.outputs) {
    if (!output.present()) continue;
    total = graph::checked_add(total, output.tensor->elements().value_or(0)).value_or(total);
  }
  return total;
}

int64_t product_of(const Shape& shape, size_t begin) {
  int64_t result = 1;
  for (size_t i = begin; i < shape.size(); ++i) result = graph::checked_mul(result, shape[i]).value_or(0);
  return result;
}

/// Multiply-accumulates of a MAC operator (0 when the shapes are unknown).
int64_t macs_of(const NodeView& view, Kind kind) {
  const OpNode& node = *view.node;
  if (view.outputs.empty() || !known(out0(view))) return 0;  // a hostile node may have no output
  const int64_t out_elements = out0(view).tensor->elements().value_or(0);
  auto mul = [](int64_t a, int64_t b) { return graph::checked_mul(a, b).value_or(0); };
  if (kind == Kind::kWindow && node.op_type != "MaxPool" && node.op_type != "AveragePool" && node.op_type != "LpPool") {
    const size_t weight_port = node.op_type == "QLinearConv" ? 3 : 1;
    if (view.inputs.size() <= weight_port || !known(view.inputs[weight_port])) return 0;
    const Shape& w = shape_of(view.inputs[weight_port]);
    return mul(out_elements, product_of(w, 1));  // (Cin/group) * prod(kernel)
  }
  if (kind == Kind::kTransposedWindow) {
    if (view.inputs.size() < 2 || !known(view.inputs[0]) || !known(view.inputs[1])) return 0;
    const Shape& w = shape_of(view.inputs[1]);
    return mul(view.inputs[0].tensor->elements().value_or(0), product_of(w, 1));  // (Cout/group) * prod(kernel)
  }
  // A hostile model may give Gemm or MatMul no input, or inputs of rank 0 or 1.
  if (kind == Kind::kGemm) {
    if (view.inputs.empty() || !known(view.inputs[0])) return 0;
    const Shape& a = shape_of(view.inputs[0]);
    if (a.size() < 2) return 0;
    const int64_t k = node.int_attr("transA", 0) != 0 ? a[0] : a[1];
    return mul(out_elements, k);
  }
  if (kind == Kind::kMatMul) {
    if (view.inputs.empty() || !known(view.inputs[0]) || shape_of(view.inputs[0]).empty()) return 0;
    return mul(out_elements, shape_of(view.inputs[0]).back());
  }
  return 0;
}

bool is_mac_kind(const NodeView& view, Kind kind) {
  const std::string& op = view.node->op_type;
  return (kind == Kind::kWindow && op != "MaxPool" && op != "AveragePool" && op != "LpPool") ||
         kind == Kind::kTransposedWindow || kind == Kind::kGemm || kind == Kind::kMatMul;
}

/// Why a kind is a barrier whatever its axes; empty when it is not.
std::string inherent_barrier(const NodeView& view, Kind kind) {
  const std::string& op = view.node->op_type;
  const std::string qualified = view.node->domain.empty() ? op : view.node->domain + "." + op;
  switch (kind) {
    case Kind::kGlobalPool:
      return fmt::format("{} reads every row", op);
    case Kind::kGemm:
      return "Gemm mixes all rows";
    case Kind::kWholeTensor:
      return fmt::format("{} needs the whole tensor", op);
    case Kind::kShapeOf:
      return fmt::format("{} of a tensor of unknown shape", op);
    case Kind::kUnsupported:
      if (op == "If" || op == "Loop" || op == "Scan")
        return fmt::format("{} runs a subgraph bufopt does not analyse", op);
      return fmt::format("unsupported operator {}", op);
    case Kind::kUnknown:
      return fmt::format("unsupported operator {}", qualified);
    default:
      return {};
  }
}

void make_barrier(OperatorModel& model, const NodeView& view, std::string reason) {
  model.barrier = true;
  if (model.barrier_reason.empty()) model.barrier_reason = std::move(reason);
  model.port_maps.assign(view.inputs.size(), graph::WholeInput{});
}

/// Ports of one tensor must agree on their map. Linear in the ports (a hostile Concat may have
/// hundreds of thousands).
std::string disagreeing_ports(const NodeView& view, const OperatorModel& model) {
  std::unordered_map<std::string_view, size_t> first_port;
  for (size_t port = 0; port < view.inputs.size(); ++port) {
    if (!view.inputs[port].activation()) continue;
    const auto [first, inserted] = first_port.try_emplace(view.inputs[port].name, port);
    if (!inserted && !(model.port_maps[first->second] == model.port_maps[port])) {
      return fmt::format("reads '{}' at two ports with different rows", view.inputs[port].name);
    }
  }
  return {};
}

/// MODEL 2.1: a fusable operator reading exactly one activation (at one port, of the output's
/// shape, so not a broadcast) and otherwise only constants.
bool is_fusable(const NodeView& view) {
  if (!view.node->domain.empty()) return false;
  const OperatorRow* row = find_operator(view.node->op_type);
  if (row == nullptr || !row->fusable) return false;
  const PortView* activation = nullptr;
  for (const PortView& port : view.inputs) {
    if (!port.activation()) continue;
    if (activation != nullptr) return false;  // a second activation port (Mul(x, x) included)
    activation = &port;
  }
  return activation != nullptr && known(*activation) && known(out0(view)) &&
         shape_of(*activation) == shape_of(out0(view));
}

/// MODEL 4.1 in-place element-wise: Add / Sub / Mul / Div / Max / Min, or an element-wise
/// operator of one activation input (BatchNormalization and the unary ops), computing each
/// output element from the same element of its inputs. LRN mixes channels and Identity is a
/// view (views.h); the graph decides which input, if any, has the output's shape and storage.
bool may_write_in_place(const NodeView& view) {
  if (!view.node->domain.empty()) return false;
  const OperatorRow* row = find_operator(view.node->op_type);
  if (row == nullptr || row->kind != Kind::kElementwise) return false;
  const std::string& op = view.node->op_type;
  if (op == "LRN" || op == "Identity" || op == "Dropout") return false;
  static constexpr std::array<std::string_view, 6> kBinary = {"Add", "Sub", "Mul", "Div", "Max", "Min"};
  if (std::find(kBinary.begin(), kBinary.end(), op) != kBinary.end()) return true;
  return std::count_if(view.inputs.begin(), view.inputs.end(), [](const PortView& port) { return port.activation(); }) == 1;
}

// ---- streaming reductions (MODEL 3) ----------------------------------------------------------

/// True when the node's only activation input is port 0, of known shape with a streaming axis.
bool reads_one_streamed_activation(const NodeView& view) {
  for (size_t port = 1; port < view.inputs.size(); ++port) {
    if (view.inputs[port].activation()) return false;
  }
  return !view.inputs.empty() && view.inputs[0].activation() && known(view.inputs[0]) && view.inputs[0].axis;
}

/// True when the node has outputs and each present one has a known shape of one row.
bool writes_one_row(const NodeView& view) {
  if (view.outputs.empty() || !out0(view).present()) return false;
  return std::all_of(view.outputs.begin(), view.outputs.end(), [](const PortView& output) {
    return !output.present() || (output.tensor->shape_known && output.rows() == 1);
  });
}

/// True when a Reduce* node's axes include axis `axis` of its input (every axis when it names
/// none, unless noop_with_empty_axes). False when the axes are not known constants.
bool reduce_includes_axis(const NodeView& view, int axis) {
  const OpNode& node = *view.node;
  NodeInputs inputs;
  for (const PortView& port : view.inputs) inputs.push_back(port.tensor);
  const AxesArgument argument = axes_argument(node, inputs);
  if (!argument.known) return false;
  if (argument.axes.empty()) return node.int_attr("noop_with_empty_axes", 0) == 0;
  const auto rank = static_cast<int64_t>(shape_of(view.inputs[0]).size());
  return std::any_of(argument.axes.begin(), argument.axes.end(),
                     [&](int64_t reduced) { return normalize_axis(reduced, rank) == axis; });
}

/// Global pooling, or a Reduce* whose axes include the streaming axis of its one activation,
/// writing one row: it may consume its input row by row and emit its row at the end.
bool reduces_streaming_axis(const NodeView& view, Kind kind) {
  const bool reduce = kind == Kind::kReduction && view.node->op_type.starts_with("Reduce");
  if (kind != Kind::kGlobalPool && !reduce) return false;
  if (!reads_one_streamed_activation(view) || !writes_one_row(view)) return false;
  const int axis = *view.inputs[0].axis;
  try {
    // Global pooling reduces every spatial axis (2 and beyond).
    return kind == Kind::kGlobalPool ? axis >= 2 : reduce_includes_axis(view, axis);
  } catch (const ShapeError&) {
    return false;
  }
}

/// A pooling node whose one output row's window covers every input row (a 7x7 AveragePool on a
/// 7-row input): the same reduction, consumed row by row. Called once the port maps are known.
bool whole_height_pool(const NodeView& view, Kind kind, const OperatorModel& model) {
  const std::string& op = view.node->op_type;
  if (kind != Kind::kWindow || (op != "MaxPool" && op != "AveragePool" && op != "LpPool")) return false;
  if (!reads_one_streamed_activation(view) || !writes_one_row(view)) return false;
  const size_t present_outputs = static_cast<size_t>(
      std::count_if(view.outputs.begin(), view.outputs.end(), [](const PortView& port) { return port.present(); }));
  if (present_outputs != 1) return false;  // MaxPool's Indices: keep the plain model
  const auto* window = std::get_if<graph::SlidingWindow>(&model.port_maps[0]);
  if (window == nullptr) return false;
  const auto span = graph::checked_mul(window->dilation, window->kernel - 1);
  if (!span) return false;
  // Output row 0 reads [-pad_begin, -pad_begin + span + 1), clamped to the input.
  return window->pad_begin >= 0 && *span + 1 - window->pad_begin >= view.inputs[0].rows();
}

}  // namespace

int64_t PortView::rows() const {
  if (tensor == nullptr || !tensor->shape_known || !axis) return 1;
  const auto index = static_cast<size_t>(*axis);
  return index < tensor->shape.size() && tensor->shape[index] > 0 ? tensor->shape[index] : 1;
}

bool spatial_operator(const OpNode& node) {
  const Kind kind = kind_of(node);
  return kind == Kind::kWindow || kind == Kind::kTransposedWindow || kind == Kind::kGlobalPool;
}

std::vector<AxisLink> axis_links(const NodeView& view, size_t port) {
  if (port >= view.inputs.size() || view.outputs.empty() || !known(view.inputs[port]) || !known(out0(view))) return {};
  const Shape& in = shape_of(view.inputs[port]);
  const Shape& out = shape_of(out0(view));
  const OpNode& node = *view.node;
  const Kind kind = kind_of(node);
  try {
    switch (kind) {
      case Kind::kElementwise:
        if (node.op_type == "PRelu" && port == 1 && prelu_per_channel(node, out, in)) {
          return in[0] == out[1] ? std::vector<AxisLink>{{0, 1, true}} : std::vector<AxisLink>{};
        }
        return broadcast_links(in, out);
      case Kind::kExpand:
        return broadcast_links(in, out);
      case Kind::kWindow:
      case Kind::kTransposedWindow: {
        if (port != 0 || in.size() != out.size() || in.size() < 3) return {};
        std::vector<AxisLink> links{{0, 0, in[0] == out[0]}};
        for (int k = 2; k < static_cast<int>(in.size()); ++k) links.push_back({k, k, false});
        return links;
      }
      case Kind::kConcat: {
        std::vector<bool> windowed(in.size(), false);
        windowed[static_cast<size_t>(
            normalize_axis(node.int_attr("axis", node.opset < 4 ? 1 : 0), static_cast<int64_t>(in.size())))] = true;
        return windowed_links(in, out, windowed);
      }
      case Kind::kSplit: {
        if (port != 0) return {};
        std::vector<bool> mixed(in.size(), false);
        mixed[static_cast<size_t>(normalize_axis(node.int_attr("axis", 0), static_cast<int64_t>(in.size())))] = true;
        return unmixed_links(in, out, mixed);
      }
      case Kind::kSlice:
      case Kind::kPad:
      case Kind::kResize:
      case Kind::kDepthToSpace:
      case Kind::kSpaceToDepth: {
        if (port != 0 || in.size() != out.size()) return {};
        std::vector<bool> windowed(in.size(), false);
        for (size_t k = 0; k < in.size(); ++k) windowed[k] = in[k] != out[k];
        if (kind == Kind::kDepthToSpace || kind == Kind::kSpaceToDepth) {
          if (in.size() != 4) return {};
          std::vector<AxisLink> links{{0, 0, true}, {2, 2, false}, {3, 3, false}};
          return links;
        }
        if (kind == Kind::kSlice || kind == Kind::kPad) {
          // An axis sliced or padded without changing size still shifts rows when start != 0.
          NodeInputs inputs;
          for (const PortView& p : view.inputs) inputs.push_back(p.tensor);
          if (kind == Kind::kSlice) {
            const auto slice = resolve_slice(node, inputs, in);
            if (!slice) return {};
            for (size_t k = 0; k < in.size(); ++k)
              windowed[k] = (*slice)[k].start != 0 || (*slice)[k].step != 1 || windowed[k];
          } else {
            const auto pads = resolve_pads(node, inputs, in.size());
            if (!pads) return {};
            for (size_t k = 0; k < in.size(); ++k) windowed[k] = (*pads)[k] != 0 || (*pads)[k + in.size()] != 0;
          }
        }
        return windowed_links(in, out, windowed);
      }
      case Kind::kRegroup:
        return port == 0 ? regroup_links(in, out) : std::vector<AxisLink>{};
      case Kind::kTranspose: {
        if (port != 0) return {};
        std::vector<int64_t> perm = node.ints_attr("perm");
        if (perm.empty()) {
          for (int64_t k = static_cast<int64_t>(in.size()); k-- > 0;) perm.push_back(k);
        }
        std::vector<AxisLink> links;
        for (int j = 0; j < static_cast<int>(perm.size()); ++j) {
          const int from =
              static_cast<int>(normalize_axis(perm[static_cast<size_t>(j)], static_cast<int64_t>(in.size())));
          links.push_back({from, j, true});
        }
        return links;
      }
      case Kind::kMatMul:
        return matmul_links(view, port);
      case Kind::kReduction:
        return port == 0 ? reduction_links(view, in, out) : std::vector<AxisLink>{};
      case Kind::kAxisMixing:
        return port == 0 ? unmixed_links(in, out, mixed_axes(view, static_cast<int>(in.size())))
                         : std::vector<AxisLink>{};
      case Kind::kGather:
        return gather_links(view, port);
      case Kind::kTile: {
        if (port != 0 || in.size() != out.size()) return {};
        std::vector<bool> mixed(in.size(), false);
        for (size_t k = 0; k < in.size(); ++k) mixed[k] = in[k] != out[k];
        return unmixed_links(in, out, mixed);
      }
      default:
        return {};
    }
  } catch (const ShapeError&) {
    return {};
  }
}

OperatorModel model_operator(const NodeView& view) {
  OperatorModel model;
  const OpNode& node = *view.node;
  const Kind kind = kind_of(node);
  model.port_maps.assign(view.inputs.size(), graph::SlidingWindow{});
  model.unsupported = kind == Kind::kUnknown || kind == Kind::kUnsupported;
  model.macs = macs_of(view, kind);
  model.elementwise_ops = is_mac_kind(view, kind) ? 0 : output_elements(view);
  if (kind == Kind::kWindow || kind == Kind::kTransposedWindow) model.groups = node.int_attr("group", 1);
  if (reduces_streaming_axis(view, kind)) {
    // MODEL 3: consumed row by row, its row written at the end; output row 0 reads every row.
    model.streaming_reduction = true;
    model.port_maps.assign(view.inputs.size(), graph::WholeInput{});
    return model;
  }
  if (const std::string reason = inherent_barrier(view, kind); !reason.empty()) {
    make_barrier(model, view, reason);
    return model;
  }
  for (const PortView& output : view.outputs) {
    if (output.present() && !output.tensor->shape_known) {
      make_barrier(model, view, fmt::format("output '{}' has an unknown shape", output.name));
      return model;
    }
  }
  if (view.outputs.empty() || !out0(view).present()) {
    make_barrier(model, view, "no output");
    return model;
  }
  try {
    for (size_t port = 0; port < view.inputs.size(); ++port) {
      if (!view.inputs[port].activation()) continue;
      PortMap mapped = port_map(view, port, kind, model);
      if (!mapped.map) {
        make_barrier(model, view, mapped.barrier_reason);
        return model;
      }
      model.port_maps[port] = *mapped.map;
    }
  } catch (const ShapeError& error) {
    make_barrier(model, view, fmt::format("{}: {}", node.op_type, error.what()));
    return model;
  }
  if (const std::string reason = disagreeing_ports(view, model); !reason.empty()) {
    make_barrier(model, view, reason);
    return model;
  }
  const int64_t rows = out0(view).rows();
  for (const PortView& output : view.outputs) {
    if (output.present() && output.rows() != rows) {
      make_barrier(model, view, "outputs of different heights");
      return model;
    }
  }
  if (!has_activation_ports(view) && rows > 1) {
    // No activation input but a streamed output (a generator): one firing writes it all.
    make_barrier(model, view, fmt::format("{} reads no activation", node.op_type));
    return model;
  }
  model.streaming_reduction = whole_height_pool(view, kind, model);
  model.fusable = is_fusable(view);
  model.in_place = may_write_in_place(view);
  return model;
}

std::vector<std::string> modelled_operators() {
  std::vector<std::string> names;
  for (const OperatorRow& row : operator_table()) {
    if (row.kind != Kind::kUnsupported && row.kind != Kind::kUnknown) names.emplace_back(row.op_type);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace bufopt::onnx
