#include "bufopt/onnx/import.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bufopt/graph/checked_math.h"
#include "bufopt/graph/fusion.h"
#include "bufopt/onnx/constant_folding.h"
#include "bufopt/onnx/import_capture.h"
#include "bufopt/onnx/libonnx_checks.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/operator_rules.h"
#include "bufopt/onnx/printable_names.h"
#include "bufopt/onnx/proto_nodes.h"
#include "bufopt/onnx/shape_rules.h"
#include "bufopt/onnx/streaming_axis.h"
#include "bufopt/onnx/tensor_data.h"
#include "bufopt/onnx/topo_sort.h"

namespace bufopt::onnx {

namespace fs = std::filesystem;

namespace {

using graph::DataType;

/// The newest IR version and default-domain opset libonnx 1.12 has schemas for; beyond them
/// its checker and shape inference are skipped and bufopt's own rules do the work.
constexpr int64_t kNewestIrVersion = 8;
constexpr int64_t kNewestOpset = 17;

/// A placeholder for an unknown dim in the --input-shape hint.
std::string dim_placeholder(size_t index, size_t rank) {
  static const char* const kNchw[] = {"N", "C", "H", "W"};
  static const char* const kNcl[] = {"N", "C", "L"};
  static const char* const kNl[] = {"N", "L"};
  if (rank == 4) return kNchw[index];
  if (rank == 3) return kNcl[index];
  if (rank == 2) return kNl[index];
  return fmt::format("D{}", index);
}

/// The static shapes the model declares (value_info, outputs) or ONNX's inference found, by name.
TensorTable collect_onnx_shapes(const ::onnx::GraphProto& graph) {
  TensorTable shapes;
  auto take = [&](const ::onnx::ValueInfoProto& info) {
    if (!info.type().has_tensor_type()) return;
    const auto& tensor_type = info.type().tensor_type();
    TensorInfo tensor;
    tensor.dtype = graph::dtype_from_int(tensor_type.elem_type());
    if (tensor_type.has_shape()) {
      tensor.shape_known = true;
      for (const auto& dim : tensor_type.shape().dim()) {
        const bool known = dim.has_dim_value() && dim.dim_value() >= 0;
        tensor.shape_known = tensor.shape_known && known;
        tensor.shape.push_back(known ? dim.dim_value() : graph::kUnknownDim);
      }
    }
    if (!tensor.shape_known) {
      // A partly known shape ([2, ?]): ONNX's inference knows the rank and some dims.
      tensor.partial_shape = std::move(tensor.shape);
      tensor.shape.clear();
    }
    shapes[info.name()] = std::move(tensor);
  };
  for (const auto& info : graph.value_info()) take(info);
  for (const auto& info : graph.output()) take(info);
  return shapes;
}

/// How much a partial shape says: its known dims, plus one for a known rank (-1 for none).
int known_dims(const std::vector<int64_t>& partial) {
  if (partial.empty()) return -1;
  return static_cast<int>(std::count_if(partial.begin(), partial.end(),
                                        [](int64_t dim) { return dim != graph::kUnknownDim; }));
}

/// Builds the graph of one model file (see import_model).
class Importer {
 public:
  /// `model_dir`: where external data files are; `fallback_name`: the graph's name when the
  /// model gives none.
  /// `capture`: non-null for an executable import (import_capture.h): every constant decoded
  /// with its values, the importer's state moved into it at the end.
  Importer(const fs::path& model_dir, std::string fallback_name, const ImportOptions& options,
           ImportCapture* capture = nullptr)
      : model_dir_(model_dir),
        fallback_name_(std::move(fallback_name)),
        options_(options),
        external_(model_dir, options.limits.max_external_bytes),
        capture_(capture),
        decoding_(capture ? ValueDecoding::kAll : ValueDecoding::kSmallOnly) {}

