#include "bufopt/execute/plan_executor.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bufopt/execute/actor_firing.h"
#include "bufopt/execute/kernels.h"
#include "bufopt/execute/row_codec.h"
#include "bufopt/graph/zero_copy_concat.h"

namespace bufopt::execute {

namespace {

using dataflow::NodeId;
using dataflow::NodeKind;

/// slot_row value of a slot that holds no row yet.
constexpr int64_t kEmptySlot = -1;
/// slot_row value of a slot whose bytes another (overlapping) ring overwrote.
constexpr int64_t kClobbered = -2;

/// The storage of one channel: a ring of `slots` rows (the capacity; for application-held
/// I/O every row) and the bookkeeping of each slot.
struct Ring {
  graph::BufferId buffer = 0;
  const graph::Buffer* tensor = nullptr;
  RowLayout layout;
  int64_t row_bytes = 0;
  int64_t rows = 1;
  bool counted = true;
  int64_t offset = 0;  ///< in the arena (counted rings): its storage's
  /// MODEL 4.1 zero-copy Concat: a slice's bytes inside each row of its storage, and the bytes
  /// from one row of the storage to the next (the storage's row bytes; row_bytes otherwise).
  int64_t slice_begin = 0;
  int64_t stride = 0;
  std::byte* base = nullptr;
  int64_t slots = 1;
  std::vector<std::byte> own;  ///< storage of an uncounted ring
  std::vector<int64_t> slot_row;
  /// For a kClobbered slot: the ring and row whose write overwrote it.
  std::vector<std::pair<int32_t, int64_t>> clobbered_by;
  /// Release point of each reader port (rows below it no longer needed by that reader).
  std::vector<int64_t> reader_release;
  std::vector<NodeId> reader_nodes;
  int64_t written = 0;
  /// Counted rings whose bytes intersect this one's.
  std::vector<int32_t> overlapping;
  /// MODEL 4.1: the ring this one's rows are written in place over (its writer's input of the
  /// same storage: row r into the slot of that input's row r), or -1.
  int32_t in_place_over = -1;

