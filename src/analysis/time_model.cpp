#include "bufopt/analysis/time_model.h"

#include <stdexcept>

namespace bufopt::analysis {

double actor_work_seconds(const graph::Actor& actor, const Platform& platform) {
  return static_cast<double>(actor.macs) / platform.macs_per_s +
         static_cast<double>(actor.elementwise_ops) / platform.elems_per_s;
}

double actor_seconds(const graph::Actor& actor, int64_t phases, const Platform& platform) {
  return actor_work_seconds(actor, platform) + static_cast<double>(phases) * platform.firing_overhead_s;
}

double sequential_time_seconds(const graph::Graph& graph, std::span<const int64_t> phases, const Platform& platform) {
  return sequential_time_seconds(graph, phases, platform, std::vector<bool>{});
}

double sequential_time_seconds(const graph::Graph& graph, std::span<const int64_t> phases, const Platform& platform,
                               const std::vector<bool>& eliminated) {
  if (phases.size() != graph.actors.size()) {
    throw std::invalid_argument("sequential_time_seconds: one phase count per actor expected");
  }
  double total = 0;
  for (size_t a = 0; a < graph.actors.size(); ++a) {
    if (a < eliminated.size() && eliminated[a]) continue;
    total += actor_seconds(graph.actors[a], phases[a], platform);
  }
  return total;
}

double baseline_time_seconds(const graph::Graph& graph, const Platform& platform) {
  const std::vector<int64_t> once(graph.actors.size(), 1);
  double total = sequential_time_seconds(graph, once, platform);
  // The baseline keeps the FIFO model's actors (MODEL 4.1 Time): each eliminated view fires once.
  for (const graph::EliminatedView& view : graph.views) {
    graph::Actor copy;
    copy.elementwise_ops = view.elementwise_ops;
    total += actor_seconds(copy, 1, platform);
  }
  return total;
}

}  // namespace bufopt::analysis