  graph::Graph run(::onnx::ModelProto model) {
    model_ = std::move(model);
    make_names_printable(model_);
    read_header();
    read_initializers();
    read_nodes();
    resolve_inputs();
    order_ = topological_order(nodes_, available_names());
    // Shapes the model declares hold for its own input shapes only: an --input-shape may change
    // every one of them.
    if (options_.input_shapes.empty()) onnx_shapes_ = collect_onnx_shapes(model_.graph());
    prepare_proto();
    if (libonnx_applies_) run_libonnx();
    propagate();
    check_outputs();
    build_graph();
    const auto problems = graph::validate(result_);
    if (!problems.empty()) throw std::logic_error("importer built an invalid graph: " + problems.front());
    graph::Graph result = options_.fuse ? graph::fuse_elementwise(result_) : result_;
    check_firings(result);
    if (capture_ != nullptr) {
      capture_->nodes = std::move(nodes_);
      capture_->tensors = std::move(tensors_);
      capture_->axes = std::move(axes_);
      capture_->bound_inputs = std::move(bound_inputs_);
      for (const auto& output : model_.graph().output()) capture_->outputs.push_back(output.name());
    }
    return result;
  }

 private:
  // ---- reading -------------------------------------------------------------------------------

  void read_header() {
    const auto& graph = model_.graph();
    result_.name = graph.name().empty() ? fallback_name_ : graph.name();
    for (const auto& entry : model_.metadata_props()) {
      if (entry.key().starts_with("bufopt.")) result_.annotations.emplace_back(entry.key(), entry.value());
    }
    opsets_ = opset_versions(model_);
    const int64_t opset = opsets_.count("") ? opsets_.at("") : 0;
    const bool newer_ir = model_.ir_version() > kNewestIrVersion;
    const bool newer_opset = opset > kNewestOpset;
    libonnx_applies_ = !newer_ir && !newer_opset;
    if (newer_opset) {
      warn(
          fmt::format("opset {} is newer than libonnx knows ({}): ONNX checker and shape inference skipped, "
                      "bufopt's own shape rules used",
                      opset, kNewestOpset));
    } else if (newer_ir) {
      warn(
          fmt::format("IR version {} is newer than libonnx knows ({}): ONNX checker and shape inference skipped, "
                      "bufopt's own shape rules used",
                      model_.ir_version(), kNewestIrVersion));
    }
    if (graph.node_size() > options_.limits.max_nodes) {
      throw ImportError(fmt::format("graph has {} nodes, more than the limit of {} (raise it with --max-nodes)",
                                    graph.node_size(), options_.limits.max_nodes));
    }
  }

  void read_initializers() {
    const auto& graph = model_.graph();
    for (const auto& initializer : graph.initializer()) {
      if (tensors_.count(initializer.name())) {
        throw ImportError(fmt::format("initializer '{}' is defined twice", initializer.name()));
      }
      add_stored_constant(initializer.name(), decode_tensor(initializer, external_, options_.limits, decoding_));
    }
    for (const auto& sparse : graph.sparse_initializer()) {
      // Only the dense shape matters: a sparse weight is a constant of that shape.
      std::vector<int64_t> dims(sparse.dims().begin(), sparse.dims().end());
      check_shape(sparse.values().name(), dims, "tensor");
      TensorInfo tensor = known_tensor(graph::dtype_from_int(sparse.values().data_type()), std::move(dims));
      tensor.constant = true;
      add_stored_constant(sparse.values().name(), std::move(tensor));
    }
  }

  void add_stored_constant(const std::string& name, TensorInfo tensor) {
    tensor.sources = {static_cast<int32_t>(stored_bytes_.size())};
    stored_bytes_.push_back(stored_bytes(tensor));
    tensors_[name] = std::move(tensor);
  }

  void read_nodes() {
    const auto& graph = model_.graph();
    nodes_.reserve(static_cast<size_t>(graph.node_size()));
    for (int i = 0; i < graph.node_size(); ++i) {
      nodes_.push_back(make_op_node(graph.node(i), i, opsets_, external_, options_.limits, decoding_));
    }
    assign_unique_names(nodes_);
  }

  // ---- graph inputs --------------------------------------------------------------------------