  std::byte* slot_bytes(int64_t row) { return base + (row % slots) * stride; }
  /// Arena bytes of slot `slot`: [start, start + row_bytes).
  int64_t slot_start(int64_t slot) const { return offset + slice_begin + slot * stride; }
  /// One past the last arena byte of the ring.
  int64_t extent_end() const { return slot_start(slots - 1) + row_bytes; }
  /// True for an input of a zero-copy Concat (a slice of that Concat's output).
  bool slice = false;
  /// True while some reader's release point is not past `row`.
  bool needed(int64_t row) const {
    return std::any_of(reader_release.begin(), reader_release.end(), [&](int64_t release) { return release <= row; });
  }
  /// True while a reader port of a node other than `writer` has not released `row`.
  bool needed_by_another(int64_t row, NodeId writer) const {
    for (size_t i = 0; i < reader_release.size(); ++i) {
      if (reader_nodes[i] != writer && reader_release[i] <= row) return true;
    }
    return false;
  }
  /// The reader port holding `row` (first one whose release point is not past it).
  size_t needing_reader(int64_t row, NodeId except = dataflow::kNoNode) const {
    for (size_t i = 0; i < reader_release.size(); ++i) {
      if (reader_nodes[i] != except && reader_release[i] <= row) return i;
    }
    return 0;
  }
};

/// "'name' (Op)" of an actor node, "source of 'x'" / "sink of 'y'" otherwise.
std::string node_label(const graph::Graph& graph, const dataflow::Network& network, NodeId id) {
  const dataflow::Node& node = network.nodes[static_cast<size_t>(id)];
  if (node.kind == NodeKind::kActor) {
    const graph::Actor& actor = graph.actors[static_cast<size_t>(node.actor)];
    return fmt::format("'{}' ({})", actor.name, actor.op_type);
  }
  return fmt::format("'{}'", node.name);
}

bool floating(graph::DataType dtype) {
  return dtype == graph::DataType::kFloat32 || dtype == graph::DataType::kFloat16 ||
         dtype == graph::DataType::kBfloat16 || dtype == graph::DataType::kFloat64;
}

}  // namespace

UnsupportedModel::UnsupportedModel(std::vector<std::string> reasons_in)
    : std::runtime_error(fmt::format("the executor cannot run: {}", fmt::join(reasons_in, "; "))),
      reasons(std::move(reasons_in)) {}

std::vector<std::string> unsupported_operations(const graph::Graph& graph, const graph::ModelProgram& program) {
  // (what, reason) -> node names, so one line names each problem once.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> problems;
  auto note = [&](const std::string& what, const std::string& reason, const std::string& node) {
    auto& names = problems[{what, reason}];
    if (std::find(names.begin(), names.end(), node) == names.end()) names.push_back(node);
  };
  if (program.actors.size() != graph.actors.size()) {
    return {fmt::format("the program has {} actors, the graph {}", program.actors.size(), graph.actors.size())};
  }
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    for (const graph::OperatorNode& node : program.actors[a].nodes) {
      const std::string op = node.domain.empty() ? node.op_type : node.domain + "." + node.op_type;
      bool described = true;
      for (const std::string& name : node.inputs) {
        if (name.empty()) continue;
        const auto constant = program.constants.find(name);
        if (constant != program.constants.end()) {
          const graph::ConstantTensor& tensor = constant->second;
          const auto held = static_cast<int64_t>(tensor.reals.size() + tensor.integers.size());
          if (held != tensor.elements()) note(op, "a constant input without values (too large to fold, or sparse)", node.name);
        } else if (!program.values.count(name)) {
          note(op, "an input of unknown shape", node.name);
          described = false;
        }
      }
      for (const std::string& name : node.outputs) {
        if (!name.empty() && !program.values.count(name)) {
          note(op, "an output of unknown shape", node.name);
          described = false;
        }
      }
      if (!described) continue;
      for (const std::string& name : node.outputs) {
        // Rows of an empty tensor have no bytes to ring: refused rather than planned around.
        const auto value = program.values.find(name);
        if (value != program.values.end() && std::count(value->second.shape.begin(), value->second.shape.end(), 0) > 0) {
          note(op, "an output with no elements (a dimension of size 0)", node.name);
          described = false;
        }
      }
      if (!described) continue;
      if (const auto reason = unsupported_reason(node, program)) note(op, *reason, node.name);
    }
  }
  for (const std::string& name : program.constant_outputs) {
    const auto constant = program.constants.find(name);
    const bool held = constant != program.constants.end() &&
                      static_cast<int64_t>(constant->second.reals.size() + constant->second.integers.size()) ==
                          constant->second.elements();
    if (!held) note("output", "a constant output without values (too large to fold, or sparse)", name);
  }
  for (const graph::Buffer& buffer : graph.buffers) {
    if (!buffer.shape_known()) {
      note("tensor", "unknown shape", buffer.name);
    } else if (std::count(buffer.shape.begin(), buffer.shape.end(), 0) > 0) {
      note("tensor", "no elements (a dimension of size 0)", buffer.name);
    } else if (!storable(buffer.dtype)) {
      note("tensor", fmt::format("dtype {}", graph::dtype_name(buffer.dtype)), buffer.name);
    } else if (buffer.element_bytes != graph::dtype_bytes(buffer.dtype)) {
      note("tensor", fmt::format("stored at {} bytes per element instead of its dtype's {} (--activation-bytes)",
                                 buffer.element_bytes, graph::dtype_bytes(buffer.dtype)),
           buffer.name);
    }
  }
  std::vector<std::string> lines;
  for (const auto& [key, names] : problems) {
    std::vector<std::string> shown;
    for (size_t i = 0; i < names.size() && i < 3; ++i) shown.push_back("'" + names[i] + "'");
    const std::string more = names.size() > 3 ? fmt::format(" and {} more", names.size() - 3) : "";
    lines.push_back(fmt::format("{}: {} ({}{})", key.first, key.second, fmt::join(shown, ", "), more));
  }
  return lines;
}

void append_constant_outputs(const graph::ModelProgram& program, ExecutionResult& result) {
  for (const std::string& name : program.constant_outputs) result.outputs.push_back({name, program.constants.at(name)});
}

void check_supported(const graph::Graph& graph, const graph::ModelProgram& program) {
  std::vector<std::string> reasons = unsupported_operations(graph, program);
  if (!reasons.empty()) throw UnsupportedModel(std::move(reasons));
}

void check_inputs(const graph::Graph& graph, const TensorMap& inputs) {
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io != graph::IoRole::kInput) continue;
    const auto found = inputs.find(buffer.name);
    if (found == inputs.end()) throw std::invalid_argument(fmt::format("no value for input '{}'", buffer.name));
    const graph::ConstantTensor& value = found->second;
    if (value.dtype != buffer.dtype) {
      throw std::invalid_argument(fmt::format("input '{}': dtype {}, the model's input has {}", buffer.name,
                                              graph::dtype_name(value.dtype), graph::dtype_name(buffer.dtype)));
    }
    if (value.shape != buffer.shape) {
      throw std::invalid_argument(fmt::format("input '{}': shape [{}], the model's input has [{}]", buffer.name,
                                              fmt::join(value.shape, ","), fmt::join(buffer.shape, ",")));
    }
    const auto held = static_cast<int64_t>(floating(value.dtype) ? value.reals.size() : value.integers.size());
    if (held != value.elements()) {
      throw std::invalid_argument(fmt::format("input '{}': {} values for {} elements", buffer.name, held, value.elements()));
    }
  }
}

/// The executor's state: arena, rings, and the progress of one run.
class PlanExecutor::State {
 public:
  State(const graph::Graph& graph, const graph::ModelProgram& program, const analysis::Evaluation& evaluation)
      : graph_(graph), program_(program), evaluation_(evaluation), network_(evaluation.network) {
    check_supported(graph, program);
    if (evaluation.shared_bytes() < 0) throw ExecutionError("the plan's arena has a negative size");
    arena_size_ = evaluation.shared_bytes();
    // The one allocation the counted buffers live in.
    arena_ = std::make_unique<std::byte[]>(static_cast<size_t>(arena_size_));
    make_rings();
    make_ports();
    find_overlaps();
    find_in_place_writes();
    find_view_reads();
  }

