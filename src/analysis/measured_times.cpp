// Measured operator times: ONNX Runtime profiles and per-actor times files.
#include "bufopt/analysis/measured_times.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace bufopt::analysis {

namespace {

constexpr std::string_view kKernelSuffix = "_kernel_time";

nlohmann::json parse_json(std::string_view text, const char* what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::invalid_argument(std::string(what) + " is not valid JSON: " + error.what());
  }
}

double non_negative(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number()) throw std::invalid_argument(where + " must be a number");
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < 0) throw std::invalid_argument(where + " must not be negative");
  return number;
}

/// The node name of a kernel event, or empty when the event is something else.
std::string kernel_node(const nlohmann::json& event) {
  if (!event.is_object()) return {};
  const auto category = event.find("cat");
  const auto name = event.find("name");
  if (category == event.end() || *category != "Node" || name == event.end() || !name->is_string()) return {};
  const std::string text = name->get<std::string>();
  if (text.size() <= kKernelSuffix.size() || !text.ends_with(kKernelSuffix)) return {};
  return text.substr(0, text.size() - kKernelSuffix.size());
}

}  // namespace

NodeTimes parse_ort_profile(std::string_view text) {
  const nlohmann::json document = parse_json(text, "ONNX Runtime profile");
  if (!document.is_array()) throw std::invalid_argument("ONNX Runtime profile must be a JSON array of trace events");
  std::map<std::string, std::pair<double, int64_t>> totals;  // microseconds, events
  NodeTimes times;
  for (const nlohmann::json& event : document) {
    const std::string node = kernel_node(event);
    if (node.empty()) continue;
    const auto duration = event.find("dur");
    if (duration == event.end()) throw std::invalid_argument("kernel event of " + node + " has no 'dur'");
    auto& [microseconds, count] = totals[node];
    microseconds += non_negative(*duration, "'dur' of " + node);
    ++count;
    ++times.events;
  }
  if (times.events == 0) throw std::invalid_argument("ONNX Runtime profile holds no kernel event (cat \"Node\", name \"*_kernel_time\")");
  for (const auto& [node, total] : totals) times.seconds[node] = total.first * 1e-6 / static_cast<double>(total.second);
  return times;
}

std::map<std::string, double> parse_actor_times_json(std::string_view text) {
  const nlohmann::json document = parse_json(text, "actor times file");
  if (!document.is_object()) throw std::invalid_argument("actor times file must hold a JSON object");
  std::map<std::string, double> seconds;
  double clock_hz = 0;
  const nlohmann::json* cycles = nullptr;
  for (const auto& [field, value] : document.items()) {
    if (field == "actor_seconds" || field == "actor_cycles") {
      if (!value.is_object()) throw std::invalid_argument("'" + field + "' must map actor names to numbers");
      if (field == "actor_cycles") {
        cycles = &value;
        continue;
      }
      for (const auto& [actor, time] : value.items()) seconds[actor] = non_negative(time, "time of " + actor);
    } else if (field == "clock_hz") {
      clock_hz = non_negative(value, "'clock_hz'");
    } else {
      throw std::invalid_argument("unknown actor times field '" + field + "'");
    }
  }
  if (cycles) {
    if (!(clock_hz > 0)) throw std::invalid_argument("'actor_cycles' needs a positive 'clock_hz'");
    for (const auto& [actor, count] : cycles->items()) {
      seconds.emplace(actor, non_negative(count, "cycles of " + actor) / clock_hz);
    }
  }
  return seconds;
}

namespace {

/// Measured times keyed by the node each names: its own name, or for a node ONNX Runtime
/// created by fusing ("<first node>/MatMulAddFusion", ...) the node before the '/', summed
/// when several land on one node.
std::map<std::string, std::pair<double, std::vector<std::string>>> by_node(const std::map<std::string, double>& measured,
                                                                           const std::set<std::string>& known) {
  std::map<std::string, std::pair<double, std::vector<std::string>>> nodes;
  for (const auto& [name, seconds] : measured) {
    std::string node = name;
    if (!known.contains(name)) {
      if (const size_t slash = name.find('/'); slash != std::string::npos) node = name.substr(0, slash);
    }
    auto& [total, names] = nodes[node];
    total += seconds;
    names.push_back(name);
  }
  return nodes;
}

}  // namespace

ActorTimes actor_times(const graph::Graph& graph, const std::map<std::string, double>& raw) {
  std::set<std::string> known;
  for (const graph::Actor& actor : graph.actors) {
    known.insert(actor.name);
    known.insert(actor.fused.begin(), actor.fused.end());
  }
  const auto measured = by_node(raw, known);
  ActorTimes times;
  std::set<std::string> used;
  for (const graph::Actor& actor : graph.actors) {
    bool found = false;
    double total = 0;
    auto take = [&](const std::string& name) {
      if (auto it = measured.find(name); it != measured.end()) {
        total += it->second.first;
        found = true;
        used.insert(it->second.second.begin(), it->second.second.end());
      }
    };
    take(actor.name);
    for (const std::string& fused : actor.fused) {
      if (fused != actor.name) take(fused);
    }
    if (found) {
      times.seconds[actor.name] = total;
    } else {
      times.unmeasured.push_back(actor.name);
    }
  }
  for (const auto& [name, seconds] : raw) {
    if (!used.contains(name)) times.unmatched.push_back(name);
  }
  return times;
}

std::map<std::string, double> parse_measured_times(std::string_view text) {
  const auto first = std::find_if(text.begin(), text.end(), [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
  if (first != text.end() && *first == '[') return parse_ort_profile(text).seconds;
  return parse_actor_times_json(text);
}

}  // namespace bufopt::analysis
