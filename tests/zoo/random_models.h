#pragma once
/// Shared by the random-CNN tests: the seed count (BUFOPT_RANDOM_MODELS caps it) and the import
/// of a random model from memory.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "zoo/random_architectures.h"

namespace bufopt::testing {

/// `wanted`, or fewer when the environment variable BUFOPT_RANDOM_MODELS=N asks for at most N
/// (scripts/sanitize.sh sets 30 so the instrumented run stays short).
inline int random_model_count(int wanted) {
  const char* value = std::getenv("BUFOPT_RANDOM_MODELS");
  if (value == nullptr || *value == '\0') return wanted;
  const int cap = std::atoi(value);
  return cap > 0 ? std::min(wanted, cap) : wanted;
}

/// The random model of `seed`, imported by bufopt's importer from its serialised bytes (weights
/// inside the model: no file is written).
inline graph::Graph import_random_model(const zoo::RandomModel& model) {
  return onnx::import_model_from_bytes(model.model.SerializeAsString(), ".", {});
}

}  // namespace bufopt::testing
