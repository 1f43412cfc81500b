#include "bufopt/onnx/topo_sort.h"

#include <functional>
#include <queue>
#include <unordered_map>

#include <fmt/format.h>

#include "bufopt/onnx/import.h"

namespace bufopt::onnx {

namespace {

constexpr int kNoProducer = -1;

/// Every non-empty name node `node` reads, its subgraphs' outer reads included.
std::vector<const std::string*> reads_of(const OpNode& node) {
  std::vector<const std::string*> reads;
  for (const auto& input : node.inputs) {
    if (!input.empty()) reads.push_back(&input);
  }
  for (const auto& input : node.outer_scope_inputs) reads.push_back(&input);
  return reads;
}

std::unordered_map<std::string, int> producers_of(const std::vector<OpNode>& nodes) {
  std::unordered_map<std::string, int> producer;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& output : nodes[i].outputs) {
      if (output.empty()) continue;
      const auto [it, inserted] = producer.emplace(output, static_cast<int>(i));
      if (!inserted) {
        throw ImportError(fmt::format("tensor '{}' is produced by two nodes ('{}' and '{}')", output,
                                      nodes[static_cast<size_t>(it->second)].name, nodes[i].name));
      }
    }
  }
  return producer;
}

/// A node on a cycle among the nodes not yet placed (`placed` false), starting from `start`.
int node_on_cycle(const std::vector<std::vector<int>>& depends_on, const std::vector<bool>& placed, int start) {
  std::vector<bool> visited(placed.size(), false);
  int current = start;
  while (!visited[static_cast<size_t>(current)]) {
    visited[static_cast<size_t>(current)] = true;
    int next = kNoProducer;
    for (int dependency : depends_on[static_cast<size_t>(current)]) {
      if (!placed[static_cast<size_t>(dependency)]) {
        next = dependency;
        break;
      }
    }
    if (next == kNoProducer) return current;  // cannot happen: an unplaced node waits on one
    current = next;
  }
  return current;
}

}  // namespace

std::vector<int> topological_order(const std::vector<OpNode>& nodes, const std::unordered_set<std::string>& available) {
  const auto producer = producers_of(nodes);
  std::vector<std::vector<int>> depends_on(nodes.size());
  std::vector<std::vector<int>> dependents(nodes.size());
  std::vector<int> waiting(nodes.size(), 0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const std::string* name : reads_of(nodes[i])) {
      const auto found = producer.find(*name);
      if (found == producer.end()) {
        if (available.count(*name)) continue;
        throw ImportError(fmt::format("node '{}' reads '{}' which nothing produces", nodes[i].name, *name));
      }
      depends_on[i].push_back(found->second);
      dependents[static_cast<size_t>(found->second)].push_back(static_cast<int>(i));
      ++waiting[i];
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (waiting[i] == 0) ready.push(static_cast<int>(i));
  }
  std::vector<int> order;
  order.reserve(nodes.size());
  std::vector<bool> placed(nodes.size(), false);
  while (!ready.empty()) {
    const int next = ready.top();
    ready.pop();
    order.push_back(next);
    placed[static_cast<size_t>(next)] = true;
    for (int dependent : dependents[static_cast<size_t>(next)]) {
      if (--waiting[static_cast<size_t>(dependent)] == 0) ready.push(dependent);
    }
  }
  if (order.size() != nodes.size()) {
    int first_unplaced = 0;
    while (placed[static_cast<size_t>(first_unplaced)]) ++first_unplaced;
    const int on_cycle = node_on_cycle(depends_on, placed, first_unplaced);
    throw ImportError(fmt::format("graph has a cycle through node '{}'", nodes[static_cast<size_t>(on_cycle)].name));
  }
  return order;
}

}  // namespace bufopt::onnx