  int64_t arena_bytes() const { return arena_size_; }

  ExecutionResult run(const TensorMap& inputs) {
    check_inputs(graph_, inputs);
    reset(inputs);
    const auto start = std::chrono::steady_clock::now();
    int64_t index = 0;
    for (NodeId id : evaluation_.schedule.firings) {
      const auto node = static_cast<size_t>(id);
      if (node >= network_.nodes.size()) throw ExecutionError(fmt::format("firing {}: unknown node {}", index, id));
      const int64_t phase = fired_[node]++;
      if (phase >= network_.nodes[node].phases) {
        throw ExecutionError(fmt::format("firing {}: {} fires more than its {} phases", index,
                                         node_label(graph_, network_, id), network_.nodes[node].phases));
      }
      fire(id, phase, index);
      ++index;
    }
    const auto stop = std::chrono::steady_clock::now();
    for (size_t node = 0; node < network_.nodes.size(); ++node) {
      if (fired_[node] != network_.nodes[node].phases) {
        throw ExecutionError(fmt::format("{} fired {} of its {} phases", node_label(graph_, network_, static_cast<NodeId>(node)),
                                         fired_[node], network_.nodes[node].phases));
      }
    }
    ExecutionResult result = collect_outputs();
    result.firings = index;
    result.outside_arena = outside_;
    result.seconds = std::chrono::duration<double>(stop - start).count();
    return result;
  }

 private:
  // ---- set-up --------------------------------------------------------------------------------

  void make_rings() {
    const auto& channels = network_.channels;
    if (evaluation_.usage.capacity_rows.size() != channels.size() || evaluation_.arena.offsets.size() != channels.size()) {
      throw ExecutionError("the plan's capacities or offsets do not cover every buffer");
    }
    rings_.resize(channels.size());
    for (size_t c = 0; c < channels.size(); ++c) {
      const dataflow::Channel& channel = channels[c];
      Ring& ring = rings_[c];
      ring.buffer = channel.buffer;
      ring.tensor = &graph_.buffers[static_cast<size_t>(channel.buffer)];
      ring.layout = row_layout(ring.tensor->shape, ring.tensor->streaming_axis, ring.tensor->dtype);
      ring.row_bytes = ring.layout.row_bytes();
      ring.stride = ring.row_bytes;
      ring.rows = channel.rows;
      ring.counted = channel.counted;
      if (ring.row_bytes != channel.row_bytes || ring.layout.rows != channel.rows) {
        throw ExecutionError(fmt::format("buffer '{}': the plan has {} rows of {} bytes, the tensor {} rows of {}",
                                         ring.tensor->name, channel.rows, channel.row_bytes, ring.layout.rows,
                                         ring.row_bytes));
      }
      if (ring.tensor->storage_of != graph::kNoBuffer) {
        ring.slots = 0;  // a view (MODEL 4.1): its readers read its storage's ring
      } else if (ring.counted) {
        ring.slots = evaluation_.usage.capacity_rows[c];
        ring.offset = evaluation_.arena.offsets[c];
        if (ring.slots < 1) {
          throw ExecutionError(fmt::format("buffer '{}' has a capacity of {} rows", ring.tensor->name, ring.slots));
        }
        place_slice(c, ring);
        const int64_t end = ring.extent_end();
        if (ring.offset < 0 || end > arena_size_) {
          throw ExecutionError(fmt::format("buffer '{}': its ring [{}, {}) lies outside the arena of {} bytes",
                                           ring.tensor->name, ring.offset, end, arena_size_));
        }
        ring.base = arena_.get() + ring.offset + ring.slice_begin;
      } else {
        ring.slots = ring.rows;
        ring.own.resize(static_cast<size_t>(ring.rows * ring.row_bytes));
        ring.base = ring.own.data();
      }
      ring.slot_row.assign(static_cast<size_t>(ring.slots), kEmptySlot);
      ring.clobbered_by.assign(static_cast<size_t>(ring.slots), {-1, -1});
    }
  }

  /// MODEL 4.1 zero-copy Concat: when channel `c` is a slice of its storage (the storage's
  /// producer, a Concat, reads it), its ring is its bytes of every storage row.
  void place_slice(size_t c, Ring& ring) {
    const auto& storage_of = evaluation_.storage_of;
    if (c >= storage_of.size() || storage_of[c] < 0) return;
    const auto storage = static_cast<size_t>(storage_of[c]);
    const NodeId concat = network_.channels[storage].producer;
    if (concat == dataflow::kNoNode || network_.nodes[static_cast<size_t>(concat)].kind != NodeKind::kActor) return;
    const auto slices = graph::zero_copy_slices(graph_, network_.nodes[static_cast<size_t>(concat)].actor);
    if (!slices) return;
    for (const graph::ConcatSlice& slice : *slices) {
      if (static_cast<size_t>(slice.input) != c) continue;
      ring.slice_begin = slice.begin;
      ring.slice = true;
      ring.stride = network_.channels[storage].row_bytes;
      zero_copy_nodes_.insert(concat);
    }
  }

