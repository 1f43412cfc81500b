#include "support/graph_builder.h"

#include <stdexcept>

namespace bufopt::testing {

using graph::ActorId;
using graph::BufferId;

BufferId GraphBuilder::add_buffer(const std::string& name, std::vector<int64_t> shape, ActorId producer) {
  graph::Buffer buffer;
  buffer.name = name;
  buffer.shape = std::move(shape);
  buffer.dtype = graph::DataType::kFloat32;
  buffer.element_bytes = 4;
  buffer.streaming_axis = 2;
  buffer.producer = producer;
  graph_.buffers.push_back(buffer);
  return static_cast<BufferId>(graph_.buffers.size() - 1);
}

BufferId GraphBuilder::input(const std::string& name, int64_t channels, int64_t rows, int64_t width) {
  BufferId id = add_buffer(name, {1, channels, rows, width}, graph::kNoActor);
  graph_.buffers[static_cast<size_t>(id)].io = graph::IoRole::kInput;
  return id;
}

BufferId GraphBuilder::actor(const std::string& name, const std::string& op_type, const std::vector<BufferId>& ins,
                             const std::vector<graph::RowMap>& maps, int64_t channels, int64_t rows, int64_t width) {
  const auto id = static_cast<ActorId>(graph_.actors.size());
  graph::Actor actor;
  actor.name = name;
  actor.op_type = op_type;
  actor.inputs = ins;
  actor.input_maps = maps;
  for (BufferId in : ins) graph_.buffers[static_cast<size_t>(in)].consumers.push_back(id);
  BufferId out = add_buffer(name + "_out", {1, channels, rows, width}, id);
  actor.outputs = {out};
  actor.elementwise_ops = channels * rows * width;
  graph_.actors.push_back(actor);
  return out;
}

BufferId GraphBuilder::conv(const std::string& name, BufferId in, int64_t channels, int64_t kernel, int64_t stride,
                            int64_t pad, int64_t dilation) {
  const graph::Buffer& source = buffer(in);
  const int64_t in_rows = source.shape[2];
  const int64_t in_width = source.shape[3];
  const int64_t in_channels = source.shape[1];
  const int64_t k_eff = dilation * (kernel - 1) + 1;
  const int64_t rows = (in_rows + 2 * pad - k_eff) / stride + 1;
  const int64_t width = in_width == 1 ? 1 : (in_width + 2 * pad - k_eff) / stride + 1;
  graph::SlidingWindow window{kernel, stride, dilation, pad};
  BufferId out = actor(name, "Conv", {in}, {window}, channels, rows, width);
  graph::Actor& conv = graph_.actors.back();
  conv.elementwise_ops = 0;
  conv.macs = channels * rows * width * in_channels * kernel * (in_width == 1 ? 1 : kernel);
  conv.kernel = kernel;
  conv.stride = stride;
  conv.dilation = dilation;
  conv.pad_begin = pad;
  conv.pad_end = pad;
  conv.groups = 1;
  return out;
}

BufferId GraphBuilder::elementwise(const std::string& name, const std::vector<BufferId>& ins, bool concat_channels) {
  const graph::Buffer& first = buffer(ins.at(0));
  int64_t channels = first.shape[1];
  if (concat_channels) {
    channels = 0;
    for (BufferId in : ins) channels += buffer(in).shape[1];
  }
  std::vector<graph::RowMap> maps(ins.size(), graph::SlidingWindow{});
  return actor(name, concat_channels ? "Concat" : "Add", ins, maps, channels, first.shape[2], first.shape[3]);
}

BufferId GraphBuilder::barrier(const std::string& name, BufferId in, int64_t out_rows) {
  const graph::Buffer& source = buffer(in);
  BufferId out = actor(name, "Barrier", {in}, {graph::WholeInput{}}, source.shape[1], out_rows, source.shape[3]);
  graph_.actors.back().barrier = true;
  graph_.actors.back().barrier_reason = "test barrier";
  return out;
}

BufferId GraphBuilder::global_pool(const std::string& name, BufferId in) {
  const graph::Buffer& source = buffer(in);
  const int64_t input_elements = source.shape[1] * source.shape[2] * source.shape[3];
  BufferId out = actor(name, "GlobalAveragePool", {in}, {graph::WholeInput{}}, source.shape[1], 1, 1);
  graph_.actors.back().streaming_reduction = true;
  graph_.actors.back().elementwise_ops = input_elements;
  return out;
}

BufferId GraphBuilder::relu(const std::string& name, BufferId in) {
  const graph::Buffer& source = buffer(in);
  BufferId out = actor(name, "Relu", {in}, {graph::SlidingWindow{}}, source.shape[1], source.shape[2], source.shape[3]);
  graph_.actors.back().fusable = true;
  return out;
}

void GraphBuilder::output(BufferId buffer) { graph_.buffers[static_cast<size_t>(buffer)].io = graph::IoRole::kOutput; }

graph::Graph GraphBuilder::build() const {
  auto problems = graph::validate(graph_);
  if (!problems.empty()) throw std::logic_error("GraphBuilder: " + problems.front());
  return graph_;
}

}  // namespace bufopt::testing
