#include "support/real_models.h"

#include <filesystem>

#include "bufopt/onnx/import.h"

namespace bufopt::testing {

std::optional<graph::Graph> load_real_model(const RealModel& model, bool fuse) {
  const std::filesystem::path path = std::filesystem::path(BUFOPT_SOURCE_DIR) / model.path;
  if (!std::filesystem::exists(path)) return std::nullopt;
  onnx::ImportOptions options;
  options.input_shapes[model.input] = model.shape;
  options.fuse = fuse;
  return onnx::import_model(path.string(), options);
}

}  // namespace bufopt::testing
