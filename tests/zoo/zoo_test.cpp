// The zoo's models against published figures: MACs from the papers and torchvision, feature-map
// sizes from the papers' tables, the whole-tensor figures of ANCHORS.md, and the reference
// method's own accounting of its model descriptions. Every model is also imported and analysed,
// and its answer verified (MODEL 7).
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bufopt/analysis/analyze.h"
#include "bufopt/analysis/baselines.h"
#include "bufopt/graph/graph.h"
#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"
#include "zoo/mms_ga.h"
#include "zoo/zoo.h"

namespace bufopt::testing {
namespace {

/// Writes one zoo model into `dir` and imports it with bufopt's importer.
struct ZooModel {
  zoo::GeneratedModel generated;
  graph::Graph graph;
};

ZooModel make(const TempDir& dir, const std::string& request) {
  ZooModel model;
  model.generated = zoo::write_model(dir.path(), zoo::parse_request(request));
  model.graph = onnx::import_model(model.generated.model_path.string(), {});
  return model;
}

/// Heights of the outputs of the actors of `op_type`, in graph order.
std::vector<int64_t> output_heights(const graph::Graph& graph, const std::string& op_type) {
  std::vector<int64_t> heights;
  for (const graph::Actor& actor : graph.actors) {
    if (actor.op_type != op_type) continue;
    heights.push_back(graph.buffers[static_cast<size_t>(actor.outputs.front())].shape.at(2));
  }
  return heights;
}

/// Shape of the first buffer consumed by an actor of `op_type`.
std::vector<int64_t> input_shape_of_first(const graph::Graph& graph, const std::string& op_type) {
  for (const graph::Actor& actor : graph.actors) {
    if (actor.op_type == op_type) return graph.buffers[static_cast<size_t>(actor.inputs.front())].shape;
  }
  return {};
}

int64_t importer_macs(const graph::Graph& graph) {
  int64_t macs = 0;
  for (const graph::Actor& actor : graph.actors) macs += actor.macs;
  return macs;
}

// ---- MACs ---------------------------------------------------------------------------------------

/// A published multiply-accumulate count and how close the zoo must come to it.
struct PublishedMacs {
  std::string request;  ///< NAME or NAME@SIZE
  double macs;
  double tolerance;     ///< relative; published figures are rounded
  const char* source;
};

class PublishedMacsTest : public ::testing::TestWithParam<PublishedMacs> {};

TEST_P(PublishedMacsTest, BuilderAndImporterAgreeAndMatchThePublishedFigure) {
  const PublishedMacs& published = GetParam();
  TempDir dir;
  const ZooModel model = make(dir, published.request);
  // Two independent computations: the builder's own formula and the importer's rules.
  EXPECT_EQ(importer_macs(model.graph), model.generated.macs);
  const double relative = std::abs(static_cast<double>(model.generated.macs) - published.macs) / published.macs;
  EXPECT_LE(relative, published.tolerance) << published.request << ": " << model.generated.macs << " MACs, "
                                           << published.source << " says " << published.macs;
}

INSTANTIATE_TEST_SUITE_P(
    Zoo, PublishedMacsTest,
    ::testing::Values(
        PublishedMacs{"alexnet", 724e6, 0.005, "Sze et al. 2017, Efficient Processing of DNNs, Table III"},
        PublishedMacs{"vgg16", 15.47e9, 0.005, "torchvision VGG16_Weights (15.47 GFLOPS)"},
        PublishedMacs{"resnet18", 1.81e9, 0.005, "torchvision ResNet18_Weights (1.81 GFLOPS)"},
        PublishedMacs{"resnet50", 4.09e9, 0.005, "torchvision ResNet50_Weights (4.09 GFLOPS)"},
        PublishedMacs{"resnet50v1", 3.9e9, 0.015, "Sze et al. 2017, Table III (3.9G MACs)"},
        PublishedMacs{"resnet101", 7.80e9, 0.005, "torchvision ResNet101_Weights (7.80 GFLOPS)"},
        PublishedMacs{"resnet152", 11.51e9, 0.005, "torchvision ResNet152_Weights (11.51 GFLOPS)"},
        PublishedMacs{"mobilenetv1", 569e6, 0.005, "Howard et al. 2017, Table 8 (569M mult-adds)"},
        PublishedMacs{"mobilenetv2", 300e6, 0.01, "Sandler et al. 2018, Table 4 (300M MAdds)"},
        PublishedMacs{"efficientnet_b0", 0.39e9, 0.015, "Tan & Le 2019, Table 2 (0.39B FLOPS)"},
        PublishedMacs{"densenet121", 2.83e9, 0.005, "torchvision DenseNet121_Weights (2.83 GFLOPS)"},
        PublishedMacs{"squeezenet1_0@224", 0.82e9, 0.005, "torchvision SqueezeNet1_0_Weights (0.82 GFLOPS)"},
        PublishedMacs{"squeezenet1_1", 0.35e9, 0.005, "torchvision SqueezeNet1_1_Weights (0.35 GFLOPS)"},
        PublishedMacs{"yolov3_tiny", 5.56e9 / 2, 0.005, "pjreddie.com/darknet/yolo (5.56 Bn FLOPS = 2 x MACs)"}),
    [](const auto& info) {
      std::string name = info.param.request;
      for (char& c : name) {
        if (c == '@') c = '_';
      }
      return name;
    });

// ---- Feature-map sizes ----------------------------------------------------------------------------

TEST(ZooGeometry, AlexNetMatchesKrizhevskyFigure2) {
  TempDir dir;
  const ZooModel model = make(dir, "alexnet");
  EXPECT_EQ(output_heights(model.graph, "Conv"), (std::vector<int64_t>{55, 27, 13, 13, 13}));
  EXPECT_EQ(output_heights(model.graph, "MaxPool"), (std::vector<int64_t>{27, 13, 6}));
}

TEST(ZooGeometry, SqueezeNet10MatchesTable1) {
  // Iandola et al. 2016, Table 1: conv1 111x111x96, maxpools to 55, 27, 13, conv10 13x13x1000.
  TempDir dir;
  const ZooModel model = make(dir, "squeezenet1_0");
  EXPECT_EQ(output_heights(model.graph, "MaxPool"), (std::vector<int64_t>{55, 27, 13}));
  EXPECT_EQ(input_shape_of_first(model.graph, "MaxPool"), (std::vector<int64_t>{1, 96, 111, 111}));
  EXPECT_EQ(input_shape_of_first(model.graph, "GlobalAveragePool"), (std::vector<int64_t>{1, 1000, 13, 13}));
}

TEST(ZooGeometry, ResNetsEndAt7x7With2048Or512Channels) {
  TempDir dir;
  for (const char* name : {"resnet50", "resnet50v1", "resnet101", "resnet152", "resnet50v1_keras"}) {
    const ZooModel model = make(dir, name);
    EXPECT_EQ(input_shape_of_first(model.graph, "GlobalAveragePool"), (std::vector<int64_t>{1, 2048, 7, 7})) << name;
    EXPECT_EQ(input_shape_of_first(model.graph, "MaxPool"), (std::vector<int64_t>{1, 64, 112, 112})) << name;
  }
  const ZooModel resnet18 = make(dir, "resnet18");
  EXPECT_EQ(input_shape_of_first(resnet18.graph, "GlobalAveragePool"), (std::vector<int64_t>{1, 512, 7, 7}));
}

TEST(ZooGeometry, MobileNetsAndEfficientNetEndAt7x7) {
  TempDir dir;
  const std::pair<const char*, int64_t> heads[] = {
      {"mobilenetv1", 1024}, {"mobilenetv2", 1280}, {"mobilenetv2_tf", 1280}, {"efficientnet_b0", 1280}};
  for (const auto& [name, channels] : heads) {
    const ZooModel model = make(dir, name);
    // The last GlobalAveragePool is the classifier's (EfficientNet has one per squeeze-excite).
    std::vector<int64_t> last;
    for (const graph::Actor& actor : model.graph.actors) {
      if (actor.op_type == "GlobalAveragePool") last = model.graph.buffers[static_cast<size_t>(actor.inputs[0])].shape;
    }
    EXPECT_EQ(last, (std::vector<int64_t>{1, channels, 7, 7})) << name;
  }
}

TEST(ZooGeometry, DenseNet121BlocksAndTransitions) {
  // Huang et al. 2017, Table 1: dense blocks at 56, 28, 14, 7; 1024 channels at the end
  // (64 + 6*32 = 256 -> 128 + 12*32 = 512 -> 256 + 24*32 = 1024 -> 512 + 16*32 = 1024).
  TempDir dir;
  const ZooModel model = make(dir, "densenet121");
  EXPECT_EQ(output_heights(model.graph, "AveragePool"), (std::vector<int64_t>{28, 14, 7}));
  EXPECT_EQ(input_shape_of_first(model.graph, "GlobalAveragePool"), (std::vector<int64_t>{1, 1024, 7, 7}));
  int convs = 0;
  for (const zoo::Layer& layer : model.generated.layers) convs += layer.op_type == "Conv";
  EXPECT_EQ(convs, 1 + 2 * (6 + 12 + 24 + 16) + 3);  // stem, two per dense layer, transitions
}

TEST(ZooGeometry, UNetMatchesRonnebergerFigure1) {
  TempDir dir;
  const ZooModel model = make(dir, "unet");
  const std::vector<int64_t> expected = {570, 568, 282, 280, 138, 136, 66, 64, 30, 28,
                                         54,  52,  102, 100, 198, 196, 390, 388, 388};
  EXPECT_EQ(output_heights(model.graph, "Conv"), expected);
  EXPECT_EQ(output_heights(model.graph, "ConvTranspose"), (std::vector<int64_t>{56, 104, 200, 392}));
  ASSERT_EQ(model.generated.outputs.size(), 1u);
  for (const graph::Buffer& buffer : model.graph.buffers) {
    if (buffer.io == graph::IoRole::kOutput) {
      EXPECT_EQ(buffer.shape, (std::vector<int64_t>{1, 2, 388, 388}));
    }
  }
  // MACs from the figure's own layer table, computed here independently of the builder.
  /// One convolution of Fig. 1: output size, input and output channels, kernel.
  struct ConvLayer { int64_t out_size, in_channels, out_channels, kernel; };
  const std::vector<ConvLayer> table = {
      {570, 1, 64, 3},      {568, 64, 64, 3},    {282, 64, 128, 3},   {280, 128, 128, 3},  {138, 128, 256, 3},
      {136, 256, 256, 3},   {66, 256, 512, 3},   {64, 512, 512, 3},   {30, 512, 1024, 3},  {28, 1024, 1024, 3},
      {56, 1024, 512, 2},   {54, 1024, 512, 3},  {52, 512, 512, 3},   {104, 512, 256, 2},  {102, 512, 256, 3},
      {100, 256, 256, 3},   {200, 256, 128, 2},  {198, 256, 128, 3},  {196, 128, 128, 3},  {392, 128, 64, 2},
      {390, 128, 64, 3},    {388, 64, 64, 3},    {388, 64, 2, 1}};
  int64_t macs = 0;
  for (const ConvLayer& layer : table) {
    // A 2x2 stride-2 up-convolution touches each output pixel with one kernel tap per input channel.
    const int64_t taps = layer.kernel == 2 ? 1 : layer.kernel * layer.kernel;
    macs += layer.out_size * layer.out_size * layer.in_channels * layer.out_channels * taps;
  }
  EXPECT_EQ(model.generated.macs, macs);
  EXPECT_EQ(importer_macs(model.graph), macs);
}

TEST(ZooGeometry, YoloV3TinyHeadsAt13And26) {
  TempDir dir;
  const ZooModel model = make(dir, "yolov3_tiny");
  std::vector<std::vector<int64_t>> outputs;
  for (const graph::Buffer& buffer : model.graph.buffers) {
    if (buffer.io == graph::IoRole::kOutput) outputs.push_back(buffer.shape);
  }
  EXPECT_EQ(outputs, (std::vector<std::vector<int64_t>>{{1, 255, 13, 13}, {1, 255, 26, 26}}));
  EXPECT_EQ(output_heights(model.graph, "MaxPool"), (std::vector<int64_t>{208, 104, 52, 26, 13, 13}));
}

// ---- ANCHORS.md -----------------------------------------------------------------------------------

TEST(ZooAnchors, WholeTensorFiguresOfAnchorsMd) {
  // int8, image streamed and counted: ANCHORS.md's "whole tensors, no sharing" column.
  TempDir dir;
  const std::pair<const char*, int64_t> anchors[] = {{"mobilenetv2", 7'048'584}, {"resnet50", 16'989'672}};
  for (const auto& [name, bytes] : anchors) {
    ZooModel model = make(dir, name);
    graph::set_activation_bytes(model.graph, 1);
    EXPECT_EQ(analysis::whole_tensor_baselines(model.graph, true).baseline_bytes, bytes) << name;
  }
}

/// The reference method's "no split" figure: one buffer per edge (a tensor read by k layers
/// counts k times), graph inputs and outputs not counted, fp32.
int64_t mms_no_split_bytes(const graph::Graph& graph) {
  int64_t bytes = 0;
  for (const graph::Buffer& buffer : graph.buffers) {
    if (buffer.io == graph::IoRole::kNone) bytes += buffer.tensor_bytes() * static_cast<int64_t>(buffer.consumers.size());
  }
  return bytes;
}

/// Bytes of the Flatten outputs that mms_no_split_bytes counted.
int64_t flatten_output_bytes(const graph::Graph& graph) {
  int64_t bytes = 0;
  for (const graph::Actor& actor : graph.actors) {
    const graph::Buffer& output = graph.buffers[static_cast<size_t>(actor.outputs[0])];
    if (actor.op_type == "Flatten" && output.io == graph::IoRole::kNone) bytes += output.tensor_bytes();
  }
  return bytes;
}

TEST(ZooAnchors, ReferenceMethodModelsHaveItsNoSplitFigures) {
  // ANCHORS.md, mms_ga "no split" column (MB = 1e6 B, rounded to 1 kB). The zoo's models differ
  // from its descriptions in two documented ways only: ONNX needs a Flatten before a Gemm (mms_ga
  // fuses it into the pool), and mms_ga stores TensorFlow's zero padding in the producer's output
  // where ONNX pads virtually: 64 x (114^2 - 112^2) floats after ResNet-50's stem, and one row and
  // column on the expand output before each of MobileNetV2's stride-2 depthwise convs.
  const int64_t mobilenet_padding = 96 * (113 * 113 - 112 * 112) + 144 * (57 * 57 - 56 * 56) +
                                    192 * (29 * 29 - 28 * 28) + 576 * (15 * 15 - 14 * 14);
  const std::map<std::string, int64_t> stored_padding_bytes = {
      {"resnet50v1_keras", 4 * 64 * (114 * 114 - 112 * 112)}, {"mobilenetv2_tf", 4 * mobilenet_padding}};
  TempDir dir;
  ASSERT_EQ(zoo::mms_ga_points().size(), 6u);
  for (const zoo::MmsGaPoint& reference : zoo::mms_ga_points()) {
    const ZooModel model = make(dir, reference.model);
    const auto padding = stored_padding_bytes.find(reference.model);
    const int64_t theirs_accounting = mms_no_split_bytes(model.graph) - flatten_output_bytes(model.graph) +
                                      (padding == stored_padding_bytes.end() ? 0 : padding->second);
    EXPECT_NEAR(static_cast<double>(theirs_accounting) / 1e6, reference.no_split_mb, 0.0005) << reference.model;
  }
}

// ---- Sizes and failures ---------------------------------------------------------------------------

TEST(ZooRequests, SizeSuffixScalesTheInput) {
  TempDir dir;
  const zoo::GeneratedModel base = zoo::write_model(dir.path(), zoo::parse_request("resnet50"));
  const zoo::GeneratedModel doubled = zoo::write_model(dir.path(), zoo::parse_request("resnet50@448"));
  EXPECT_EQ(doubled.stem, "resnet50_448");
  EXPECT_EQ(doubled.model_path.filename(), "resnet50_448.onnx");
  // Every feature map has 4x the pixels; only the classifier (2048 x 1000) stays the same.
  const int64_t classifier = 2048 * 1000;
  EXPECT_EQ(doubled.macs - classifier, 4 * (base.macs - classifier));
  EXPECT_EQ(zoo::parse_request("resnet50@224").stem, "resnet50");
}

TEST(ZooRequests, WidthOptionScalesEveryHiddenLayersChannels) {
  TempDir dir;
  const ZooModel published = make(dir, "unet@188");
  const ZooModel quarter = make(dir, "unet@188,width=0.25");
  EXPECT_EQ(quarter.generated.stem, "unet_188_w0.25");
  EXPECT_EQ(zoo::parse_request("unet@188,width=0.250").stem, "unet_188_w0.25");
  EXPECT_EQ(zoo::parse_request("unet,width=1").stem, "unet");
  // Same topology and feature-map sizes; every layer's channels a quarter of the published ones
  // (64 -> 16 ... 1024 -> 256) but the two output classes.
  ASSERT_EQ(quarter.generated.layers.size(), published.generated.layers.size());
  for (size_t i = 0; i < published.generated.layers.size(); ++i) {
    const zoo::Layer& full = published.generated.layers[i];
    const zoo::Layer& reduced = quarter.generated.layers[i];
    EXPECT_EQ(reduced.op_type, full.op_type) << full.node;
    ASSERT_EQ(reduced.output_shape.size(), 4u) << full.node;
    EXPECT_EQ(reduced.output_shape[2], full.output_shape[2]) << full.node;
    EXPECT_EQ(reduced.output_shape[3], full.output_shape[3]) << full.node;
    const bool classes = i + 1 == published.generated.layers.size();
    EXPECT_EQ(reduced.output_shape[1], classes ? 2 : full.output_shape[1] / 4) << full.node;
  }
  // The importer reads the same graph; the MACs drop about 16x (the 1-channel input conv only 4x).
  EXPECT_EQ(quarter.graph.actors.size(), published.graph.actors.size());
  EXPECT_LT(quarter.generated.macs, published.generated.macs / 10);
  EXPECT_GT(published.generated.macs, 2'000'000'000);
}

TEST(ZooRequests, BadRequestsAreRefused) {
  EXPECT_THROW(zoo::parse_request("unet,width=0"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("unet,width=1.5"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("unet,width=abc"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("unet,depth=2"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("unet@188,"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("nosuchnet"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("resnet50@"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("resnet50@12x"), std::invalid_argument);
  EXPECT_THROW(zoo::parse_request("resnet50@0"), std::invalid_argument);
  TempDir dir;
  EXPECT_THROW(zoo::write_model(dir.path(), zoo::parse_request("unet@500")), std::invalid_argument);
  EXPECT_THROW(zoo::write_model(dir.path(), zoo::parse_request("yolov3_tiny@400")), std::invalid_argument);
  EXPECT_THROW(zoo::write_model(dir.path(), zoo::parse_request("alexnet@32")), std::invalid_argument);
  // AlexNet's two groups cannot split 96 * 0.3 = 29 channels.
  EXPECT_THROW(zoo::write_model(dir.path(), zoo::parse_request("alexnet,width=0.3")), std::invalid_argument);
}

TEST(ZooRequests, WeightsFileIsSparseAndSized) {
  TempDir dir;
  const zoo::GeneratedModel model = zoo::write_model(dir.path(), zoo::parse_request("vgg16"));
  EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(model.weights_path)), model.weight_bytes);
  EXPECT_GT(model.weight_bytes, 500'000'000);  // 138M parameters
  EXPECT_LT(std::filesystem::file_size(model.model_path), 100'000u);
}

// ---- Every model analyses and verifies --------------------------------------------------------------

class EveryZooModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryZooModelTest, AnalysesAndVerifies) {
  TempDir dir;
  const ZooModel model = make(dir, GetParam());
  EXPECT_TRUE(graph::validate(model.graph).empty());
  EXPECT_TRUE(model.graph.unsupported.empty()) << model.graph.unsupported.front().op_type;
  analysis::AnalysisOptions options;
  options.max_slowdown = 1.2;
  const analysis::AnalysisResult result = analysis::analyze(model.graph, options);
  EXPECT_TRUE(result.verification.ok) << (result.verification.errors.empty() ? "" : result.verification.errors[0]);
  EXPECT_LE(result.evaluation.slowdown, 1.2 + 1e-9);
  EXPECT_LE(result.lower_bound_bytes, result.evaluation.shared_bytes());
  EXPECT_LE(result.evaluation.shared_bytes(), result.baselines.baseline_shared_bytes);
}

std::vector<std::string> every_architecture() {
  std::vector<std::string> names;
  for (const zoo::Architecture& architecture : zoo::architectures()) names.push_back(architecture.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Zoo, EveryZooModelTest, ::testing::ValuesIn(every_architecture()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace bufopt::testing
