// Times the reference kernels running a model whole, layer by layer (no arena, no schedule):
// what the executor's kernels cost before any by-parts bookkeeping. Prints the total and the
// time per operator type.
//   build/bench/bufopt_kernels_bench MODEL.onnx [NAME=1x3x224x224] [--repeat N] [--random-weights]
//                                    [--raw-input NAME=FILE] [--dump DIR]
// Inputs are seeded values unless --raw-input gives little-endian float32 values; with
// --random-weights every float weight is replaced by seeded dense values (the zoo's weights are
// zero files); --dump writes each graph output as DIR/output_<i>.bin (raw float32), for
// comparing with another runtime by hand.
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
namespace onnx_import = bufopt::onnx_import;

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
  onnx_import::ImportOptions options;
  options.fuse = false;
  int repeat = 3;
  bool random_weights = false;
  std::string dump;
  std::map<std::string, std::vector<float>> raw_inputs;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::stoi(argv[++i]);
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
  const bufopt::graph::Graph graph = onnx_import::import_model(path, options);
  std::map<std::string, const bufopt::graph::Buffer*> buffers;
  bufopt::graph::ModelProgram program;
  for (const auto& buffer : graph.buffers) {
    buffers[buffer.name] = &buffer;
    program.values[buffer.name] = {buffer.dtype, buffer.shape, buffer.streaming_axis};
  }
  const onnx::ModelProto model = onnx_import::read_model_file(path, options.limits);
  onnx_import::ExternalData external(std::filesystem::path(path).parent_path(), options.limits.max_external_bytes);
  uint32_t seed = 1;
  for (const auto& initializer : model.graph().initializer()) {
    bufopt::graph::ConstantTensor constant = onnx_import::to_constant_tensor(initializer, external, options.limits);
    if (random_weights && !constant.reals.empty()) constant.reals = seeded(constant.reals.size(), seed++);
    program.constants[initializer.name()] = std::move(constant);
  }
  const auto opsets = onnx_import::opset_versions(model);
  std::vector<bufopt::graph::OperatorNode> nodes;
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const onnx::NodeProto& proto = model.graph().node(i);
    const auto op = onnx_import::make_op_node(proto, i, opsets, external, options.limits);
    bufopt::graph::OperatorNode node = onnx_import::to_operator_node(op, proto, external, options.limits);
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
      const auto node_start = std::chrono::steady_clock::now();
      bufopt::execute::run_node(node, program, inputs, outputs);
      times[node.op_type] += std::chrono::duration<double>(std::chrono::steady_clock::now() - node_start).count();
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
  for (const auto& [op, seconds] : by_op) std::printf("  %-20s %8.3f s\n", op.c_str(), seconds);
  return 0;
}
