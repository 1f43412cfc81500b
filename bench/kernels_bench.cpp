// Times the reference kernels running a model whole, layer by layer (no arena, no schedule):
// what the executor's kernels cost before any by-parts bookkeeping. Prints the total and the
// time per operator type.
//   build/bench/bufopt_kernels_bench MODEL.onnx [NAME=1x3x224x224] [--repeat N] [--random-weights]
//                                    [--raw-input NAME=FILE] [--dump DIR] [--rows-per-call N]
// Inputs are seeded values unless --raw-input gives little-endian float32 values; with
// --random-weights every float weight is replaced by seeded dense values (the zoo's weights are
// zero files); --dump writes each graph output as DIR/output_<i>.bin (raw float32), for
// comparing with another runtime by hand. --rows-per-call N computes every streamed output N
// rows per kernel call (inputs whole): the kernels' cost per call by parts, without the ring.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "bufopt/execute/kernels.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "bufopt/onnx/model_file.h"
#include "bufopt/onnx/program_nodes.h"
#include "bufopt/onnx/proto_nodes.h"

namespace {

using bufopt::execute::TensorWindow;
namespace import = bufopt::onnx;

std::vector<float> seeded(size_t n, uint32_t seed) {
  std::mt19937 generator(seed);
  std::vector<float> values(n);
  for (float& v : values) v = static_cast<float>(static_cast<int64_t>(generator() % 2001) - 1000) / 10000.0f;
  return values;
}

std::vector<int64_t> parse_shape(const std::string& text) {
  std::vector<int64_t> shape;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('x', start);
    shape.push_back(std::stoll(text.substr(start, end - start)));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return shape;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [NAME=SHAPE]... [--repeat N]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  import::ImportOptions options;
  options.fuse = false;
  int repeat = 3;
  int64_t rows_per_call = 0;
  bool random_weights = false;
  std::string dump;
  std::map<std::string, std::vector<float>> raw_inputs;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::stoi(argv[++i]);
    } else if (arg == "--rows-per-call" && i + 1 < argc) {
      rows_per_call = std::stoll(argv[++i]);
    } else if (arg == "--random-weights") {
      random_weights = true;
    } else if (arg == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else if (arg == "--raw-input" && i + 1 < argc) {
      const std::string spec = argv[++i];
      const size_t eq = spec.find('=');
      std::ifstream in(spec.substr(eq + 1), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::vector<float> values(bytes.size() / sizeof(float));
      std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
      raw_inputs[spec.substr(0, eq)] = std::move(values);
    } else if (const size_t eq = arg.find('='); eq != std::string::npos) {
      options.input_shapes[arg.substr(0, eq)] = parse_shape(arg.substr(eq + 1));
    }
  }
  const bufopt::graph::Graph graph = import::import_model(path, options);
  std::map<std::string, const bufopt::graph::Buffer*> buffers;
  bufopt::graph::ModelProgram program;
  for (const auto& buffer : graph.buffers) {
    buffers[buffer.name] = &buffer;
    program.values[buffer.name] = {buffer.dtype, buffer.shape, buffer.streaming_axis};
  }
  const ::onnx::ModelProto model = import::read_model_file(path, options.limits);
  import::ExternalData external(std::filesystem::path(path).parent_path(), options.limits.max_external_bytes);
  uint32_t seed = 1;
  for (const auto& initializer : model.graph().initializer()) {
    bufopt::graph::ConstantTensor constant = import::to_constant_tensor(initializer, external, options.limits);
    if (random_weights && !constant.reals.empty()) constant.reals = seeded(constant.reals.size(), seed++);
    program.constants[initializer.name()] = std::move(constant);
  }
  const auto opsets = import::opset_versions(model);
  std::vector<bufopt::graph::OperatorNode> nodes;
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const ::onnx::NodeProto& proto = model.graph().node(i);
    const auto op = import::make_op_node(proto, i, opsets, external, options.limits);
    bufopt::graph::OperatorNode node = import::to_operator_node(op, proto, external, options.limits);
    if (node.op_type == "Constant" && node.attributes.count("value") && node.attributes.at("value").tensor) {
      program.constants[node.outputs[0]] = *node.attributes.at("value").tensor;
      continue;
    }
    if (!buffers.count(node.outputs[0])) continue;  // folded by the importer
    if (const auto reason = bufopt::execute::unsupported_reason(node, program)) {
      std::fprintf(stderr, "unsupported: %s\n", reason->c_str());
      return 6;
    }
    nodes.push_back(std::move(node));
  }
  double best = 1e30;
  double best_cpu = 1e30;
  int64_t calls = 0;
  std::map<std::string, double> by_op;
  for (int r = 0; r < repeat; ++r) {
    std::map<std::string, TensorWindow> tensors;
    for (const auto& buffer : graph.buffers) {
      if (buffer.producer != bufopt::graph::kNoActor) continue;
      TensorWindow window;
      window.shape = buffer.shape;
      window.axis = buffer.streaming_axis;
      window.row_end = buffer.rows();
      const auto raw = raw_inputs.find(buffer.name);
      window.data = raw != raw_inputs.end() ? raw->second : seeded(static_cast<size_t>(buffer.elements()), 7);
      tensors[buffer.name] = std::move(window);
    }
    std::map<std::string, double> times;
    calls = 0;
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    for (const auto& node : nodes) {
      std::vector<const TensorWindow*> inputs;
      for (const std::string& name : node.inputs) {
        const auto found = tensors.find(name);
        inputs.push_back(found == tensors.end() ? nullptr : &found->second);
      }
      std::vector<TensorWindow> outputs;
      for (const std::string& name : node.outputs) {
        const bufopt::graph::Buffer& buffer = *buffers.at(name);
        TensorWindow window;
        window.shape = buffer.shape;
        window.axis = buffer.streaming_axis;
        window.row_end = buffer.rows();
        outputs.push_back(std::move(window));
      }
      const bool by_rows = rows_per_call > 0 && outputs.size() == 1 && outputs[0].axis &&
                           !bufopt::execute::is_reduction(node.op_type);
      if (!by_rows) {
        const auto node_start = std::chrono::steady_clock::now();
        bufopt::execute::run_node(node, program, inputs, outputs);
        times[node.op_type] += std::chrono::duration<double>(std::chrono::steady_clock::now() - node_start).count();
      } else {
        // The output in pieces of rows_per_call rows, copied into the whole tensor between calls.
        TensorWindow& whole = outputs[0];
        const auto axis = static_cast<size_t>(*whole.axis);
        int64_t outer = 1;
        int64_t inner = 1;
        for (size_t d = 0; d < axis; ++d) outer *= whole.shape[d];
        for (size_t d = axis + 1; d < whole.shape.size(); ++d) inner *= whole.shape[d];
        const int64_t rows = whole.shape[axis];
        whole.data.assign(static_cast<size_t>(outer * rows * inner), 0.0f);
        for (int64_t begin = 0; begin < rows; begin += rows_per_call) {
          std::vector<TensorWindow> piece(1);
          piece[0].shape = whole.shape;
          piece[0].axis = whole.axis;
          piece[0].row_begin = begin;
          piece[0].row_end = std::min(rows, begin + rows_per_call);
          const int64_t held = piece[0].row_end - begin;
          const auto node_start = std::chrono::steady_clock::now();
          bufopt::execute::run_node(node, program, inputs, piece);
          times[node.op_type] += std::chrono::duration<double>(std::chrono::steady_clock::now() - node_start).count();
          ++calls;
          for (int64_t o = 0; o < outer; ++o) {
            std::copy_n(piece[0].data.begin() + o * held * inner, held * inner,
                        whole.data.begin() + (o * rows + begin) * inner);
          }
        }
      }
      for (size_t j = 0; j < outputs.size(); ++j) tensors[node.outputs[j]] = std::move(outputs[j]);
    }
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best_cpu = std::min(best_cpu, static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    if (total < best) {
      best = total;
      by_op = times;
    }
    if (!dump.empty() && r == 0) {
      for (int j = 0; j < model.graph().output_size(); ++j) {
        const std::vector<float>& values = tensors.at(model.graph().output(j).name()).data;
        std::ofstream out(dump + "/output_" + std::to_string(j) + ".bin", std::ios::binary);
        out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * 4));
      }
    }
  }
  // CPU time beside wall time: on a loaded machine the CPU time is the steadier figure.
  std::printf("%s: %zu nodes, whole run %.3f s wall, %.3f s CPU (best of %d)\n",
              std::filesystem::path(path).filename().c_str(), nodes.size(), best, best_cpu, repeat);
  double in_kernels = 0;
  for (const auto& entry : by_op) in_kernels += entry.second;
  if (rows_per_call > 0) {
    std::printf("  %lld kernel calls of %lld rows, %.3f s in the kernels\n", static_cast<long long>(calls),
                static_cast<long long>(rows_per_call), in_kernels);
  }
  for (const auto& [op, seconds] : by_op) std::printf("  %-20s %8.3f s\n", op.c_str(), seconds);
  return 0;
}