  void resolve_inputs() {
    std::vector<std::string> names;
    for (const auto& input : model_.graph().input()) {
      if (tensors_.count(input.name())) continue;  // an initializer with a default value: a constant
      names.push_back(input.name());
      check_tensor_input(input);
      if (bind_input_value(input)) continue;
      inputs_.push_back(input.name());
      tensors_[input.name()] = known_tensor(input_dtype(input), input_shape(input));
    }
    for (const auto& [name, dims] : options_.input_shapes) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        throw ImportError(fmt::format("--input-shape names '{}', which is not an input of the model (inputs: {})", name,
                                      fmt::join(names, ", ")));
      }
    }
  }

  /// Binds the value given for `input` (ImportOptions::input_values) as a constant when the
  /// input sits in parameter positions only; false when it stays an activation.
  bool bind_input_value(const ::onnx::ValueInfoProto& input) {
    const auto value = options_.input_values.find(input.name());
    if (value == options_.input_values.end() || !read_only_as_parameter(input.name(), nodes_)) return false;
    const DataType declared = input_dtype(input);
    if (declared != value->second.dtype) {
      throw InputValueError(fmt::format("--input {}: dtype {}, the model's input has {}", input.name(),
                                        graph::dtype_name(value->second.dtype), graph::dtype_name(declared)));
    }
    const auto& dims = input.type().tensor_type().shape().dim();
    bool fits = !input.type().tensor_type().has_shape() || dims.size() == static_cast<int>(value->second.shape.size());
    for (int i = 0; fits && i < dims.size(); ++i) {
      fits = !dims[i].has_dim_value() || dims[i].dim_value() == value->second.shape[static_cast<size_t>(i)];
    }
    if (!fits) {
      throw InputValueError(fmt::format("--input {}: shape {} does not fit the model's input", input.name(),
                                        shape_string(value->second.shape)));
    }
    add_stored_constant(input.name(), bound_input_tensor(value->second));
    bound_inputs_.push_back(input.name());
    return true;
  }

  /// MODEL 9: a graph input of another kind than a tensor is a model bufopt does not analyse
  /// (exit 3), whatever --input-shape says.
  static void check_tensor_input(const ::onnx::ValueInfoProto& input) {
    const ::onnx::TypeProto& type = input.type();
    const char* kind = nullptr;
    switch (type.value_case()) {
      case ::onnx::TypeProto::kTensorType: return;
      case ::onnx::TypeProto::kSequenceType: kind = "is a sequence"; break;
      case ::onnx::TypeProto::kOptionalType: kind = "is an optional"; break;
      case ::onnx::TypeProto::kMapType: kind = "is a map"; break;
      case ::onnx::TypeProto::kSparseTensorType: kind = "is a sparse tensor"; break;
      default: kind = "has no type"; break;
    }
    throw ImportError(fmt::format("input '{}' {}; bufopt analyses tensors only", input.name(), kind));
  }

  DataType input_dtype(const ::onnx::ValueInfoProto& input) {
    if (!input.type().has_tensor_type()) throw ImportError(fmt::format("input '{}' is not a tensor", input.name()));
    return graph::dtype_from_int(input.type().tensor_type().elem_type());
  }

  std::vector<int64_t> input_shape(const ::onnx::ValueInfoProto& input) {
    const std::string& name = input.name();
    const auto& tensor_type = input.type().tensor_type();
    const auto override_shape = options_.input_shapes.find(name);
    std::vector<int64_t> shape;
    if (override_shape != options_.input_shapes.end()) {
      shape = override_shape->second;
      if (tensor_type.has_shape() && tensor_type.shape().dim_size() != static_cast<int>(shape.size())) {
        throw ImportError(fmt::format("--input-shape {} has rank {} but input '{}' has rank {}", name, shape.size(),
                                      name, tensor_type.shape().dim_size()));
      }
    } else {
      if (!tensor_type.has_shape()) {
        throw ImportError(fmt::format("input '{}' has no shape; pass --input-shape {}=...", name, name));
      }
      const auto& dims = tensor_type.shape().dim();
      for (int i = 0; i < dims.size(); ++i) {
        if (dims[i].has_dim_value()) {
          shape.push_back(dims[i].dim_value());
        } else if (i == 0) {
          shape.push_back(1);  // a symbolic batch: one image
        } else {
          throw ImportError(fmt::format("input '{}' has unknown dim {} ({}); pass --input-shape {}={}", name, i,
                                        dims[i].dim_param().empty() ? "no value" : dims[i].dim_param(), name,
                                        input_shape_hint(tensor_type.shape())));
        }
      }
    }
    check_shape(name, shape, "input");
    return shape;
  }