  void make_ports() {
    reader_index_.resize(network_.nodes.size());
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      for (const dataflow::InputPort& port : network_.nodes[n].inputs) {
        Ring& ring = rings_[static_cast<size_t>(port.channel)];
        reader_index_[n].push_back(ring.reader_release.size());
        ring.reader_release.push_back(0);
        ring.reader_nodes.push_back(static_cast<NodeId>(n));
      }
    }
    fired_.assign(network_.nodes.size(), 0);
    reductions_.resize(network_.nodes.size());
    collected_.resize(network_.nodes.size());
  }

  /// Rings that share arena bytes: in a valid plan their lifetimes never overlap, and the
  /// bookkeeping checks that on every write.
  void find_overlaps() {
    std::vector<int32_t> counted;
    for (size_t c = 0; c < rings_.size(); ++c) {
      if (rings_[c].counted && rings_[c].row_bytes > 0) counted.push_back(static_cast<int32_t>(c));
    }
    std::sort(counted.begin(), counted.end(),
              [&](int32_t a, int32_t b) { return rings_[a].slot_start(0) < rings_[b].slot_start(0); });
    for (size_t i = 0; i < counted.size(); ++i) {
      Ring& first = rings_[static_cast<size_t>(counted[i])];
      const int64_t end = first.extent_end();
      for (size_t j = i + 1; j < counted.size(); ++j) {
        Ring& second = rings_[static_cast<size_t>(counted[j])];
        if (second.slot_start(0) >= end) break;
        first.overlapping.push_back(counted[j]);
        second.overlapping.push_back(counted[i]);
      }
    }
  }

  /// MODEL 4.1: each buffer sharing a storage (evaluation.storage_of) is written over its
  /// writer's input of the same storage.
  void find_in_place_writes() {
    const auto& storage_of = evaluation_.storage_of;
    auto storage = [&](int32_t c) { return storage_of[static_cast<size_t>(c)] >= 0 ? storage_of[static_cast<size_t>(c)] : c; };
    for (size_t c = 0; c < storage_of.size() && c < rings_.size(); ++c) {
      if (storage_of[c] < 0 || rings_[c].slice) continue;
      const NodeId writer = network_.channels[c].producer;
      if (writer == dataflow::kNoNode) throw ExecutionError(fmt::format("buffer '{}' shares a storage but has no writer", rings_[c].tensor->name));
      for (const dataflow::InputPort& port : network_.nodes[static_cast<size_t>(writer)].inputs) {
        if (storage(port.channel) == storage_of[c]) rings_[c].in_place_over = port.channel;
      }
      if (rings_[c].in_place_over < 0) {
        throw ExecutionError(fmt::format("buffer '{}' shares a storage its writer does not read", rings_[c].tensor->name));
      }
    }
  }

  /// Per actor node, per input port: the buffer whose shape its program reads the port's rows
  /// under: a view of the port's buffer (MODEL 4.1; the storage's bytes are the view's in the
  /// layout) when a node of the actor reads the view's name, else the port's buffer itself.
  void find_view_reads() {
    std::map<graph::BufferId, std::vector<graph::BufferId>> views_of;
    for (size_t b = 0; b < graph_.buffers.size(); ++b) {
      const graph::BufferId storage = graph_.buffers[b].storage_of;
      if (storage != graph::kNoBuffer) views_of[storage].push_back(static_cast<graph::BufferId>(b));
    }
    read_as_.resize(network_.nodes.size());
    for (size_t n = 0; n < network_.nodes.size(); ++n) {
      const dataflow::Node& node = network_.nodes[n];
      for (const dataflow::InputPort& port : node.inputs) {
        const graph::Buffer* as = &graph_.buffers[static_cast<size_t>(port.channel)];
        const auto views = views_of.find(port.channel);
        if (node.kind == NodeKind::kActor && views != views_of.end()) {
          const graph::ActorProgram& actor = program_.actors[static_cast<size_t>(node.actor)];
          for (graph::BufferId view : views->second) {
            const std::string& name = graph_.buffers[static_cast<size_t>(view)].name;
            for (const graph::OperatorNode& op : actor.nodes) {
              if (std::find(op.inputs.begin(), op.inputs.end(), name) != op.inputs.end()) {
                as = &graph_.buffers[static_cast<size_t>(view)];
              }
            }
          }
        }
        read_as_[n].push_back(as);
      }
    }
  }

  /// The float32 bytes of a window.
  static int64_t window_bytes(const TensorWindow& window) {
    return static_cast<int64_t>(window.data.size() * sizeof(float));
  }

  /// The accumulators and collected rows of the reductions in progress.
  int64_t live_accumulator_bytes() const {
    int64_t bytes = 0;
    for (const ReductionState& state : reductions_) bytes += static_cast<int64_t>(state.accumulator.size() * sizeof(float));
    for (const TensorWindow& whole : collected_) bytes += window_bytes(whole);
    return bytes;
  }

  /// The constants the actors' nodes read, each once.
  int64_t constant_bytes() const {
    std::set<std::string> read;
    int64_t bytes = 0;
    for (const graph::ActorProgram& actor : program_.actors) {
      for (const graph::OperatorNode& node : actor.nodes) {
        for (const std::string& name : node.inputs) {
          const auto constant = program_.constants.find(name);
          if (name.empty() || constant == program_.constants.end() || !read.insert(name).second) continue;
          bytes += static_cast<int64_t>(constant->second.reals.size() * sizeof(float) +
                                        constant->second.integers.size() * sizeof(int64_t));
        }
      }
    }
    return bytes;
  }

  void reset(const TensorMap& inputs) {
    std::fill(fired_.begin(), fired_.end(), 0);
    outside_ = OutsideArena{};
    outside_.weight_bytes = constant_bytes();
    for (const Ring& ring : rings_) outside_.io_bytes += static_cast<int64_t>(ring.own.size());
    for (auto& reduction : reductions_) reduction = ReductionState{};
    for (auto& whole : collected_) whole = TensorWindow{};
    source_rows_.clear();
    sink_rows_.clear();
    for (Ring& ring : rings_) {
      std::fill(ring.slot_row.begin(), ring.slot_row.end(), kEmptySlot);
      std::fill(ring.reader_release.begin(), ring.reader_release.end(), 0);
      ring.written = 0;
    }
    for (size_t c = 0; c < rings_.size(); ++c) {
      Ring& ring = rings_[c];
      const dataflow::Channel& channel = network_.channels[c];
      if (ring.tensor->io == graph::IoRole::kInput) {
        const TensorWindow whole = whole_window(inputs.at(ring.tensor->name), ring.tensor->streaming_axis);
        std::vector<std::byte> bytes(static_cast<size_t>(ring.rows * ring.row_bytes));
        for (int64_t r = 0; r < ring.rows; ++r) encode_row(whole, r, ring.layout, ring.tensor->dtype, bytes.data() + r * ring.row_bytes);
        if (channel.producer == dataflow::kNoNode) {
          // Held by the application: every row present from the start.
          std::copy(bytes.begin(), bytes.end(), ring.own.begin());
          for (int64_t r = 0; r < ring.rows; ++r) ring.slot_row[static_cast<size_t>(r)] = r;
          ring.written = ring.rows;
        } else {
          source_rows_[static_cast<int32_t>(c)] = std::move(bytes);
        }
      }
      if (ring.tensor->io == graph::IoRole::kOutput && ring.counted) {
        sink_rows_[static_cast<int32_t>(c)].assign(static_cast<size_t>(ring.rows * ring.row_bytes), std::byte{0});
      }
    }
    for (const auto& [channel, rows] : source_rows_) outside_.stream_staging_bytes += static_cast<int64_t>(rows.size());
    for (const auto& [channel, rows] : sink_rows_) outside_.stream_staging_bytes += static_cast<int64_t>(rows.size());
  }

  /// Takes the peaks after a firing's reduction step and at the end of its computation, when
  /// `windows` holds every window the firing made.
  void note_accumulators() { outside_.accumulator_bytes = std::max(outside_.accumulator_bytes, live_accumulator_bytes()); }
  void note_scratch(const WindowMap& windows, int64_t extra = 0) {
    int64_t bytes = extra;
    for (const auto& [name, window] : windows) bytes += window_bytes(window);
    outside_.scratch_peak_bytes = std::max(outside_.scratch_peak_bytes, bytes);
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  std::string firing_text(int64_t index, NodeId id, int64_t phase) const {
    return fmt::format("firing {} (phase {} of {})", index, phase, node_label(graph_, network_, id));
  }

  /// Checks that `ring` holds `row` for reader `reader`; throws ExecutionError otherwise.
  void check_resident(const Ring& ring, int64_t row, size_t reader, int64_t index, NodeId id, int64_t phase) const {
    const auto slot = static_cast<size_t>(row % ring.slots);
    const int64_t held = ring.slot_row[slot];
    if (held == row && ring.reader_release[reader] <= row) return;
    std::string why;
    if (held == row) {
      why = fmt::format("this reader released it already (release point {})", ring.reader_release[reader]);
    } else if (held == kClobbered) {
      const auto [other, other_row] = ring.clobbered_by[slot];
      why = fmt::format("its bytes were overwritten by row {} of buffer '{}' (rings overlap in the arena)", other_row,
                        rings_[static_cast<size_t>(other)].tensor->name);
    } else if (row >= ring.written) {
      why = fmt::format("not yet written ({} rows written)", ring.written);
    } else {
      why = fmt::format("overwritten by row {} (a ring of {} rows)", held, ring.slots);
    }
    throw ExecutionError(fmt::format("{} reads row {} of buffer '{}', which is not resident: {}",
                                     firing_text(index, id, phase), row, ring.tensor->name, why));
  }

  /// Claims the slot of `row` in ring `c` for writing and returns its bytes; throws
  /// ExecutionError when the write would destroy a row some reader still needs.
  std::byte* claim_slot(int32_t c, int64_t row, int64_t index, NodeId id, int64_t phase) {
    Ring& ring = rings_[static_cast<size_t>(c)];
    const auto slot = static_cast<size_t>(row % ring.slots);
    const int64_t held = ring.slot_row[slot];
    if (held >= 0 && held != row && ring.needed(held)) {
      const size_t reader = ring.needing_reader(held);
      throw ExecutionError(fmt::format(
          "{} writes row {} of buffer '{}' over row {}, which {} still needs (release point {}): a ring of {} rows is too small",
          firing_text(index, id, phase), row, ring.tensor->name, held,
          node_label(graph_, network_, ring.reader_nodes[reader]), ring.reader_release[reader], ring.slots));
    }
    if (ring.counted) clobber_overlapping(ring, c, slot, row, index, id, phase);
    ring.slot_row[slot] = row;
    ring.written = std::max(ring.written, row + 1);
    return ring.base + static_cast<int64_t>(slot) * ring.stride;
  }

  /// The slots of overlapping rings that share bytes with `slot` of `ring`: each must hold no
  /// row a reader still needs; they are marked overwritten.
  void clobber_overlapping(const Ring& ring, int32_t c, size_t slot, int64_t row, int64_t index, NodeId id,
                           int64_t phase) {
    const int64_t begin = ring.slot_start(static_cast<int64_t>(slot));
    const int64_t end = begin + ring.row_bytes;
    for (int32_t o : ring.overlapping) {
      Ring& other = rings_[static_cast<size_t>(o)];
      const int64_t other_begin = other.slot_start(0);
      if (end <= other_begin || begin >= other.extent_end()) continue;
      const int64_t first = std::max<int64_t>(0, (begin - other_begin) / other.stride - 1);
      const int64_t last = std::min(other.slots - 1, (end - 1 - other_begin) / other.stride);
      for (int64_t s = first; s <= last; ++s) {
        const int64_t s_begin = other.slot_start(s);
        if (s_begin >= end || s_begin + other.row_bytes <= begin) continue;  // a slice's gap
        const int64_t held = other.slot_row[static_cast<size_t>(s)];
        if (held < 0) continue;
        // MODEL 4.1 in place: the writer has read the row it overwrites (its window is gathered
        // before it writes); no other reader may still need it.
        const bool in_place = o == ring.in_place_over && held == row;
        if (in_place ? other.needed_by_another(held, id) : other.needed(held)) {
          const size_t reader = other.needing_reader(held, in_place ? id : dataflow::kNoNode);
          throw ExecutionError(fmt::format(
              "{} writes row {} of buffer '{}' over row {} of buffer '{}', which {} still needs: the rings overlap "
              "in the arena (bytes [{}, {}))",
              firing_text(index, id, phase), row, ring.tensor->name, held, other.tensor->name,
              node_label(graph_, network_, other.reader_nodes[reader]), begin, end));
        }
        other.slot_row[static_cast<size_t>(s)] = kClobbered;
        other.clobbered_by[static_cast<size_t>(s)] = {c, row};
      }
    }
  }

  // ---- firings -------------------------------------------------------------------------------

  void fire(NodeId id, int64_t phase, int64_t index) {
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(id)];
    switch (node.kind) {
      case NodeKind::kSource:
        fire_source(id, phase, index);
        break;
      case NodeKind::kSink:
        fire_sink(id, phase, index);
        break;
      case NodeKind::kActor:
        fire_actor(id, phase, index);
        break;
    }
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      Ring& ring = rings_[static_cast<size_t>(node.inputs[p].channel)];
      ring.reader_release[reader_index_[static_cast<size_t>(id)][p]] = node.inputs[p].release[static_cast<size_t>(phase)];
    }
  }

  /// Rows [begin, end) the output port writes at `phase`.
  static std::pair<int64_t, int64_t> written_rows(const dataflow::OutputPort& port, int64_t phase) {
    const int64_t begin = phase > 0 ? port.written[static_cast<size_t>(phase - 1)] : 0;
    return {begin, port.written[static_cast<size_t>(phase)]};
  }

  void fire_source(NodeId id, int64_t phase, int64_t index) {
    for (const dataflow::OutputPort& port : network_.nodes[static_cast<size_t>(id)].outputs) {
      const Ring& ring = rings_[static_cast<size_t>(port.channel)];
      const std::vector<std::byte>& rows = source_rows_.at(port.channel);
      const auto [begin, end] = written_rows(port, phase);
      for (int64_t r = begin; r < end; ++r) {
        std::byte* slot = claim_slot(port.channel, r, index, id, phase);
        std::memcpy(slot, rows.data() + r * ring.row_bytes, static_cast<size_t>(ring.row_bytes));
      }
    }
  }

  void fire_sink(NodeId id, int64_t phase, int64_t index) {
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(id)];
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const dataflow::InputPort& port = node.inputs[p];
      Ring& ring = rings_[static_cast<size_t>(port.channel)];
      std::vector<std::byte>& rows = sink_rows_.at(port.channel);
      const dataflow::RowRange window = port.window[static_cast<size_t>(phase)];
      for (int64_t r = window.begin; r < window.end; ++r) {
        check_resident(ring, r, reader_index_[static_cast<size_t>(id)][p], index, id, phase);
        std::memcpy(rows.data() + r * ring.row_bytes, ring.slot_bytes(r), static_cast<size_t>(ring.row_bytes));
      }
    }
  }

  /// The window of input port `p` of node `id` at `phase`, decoded from its ring.
  TensorWindow gather(NodeId id, size_t p, int64_t phase, int64_t index) {
    const dataflow::InputPort& port = network_.nodes[static_cast<size_t>(id)].inputs[p];
    Ring& ring = rings_[static_cast<size_t>(port.channel)];
    const dataflow::RowRange range = port.window[static_cast<size_t>(phase)];
    const graph::Buffer& as = *read_as_[static_cast<size_t>(id)][p];
    TensorWindow window;
    window.shape = as.shape;
    window.axis = as.streaming_axis;
    window.row_begin = range.begin;
    window.row_end = std::max(range.begin, range.end);
    window.data.resize(static_cast<size_t>(ring.layout.outer * (window.row_end - window.row_begin) * ring.layout.inner));
    const size_t reader = reader_index_[static_cast<size_t>(id)][p];
    for (int64_t r = window.row_begin; r < window.row_end; ++r) {
      check_resident(ring, r, reader, index, id, phase);
      decode_row(ring.slot_bytes(r), ring.layout, ring.tensor->dtype, r, window);
    }
    return window;
  }

  /// A zero-copy Concat's firing (MODEL 4.1): its rows are complete once every slice holds
  /// them; it computes nothing and copies nothing, its output's slots now hold those rows.
  void fire_zero_copy_concat(NodeId id, int64_t phase, int64_t index) {
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(id)];
    for (size_t p = 0; p < node.inputs.size(); ++p) {
      const dataflow::InputPort& port = node.inputs[p];
      const dataflow::RowRange window = port.window[static_cast<size_t>(phase)];
      const Ring& ring = rings_[static_cast<size_t>(port.channel)];
      for (int64_t r = window.begin; r < window.end; ++r) {
        check_resident(ring, r, reader_index_[static_cast<size_t>(id)][p], index, id, phase);
      }
    }
    for (const dataflow::OutputPort& port : node.outputs) {
      Ring& ring = rings_[static_cast<size_t>(port.channel)];
      const auto [begin, end] = written_rows(port, phase);
      for (int64_t r = begin; r < end; ++r) {
        const auto slot = static_cast<size_t>(r % ring.slots);
        const int64_t held = ring.slot_row[slot];
        if (held >= 0 && held != r && ring.needed(held)) {
          throw ExecutionError(fmt::format("{} completes row {} of buffer '{}' over row {}, which {} still needs",
                                           firing_text(index, id, phase), r, ring.tensor->name, held,
                                           node_label(graph_, network_, ring.reader_nodes[ring.needing_reader(held)])));
        }
        ring.slot_row[slot] = r;
        ring.written = std::max(ring.written, r + 1);
      }
    }
  }

  void fire_actor(NodeId id, int64_t phase, int64_t index) {
    if (zero_copy_nodes_.count(id) != 0) {
      fire_zero_copy_concat(id, phase, index);
      return;
    }
    const dataflow::Node& node = network_.nodes[static_cast<size_t>(id)];
    const graph::Actor& actor = graph_.actors[static_cast<size_t>(node.actor)];
    const graph::ActorProgram& actor_program = program_.actors[static_cast<size_t>(node.actor)];
    WindowMap windows;
    for (size_t p = 0; p < node.inputs.size(); ++p)
      windows[read_as_[static_cast<size_t>(id)][p]->name] = gather(id, p, phase, index);
    int64_t begin = 0;
    int64_t end = 0;
    if (!node.outputs.empty()) std::tie(begin, end) = written_rows(node.outputs.front(), phase);
    const auto label = [&] { return firing_text(index, id, phase); };
    if (actor.streaming_reduction && !reduction_trio_computes(actor_program.nodes.front())) {
      // A pooling whose output row reads every input row: its rows wait outside the arena.
      const graph::Buffer& input = *read_as_[static_cast<size_t>(id)].front();
      TensorWindow& whole = collected_[static_cast<size_t>(id)];
      if (phase == 0) {
        whole = TensorWindow{input.shape, input.streaming_axis, 0, input.rows(), {}};
        whole.data.assign(static_cast<size_t>(input.elements()), 0.0f);
      }
      copy_rows(windows.at(input.name), whole);
      note_accumulators();
      if (end <= begin) {
        note_scratch(windows);
        return;
      }
      windows[input.name] = std::move(whole);
      whole = TensorWindow{};  // released: the rows now are the firing's window
      run_actor_nodes(actor_program, program_, 0, begin, end, windows, label);
    } else if (actor.streaming_reduction) {
      const graph::OperatorNode& reduction = actor_program.nodes.front();
      const graph::Buffer& input = *read_as_[static_cast<size_t>(id)].front();
      ReductionState& state = reductions_[static_cast<size_t>(id)];
      if (phase == 0) state = start_reduction(reduction, program_, input.shape, input.streaming_axis.value_or(0));
      add_reduction_rows(reduction, windows.at(input.name), state);
      note_accumulators();
      if (end <= begin) {  // the output row comes with the last firing
        note_scratch(windows);
        return;
      }
      TensorWindow output = output_window(program_, reduction.outputs.front(), begin, end);
      finish_reduction(reduction, state, output);
      // The accumulator lives on while the firing computes, then is released.
      note_scratch(windows, window_bytes(output));
      state = ReductionState{};
      windows[reduction.outputs.front()] = std::move(output);
      run_actor_nodes(actor_program, program_, 1, begin, end, windows, label);
    } else {
      run_actor_nodes(actor_program, program_, 0, begin, end, windows, label);
    }
    note_scratch(windows);
    for (const dataflow::OutputPort& port : node.outputs) {
      const Ring& ring = rings_[static_cast<size_t>(port.channel)];
      const TensorWindow& rows = windows.at(ring.tensor->name);
      // Each output its own rows: a node's outputs may differ in rows (LayerNormalization's Mean).
      const auto [port_begin, port_end] = written_rows(port, phase);
      if (port_end > port_begin && (port_begin < rows.row_begin || port_end > rows.row_end)) {
        throw ExecutionError(fmt::format("{}: the plan writes rows [{}, {}) of '{}', the kernels computed [{}, {})",
                                         label(), port_begin, port_end, ring.tensor->name, rows.row_begin, rows.row_end));
      }
      for (int64_t r = port_begin; r < port_end; ++r) {
        std::byte* slot = claim_slot(port.channel, r, index, id, phase);
        encode_row(rows, r, ring.layout, ring.tensor->dtype, slot);
      }
    }
  }

  // ---- results -------------------------------------------------------------------------------

  ExecutionResult collect_outputs() {
    ExecutionResult result;
    for (size_t c = 0; c < rings_.size(); ++c) {
      Ring& ring = rings_[c];
      if (ring.tensor->io != graph::IoRole::kOutput) continue;
      const std::byte* bytes = ring.counted ? sink_rows_.at(static_cast<int32_t>(c)).data() : ring.own.data();
      if (!ring.counted && ring.written < ring.rows) {
        throw ExecutionError(fmt::format("output '{}': {} of its {} rows were written", ring.tensor->name,
                                         ring.written, ring.rows));
      }
      TensorWindow whole;
      whole.shape = ring.tensor->shape;
      whole.axis = ring.tensor->streaming_axis;
      whole.row_begin = 0;
      whole.row_end = ring.rows;
      whole.data.resize(static_cast<size_t>(ring.layout.outer * ring.rows * ring.layout.inner));
      for (int64_t r = 0; r < ring.rows; ++r) decode_row(bytes + r * ring.row_bytes, ring.layout, ring.tensor->dtype, r, whole);
      result.outputs.push_back({ring.tensor->name, to_constant(whole, ring.tensor->dtype)});
    }
    append_constant_outputs(program_, result);
    return result;
  }

  const graph::Graph& graph_;
  const graph::ModelProgram& program_;
  const analysis::Evaluation& evaluation_;
  const dataflow::Network& network_;
  int64_t arena_size_ = 0;
  std::unique_ptr<std::byte[]> arena_;
  std::vector<Ring> rings_;
  /// Nodes of the zero-copy Concats (place_slice).
  std::set<NodeId> zero_copy_nodes_;
  /// reader_index_[node][port]: the port's entry in its ring's reader_release.
  std::vector<std::vector<size_t>> reader_index_;
  /// read_as_[node][port]: find_view_reads.
  std::vector<std::vector<const graph::Buffer*>> read_as_;
  std::vector<int64_t> fired_;
  std::vector<ReductionState> reductions_;
  /// Input rows of streaming reductions the trio does not compute (reduction_trio_computes).
  std::vector<TensorWindow> collected_;
  /// --stream-io: every row of each streamed graph input (encoded), by channel.
  std::map<int32_t, std::vector<std::byte>> source_rows_;
  /// --stream-io: the rows each sink drained, by channel.
  std::map<int32_t, std::vector<std::byte>> sink_rows_;
  /// What the run holds outside the arena, peaks so far.
  OutsideArena outside_;
};

PlanExecutor::PlanExecutor(const graph::Graph& graph, const graph::ModelProgram& program,
                           const analysis::Evaluation& evaluation)
    : state_(std::make_unique<State>(graph, program, evaluation)) {}

PlanExecutor::~PlanExecutor() = default;

int64_t PlanExecutor::arena_bytes() const { return state_->arena_bytes(); }

ExecutionResult PlanExecutor::run(const TensorMap& inputs) { return state_->run(inputs); }

}  // namespace bufopt::execute