  std::string input_shape_hint(const ::onnx::TensorShapeProto& shape) {
    std::vector<std::string> parts;
    const auto rank = static_cast<size_t>(shape.dim_size());
    for (size_t i = 0; i < rank; ++i) {
      const auto& dim = shape.dim(static_cast<int>(i));
      if (dim.has_dim_value()) {
        parts.push_back(std::to_string(dim.dim_value()));
      } else {
        parts.push_back(i == 0 ? "1" : dim_placeholder(i, rank));
      }
    }
    return fmt::format("{}", fmt::join(parts, "x"));
  }

  /// Checks a shape against the limits; `what` is "input" or "tensor" for the messages.
  void check_shape(const std::string& name, const std::vector<int64_t>& shape, const char* what) {
    if (static_cast<int64_t>(shape.size()) > options_.limits.max_rank) {
      throw ImportError(fmt::format("{} '{}' has rank {}, more than the limit of {} (raise it with --max-rank)", what,
                                    name, shape.size(), options_.limits.max_rank));
    }
    for (int64_t dim : shape) {
      if (dim < 0) throw ImportError(fmt::format("dim {} of {} '{}' is negative", dim, what, name));
    }
    const auto elements = graph::checked_product(shape);
    if (!elements) throw ImportError(fmt::format("shape of '{}' overflows 64 bits", name));
    if (*elements > options_.limits.max_tensor_elements) {
      throw ImportError(fmt::format("{} '{}' has {} elements, more than the limit of {} (raise it with "
                                    "--max-tensor-elements)",
                                    what, name, *elements, options_.limits.max_tensor_elements));
    }
  }

  std::unordered_set<std::string> available_names() const {
    std::unordered_set<std::string> names;
    for (const auto& [name, tensor] : tensors_) names.insert(name);
    for (const OpNode& node : nodes_) {
      for (const auto& output : node.outputs) {
        if (names.count(output)) {
          throw ImportError(
              fmt::format("node '{}' writes '{}', which is a graph input or initializer", node.name, output));
        }
      }
    }
    return names;
  }

  // ---- libonnx -------------------------------------------------------------------------------

  /// Puts the proto's nodes in topological order and its inputs at their static shapes, so the
  /// checker and ONNX's inference see the model bufopt analyses.
  void prepare_proto() {
    auto* nodes = model_.mutable_graph()->mutable_node();
    std::vector<::onnx::NodeProto*> released(static_cast<size_t>(nodes->size()));
    nodes->ExtractSubrange(0, nodes->size(), released.data());
    for (int index : order_) nodes->AddAllocated(released[static_cast<size_t>(index)]);
    for (auto& input : *model_.mutable_graph()->mutable_input()) {
      const auto found = tensors_.find(input.name());
      if (found == tensors_.end() || found->second.constant) continue;
      auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
      shape->clear_dim();
      for (int64_t dim : found->second.shape) shape->add_dim()->set_dim_value(dim);
    }
  }

  /// libonnx's checker findings become warnings and its inferred shapes complete bufopt's; run
  /// in a child process, which a hostile model may crash (libonnx_checks.h).
  void run_libonnx() {
    LibonnxFindings findings = run_libonnx_checks(model_, model_dir_);
    for (std::string& warning : findings.warnings) warn(std::move(warning));
    for (auto& [name, tensor] : collect_onnx_shapes(findings.inferred)) onnx_shapes_[name] = std::move(tensor);
  }

  // ---- shapes, constants and folding ---------------------------------------------------------

  void propagate() {
    for (int index : order_) {
      const OpNode& node = nodes_[static_cast<size_t>(index)];
      if (node.op_type == "Constant" && node.domain.empty()) {
        add_constant_node(node);
        continue;
      }
      NodeInputs inputs;
      for (const auto& name : node.inputs) inputs.push_back(name.empty() ? nullptr : &tensors_.at(name));
      std::vector<TensorInfo> outputs = own_shapes(node, inputs);
      // Values are computed from bufopt's own shapes only (fold_values' contract): a shape the
      // model declares may contradict what the operator computes.
      const bool own_shapes_known =
          std::all_of(outputs.begin(), outputs.end(), [](const TensorInfo& output) { return output.shape_known; });
      merge_onnx_shapes(node, outputs);
      if (is_foldable(node, inputs)) {
        fold(node, inputs, outputs, own_shapes_known);
      } else {
        actors_.push_back(&node);
      }
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        if (node.outputs[i].empty()) continue;
        if (outputs[i].shape_known) check_shape(node.outputs[i], outputs[i].shape, "tensor");
        tensors_[node.outputs[i]] = std::move(outputs[i]);
      }
    }
  }

  std::vector<TensorInfo> own_shapes(const OpNode& node, const NodeInputs& inputs) {
    if (!has_shape_rule(node)) {
      const std::string op = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
      if (node.domain.empty() && (node.op_type == "Loop" || node.op_type == "If" || node.op_type == "Scan")) {
        return std::vector<TensorInfo>(
            node.outputs.size(),
            unknown_tensor(DataType::kUnknown, fmt::format("{}'s outputs depend on its body and the values of its inputs", op)));
      }
      return std::vector<TensorInfo>(node.outputs.size(),
                                     unknown_tensor(DataType::kUnknown, fmt::format("no shape rule for {}", op)));
    }
    try {
      return infer_output_shapes(node, inputs);
    } catch (const ShapeError& error) {
      throw ImportError(fmt::format("node {}: {}", node.describe(), error.what()));
    }
  }

  /// Completes (never overrides) bufopt's shapes with ONNX's, and notes disagreements.
  void merge_onnx_shapes(const OpNode& node, std::vector<TensorInfo>& outputs) {
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const auto found = onnx_shapes_.find(node.outputs[i]);
      if (found == onnx_shapes_.end()) continue;
      const TensorInfo& theirs = found->second;
      TensorInfo& ours = outputs[i];
      if (ours.dtype == DataType::kUnknown) ours.dtype = theirs.dtype;
      if (!theirs.shape_known) {
        if (!ours.shape_known && known_dims(theirs.partial_shape) > known_dims(ours.partial_shape)) {
          ours.partial_shape = theirs.partial_shape;
        }
        continue;
      }
      if (!ours.shape_known) {
        ours.shape = theirs.shape;
        ours.shape_known = true;
        ours.unknown_reason.clear();
        ours.partial_shape.clear();
      } else if (ours.shape != theirs.shape) {
        warn(fmt::format("shape of '{}': the model / ONNX's inference say {}, bufopt's rules {}; bufopt's used",
                         node.outputs[i], shape_string(theirs.shape), shape_string(ours.shape)));
      }
    }
  }

  /// Marks the outputs of a folded node constant; computes their values when `compute_values`.
  void fold(const OpNode& node, const NodeInputs& inputs, std::vector<TensorInfo>& outputs, bool compute_values) {
    std::vector<int32_t> sources;
    for (const TensorInfo* input : inputs) {
      if (input != nullptr) sources.insert(sources.end(), input->sources.begin(), input->sources.end());
    }
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    if (compute_values) fold_values(node, inputs, outputs);
    for (TensorInfo& output : outputs) {
      output.constant = true;
      output.sources = sources;
    }
  }

  void add_constant_node(const OpNode& node) {
    if (node.outputs.empty() || node.outputs[0].empty()) return;
    TensorInfo tensor;
    const auto& attributes = node.attributes;
    auto attribute = [&](const char* name) -> const Attribute* {
      const auto found = attributes.find(name);
      return found == attributes.end() ? nullptr : &found->second;
    };
    if (const Attribute* value = attribute("value"); value && value->tensor) {
      tensor = *value->tensor;
    } else if (const Attribute* f = attribute("value_float")) {
      tensor = constant_tensor(DataType::kFloat32, {}, Values{{}, {f->f}});
    } else if (const Attribute* fs = attribute("value_floats")) {
      tensor = constant_tensor(DataType::kFloat32, {static_cast<int64_t>(fs->floats.size())}, Values{{}, fs->floats});
    } else if (const Attribute* i = attribute("value_int")) {
      tensor = int64_constant({}, {i->i});
    } else if (const Attribute* is = attribute("value_ints")) {
      tensor = int64_constant({static_cast<int64_t>(is->ints.size())}, is->ints);
    } else if (attribute("value_string") != nullptr) {
      tensor = known_tensor(DataType::kString, {});
    } else if (const Attribute* ss = attribute("value_strings")) {
      tensor = known_tensor(DataType::kString, {static_cast<int64_t>(ss->strings.size())});
    } else {
      tensor =
          unknown_tensor(DataType::kUnknown, fmt::format("Constant node '{}' has no value bufopt reads", node.name));
    }
    tensor.constant = true;
    add_stored_constant(node.outputs[0], std::move(tensor));
  }

  void check_outputs() const {
    for (const auto& output : model_.graph().output()) {
      if (!tensors_.count(output.name())) {
        throw ImportError(fmt::format("graph output '{}' is produced by no node", output.name()));
      }
    }
  }

  // ---- graph building ------------------------------------------------------------------------

  graph::BufferId add_buffer(const std::string& name, graph::IoRole io) {
    const TensorInfo& tensor = tensors_.at(name);
    graph::Buffer buffer;
    buffer.name = name;
    buffer.dtype = tensor.dtype;
    buffer.element_bytes = graph::dtype_bytes(tensor.dtype);
    buffer.io = io;
    if (tensor.shape_known) {
      buffer.shape = tensor.shape;
      const auto axis = axes_.find(name);
      if (axis != axes_.end()) buffer.streaming_axis = axis->second;
    } else {
      buffer.unknown_reason = tensor.unknown_reason.empty() ? "shape unknown" : tensor.unknown_reason;
      buffer.partial_shape = tensor.partial_shape;
    }
    if (tensor.dtype == DataType::kUnknown && buffer.unknown_reason.empty()) {
      buffer.unknown_reason = "element type unknown";
      buffer.partial_shape = tensor.shape;  // every dim known, the bytes not
    }
    const auto id = static_cast<graph::BufferId>(result_.buffers.size());
    result_.buffers.push_back(std::move(buffer));
    buffer_ids_[name] = id;
    return id;
  }

  NodeView view_of(const OpNode& node) const {
    NodeView view;
    view.node = &node;
    auto port = [&](const std::string& name) {
      PortView p;
      p.name = name;
      if (name.empty()) return p;
      p.tensor = &tensors_.at(name);
      const auto axis = axes_.find(name);
      if (axis != axes_.end() && !p.tensor->constant) p.axis = axis->second;
      return p;
    };
    for (const auto& input : node.inputs) view.inputs.push_back(port(input));
    for (const auto& output : node.outputs) view.outputs.push_back(port(output));
    return view;
  }

  void build_graph() {
    axes_ = assign_streaming_axes(actors_, tensors_, inputs_);
    for (const auto& input : inputs_) add_buffer(input, graph::IoRole::kInput);
    for (const OpNode* node : actors_) {
      for (const auto& output : node->outputs) {
        if (!output.empty()) add_buffer(output, graph::IoRole::kNone);
      }
    }
    std::set<int32_t> all_sources;
    for (const OpNode* node : actors_) add_actor(*node, all_sources);
    for (int32_t source : all_sources) {
      result_.parameter_bytes = graph::checked_add(result_.parameter_bytes, stored_bytes_[static_cast<size_t>(source)])
                                    .value_or(result_.parameter_bytes);
    }
    for (const auto& output : model_.graph().output()) {
      const auto found = buffer_ids_.find(output.name());
      if (found == buffer_ids_.end()) {
        warn(fmt::format("graph output '{}' is a constant; it is not a buffer", output.name()));
        continue;
      }
      graph::Buffer& buffer = result_.buffers[static_cast<size_t>(found->second)];
      if (buffer.io == graph::IoRole::kNone) buffer.io = graph::IoRole::kOutput;
    }
    warn_unknown_sizes();
  }

  /// MODEL 9: one warning per node whose output size is unknown of its own (its shape depends on
  /// input values, or no rule gives it), and one for the tensors computed from those.
  void warn_unknown_sizes() {
    std::vector<std::string> derived;
    for (const OpNode* node : actors_) {
      const bool unknown_input = std::any_of(node->inputs.begin(), node->inputs.end(), [&](const std::string& name) {
        if (name.empty()) return false;
        const auto found = buffer_ids_.find(name);
        return found != buffer_ids_.end() && !result_.buffers[static_cast<size_t>(found->second)].shape_known();
      });
      for (const std::string& output : node->outputs) {
        if (output.empty()) continue;
        const graph::Buffer& buffer = result_.buffers[static_cast<size_t>(buffer_ids_.at(output))];
        if (buffer.shape_known()) continue;
        if (unknown_input) {
          derived.push_back(output);
          continue;
        }
        warn(fmt::format("node {}: the size of '{}' is unknown ({}{}); it is analysed as a barrier's whole "
                         "output of unknown size, which the memory figures exclude",
                         node->describe(), output, buffer.unknown_reason,
                         buffer.partial_shape.empty() ? "" : ", shape " + shape_string(buffer.partial_shape)));
      }
    }
    if (derived.empty()) return;
    constexpr size_t kNamed = 5;
    std::vector<std::string> named(derived.begin(), derived.begin() + static_cast<long>(std::min(derived.size(), kNamed)));
    warn(fmt::format("{} more tensor(s) computed from those are of unknown size too: {}{}", derived.size(),
                     fmt::join(named, ", "), derived.size() > kNamed ? ", ..." : ""));
  }

  void add_actor(const OpNode& node, std::set<int32_t>& all_sources) {
    const NodeView view = view_of(node);
    const OperatorModel model = model_operator(view);
    const auto id = static_cast<graph::ActorId>(result_.actors.size());
    graph::Actor actor;
    actor.name = node.name;
    actor.op_type = node.op_type;
    actor.barrier = model.barrier;
    actor.barrier_reason = model.barrier_reason;
    actor.streaming_reduction = model.streaming_reduction;
    actor.fusable = model.fusable;
    actor.in_place = model.in_place;
    actor.macs = model.macs;
    actor.elementwise_ops = model.elementwise_ops;
    actor.kernel = model.kernel;
    actor.stride = model.stride;
    actor.dilation = model.dilation;
    actor.pad_begin = model.pad_begin;
    actor.pad_end = model.pad_end;
    actor.groups = model.groups;
    std::set<int32_t> sources;
    std::unordered_set<graph::BufferId> read;  // a set: a hostile node may have 10^5 inputs
    for (size_t port = 0; port < view.inputs.size(); ++port) {
      const PortView& input = view.inputs[port];
      if (!input.present()) continue;
      if (input.tensor->constant) {
        sources.insert(input.tensor->sources.begin(), input.tensor->sources.end());
        continue;
      }
      const graph::BufferId buffer = buffer_ids_.at(input.name);
      if (!read.insert(buffer).second) continue;
      actor.inputs.push_back(buffer);
      actor.input_maps.push_back(model.port_maps[port]);
      result_.buffers[static_cast<size_t>(buffer)].consumers.push_back(id);
    }
    for (int32_t source : sources) {
      actor.parameter_bytes = graph::checked_add(actor.parameter_bytes, stored_bytes_[static_cast<size_t>(source)])
                                  .value_or(actor.parameter_bytes);
    }
    all_sources.insert(sources.begin(), sources.end());
    for (const auto& output : node.outputs) {
      if (output.empty()) continue;
      const graph::BufferId buffer = buffer_ids_.at(output);
      actor.outputs.push_back(buffer);
      result_.buffers[static_cast<size_t>(buffer)].producer = id;
    }
    if (!actor.barrier && outputs_differ_in_height(actor)) {
      // Only a malformed node does this (the fuzzer found a Conv with two outputs): one firing
      // that writes each output whole is still a valid model of it.
      actor.barrier = true;
      actor.streaming_reduction = false;
      actor.barrier_reason = "outputs of different heights";
    }
    if (model.unsupported) {
      const std::string op = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
      result_.unsupported.push_back({node.name, op, model.barrier_reason});
    }
    result_.actors.push_back(std::move(actor));
  }

  bool outputs_differ_in_height(const graph::Actor& actor) const {
    for (graph::BufferId output : actor.outputs) {
      if (result_.buffers[static_cast<size_t>(output)].rows() !=
          result_.buffers[static_cast<size_t>(actor.outputs.front())].rows()) {
        return true;
      }
    }
    return false;
  }

  /// The analysis keeps state per row: refuses a graph whose firings at one row each (the sum
  /// over actors of their phase rows: output rows, input rows of a streaming reduction) exceed
  /// limits.max_firings.
  void check_firings(const graph::Graph& graph) const {
    int64_t firings = 0;
    for (const graph::Actor& actor : graph.actors) {
      // A streaming reduction fires once per input row (dataflow::phase_rows).
      const std::vector<graph::BufferId>& rows_of = actor.streaming_reduction ? actor.inputs : actor.outputs;
      const int64_t rows = rows_of.empty() ? 1 : graph.buffers[static_cast<size_t>(rows_of[0])].rows();
      firings = graph::checked_add(firings, std::max<int64_t>(rows, 1)).value_or(INT64_MAX);
    }
    if (firings > options_.limits.max_firings) {
      throw ImportError(fmt::format("the model needs {} firings at one row each, more than the limit of {} (raise "
                                    "it with --max-firings)",
                                    firings, options_.limits.max_firings));
    }
  }

  void warn(std::string message) { result_.warnings.push_back(std::move(message)); }

  fs::path model_dir_;
  std::string fallback_name_;
  const ImportOptions& options_;
  ExternalData external_;
  ::onnx::ModelProto model_;
  OpsetMap opsets_;
  bool libonnx_applies_ = true;
  std::vector<OpNode> nodes_;
  std::vector<int> order_;
  /// Non-initializer graph inputs, in model order.
  std::vector<std::string> inputs_;
  TensorTable tensors_;
  TensorTable onnx_shapes_;
  /// Bytes of each stored constant (initializer or Constant node), by source id.
  std::vector<int64_t> stored_bytes_;
  /// Non-folded nodes in topological order: the actors.
  std::vector<const OpNode*> actors_;
  std::unordered_map<std::string, int> axes_;
  std::unordered_map<std::string, graph::BufferId> buffer_ids_;
  graph::Graph result_;
  ImportCapture* capture_ = nullptr;
  ValueDecoding decoding_ = ValueDecoding::kSmallOnly;
  std::vector<std::string> bound_inputs_;
};

}  // namespace

graph::Graph import_model(const std::string& path, const ImportOptions& options) {
  const fs::path file(path);
  Importer importer(file.parent_path(), file.stem().string(), options);
  return importer.run(read_model_file(file, options.limits));
}

graph::Graph import_model_capturing(const std::string& path, const ImportOptions& options, ImportCapture& capture) {
  const fs::path file(path);
  Importer importer(file.parent_path(), file.stem().string(), options, &capture);
  return importer.run(read_model_file(file, options.limits));
}

graph::Graph import_model_from_bytes(std::string_view bytes, const std::string& model_dir,
                                     const ImportOptions& options) {
  Importer importer(fs::path(model_dir), "model", options);
  return importer.run(parse_model_bytes(bytes, options.limits));
}

}  // namespace bufopt::onnx
