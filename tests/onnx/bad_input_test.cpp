// Malformed and hostile files: each is an ImportError with a one-line message, never a crash.
#include <climits>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using testing::Attr;
using testing::OnnxBuilder;
using testing::TempDir;
using testing::cycle_model;
using testing::missing_input_model;

/// The ImportError message for the file at `path`; fails the test on any other outcome.
std::string message_for(const std::string& path, const ImportOptions& options = {}) {
  try {
    import_model(path, options);
  } catch (const ImportError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
    EXPECT_EQ(message.find(path), std::string::npos) << "names the path: " << message;
    return message;
  }
  ADD_FAILURE() << "imported without an error";
  return {};
}

std::string message_for_bytes(const std::string& bytes) {
  TempDir dir;
  testing::write_file(dir.file("m.onnx"), bytes);
  return message_for(dir.file("m.onnx"));
}

OnnxBuilder small_model() {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 16, 16});
  const std::string c = builder.conv(x, 8, testing::ConvOptions::square(3, 1, 1));
  builder.output(builder.relu(c));
  return builder;
}

TEST(BadInput, MissingFile) {
  TempDir dir;
  EXPECT_EQ(message_for(dir.file("absent.onnx")), "cannot open file (no such file)");
}

TEST(BadInput, Directory) {
  TempDir dir;
  EXPECT_EQ(message_for(dir.path().string()), "cannot open file (it is a directory)");
}

TEST(BadInput, EmptyFile) {
  EXPECT_EQ(message_for_bytes(""), "file is empty");
}

TEST(BadInput, TruncatedFile) {
  const std::string bytes = small_model().bytes();
  ASSERT_GT(bytes.size(), 100u);
  for (size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{7}}) {
    const std::string message = message_for_bytes(bytes.substr(0, keep));
    EXPECT_FALSE(message.empty()) << "kept " << keep << " bytes";
  }
  EXPECT_EQ(message_for_bytes(bytes.substr(0, bytes.size() / 2)), "not a valid ONNX model (protobuf parse failed)");
}

TEST(BadInput, RandomBytes) {
  std::mt19937 generator(12345);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t size : {1u, 2u, 16u, 100u, 4096u}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::string bytes(size, '\0');
      for (char& c : bytes) c = static_cast<char>(byte(generator));
      const std::string message = message_for_bytes(bytes);
      EXPECT_FALSE(message.empty()) << size << " bytes, trial " << trial;
    }
  }
}

TEST(BadInput, CorruptedBytesNeverEscapeAsAnotherError) {
  // Flipped bytes in a valid model: the import succeeds or fails with an ImportError, nothing else.
  const std::string original = small_model().bytes();
  std::mt19937 generator(777);
  std::uniform_int_distribution<size_t> position(0, original.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  TempDir dir;
  int refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = original;
    for (int flips = 0; flips < 1 + trial % 4; ++flips) bytes[position(generator)] = static_cast<char>(byte(generator));
    testing::write_file(dir.file("m.onnx"), bytes);
    try {
      import_model(dir.file("m.onnx"), {});
    } catch (const ImportError&) {
      ++refused;
    } catch (const std::exception& error) {
      ADD_FAILURE() << "trial " << trial << ": " << error.what();
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(BadInput, ValidProtobufThatIsNoModel) {
  ::onnx::ModelProto empty;
  empty.set_producer_name("nothing else");
  EXPECT_EQ(message_for_bytes(empty.SerializeAsString()), "not a valid ONNX model (no IR version)");
  empty.set_ir_version(8);
  EXPECT_EQ(message_for_bytes(empty.SerializeAsString()), "not a valid ONNX model (no graph)");
}

TEST(BadInput, Cycle) {
  TempDir dir;
  const std::string message = message_for(cycle_model().save(dir.file("m.onnx")));
  EXPECT_TRUE(message == "graph has a cycle through node 'loop_a'" ||
              message == "graph has a cycle through node 'loop_relu'")
      << message;
}

TEST(BadInput, NodeReadingANonExistentTensor) {
  TempDir dir;
  EXPECT_EQ(message_for(missing_input_model().save(dir.file("m.onnx"))), "node 'adder' reads 'ghost' which nothing produces");
}

TEST(BadInput, OutputThatNothingProduces) {
  OnnxBuilder builder;
  builder.relu(builder.input("x", {1, 2, 4, 4}));
  builder.output("phantom");
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "graph output 'phantom' is produced by no node");
}

TEST(BadInput, NegativeInputDim) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  builder.graph()
      .mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(2)
      ->set_dim_value(-3);
  builder.output(builder.relu(x));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "dim -3 of input 'x' is negative");
}

TEST(BadInput, NegativeInitializerDim) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  builder.initializer("w", {1});
  builder.graph().mutable_initializer(0)->set_dims(0, -2);
  builder.output(builder.add(x, "w"));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "dim -2 of tensor 'w' is negative");
}

TEST(BadInput, OverflowingDimProduct) {
  OnnxBuilder builder;
  const int64_t huge = int64_t{1} << 40;
  builder.output(builder.relu(builder.input("a", {1, huge, huge})));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "shape of 'a' overflows 64 bits");
}

TEST(BadInput, OverflowInAComputedShape) {
  OnnxBuilder builder;
  const int64_t big = int64_t{1} << 31;
  const std::string x = builder.input("x", {1, big});
  const std::string y = builder.input("y", {big, 1});
  builder.output(builder.add(x, y, "outer"));  // broadcasts to [2^31, 2^31]: within int64, beyond the limit
  TempDir dir;
  const std::string message = message_for(builder.save(dir.file("m.onnx")));
  EXPECT_EQ(message.rfind("tensor 'outer_out' has", 0), 0u) << message;
}

TEST(BadInput, TensorBeyondTheElementLimit) {
  OnnxBuilder builder;
  builder.output(builder.relu(builder.input("x", {1, 3, 1000, 1000})));
  ImportOptions options;
  options.limits.max_tensor_elements = 1'000'000;
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx")), options),
            "input 'x' has 3000000 elements, more than the limit of 1000000 (raise it with --max-tensor-elements)");
}

TEST(BadInput, ExternalDataLeavingTheModelDirectory) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string w = builder.external_initializer("w", {2, 2, 1, 1}, "../../etc/passwd");
  builder.output(builder.node("Conv", {x, w}, {}, "conv"));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))),
            "external data '../../etc/passwd' leaves the model directory");
}

TEST(BadInput, ImpossibleShapesNameTheNode) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string target = builder.initializer_int64("target", {2}, {3, 5});
  builder.output(builder.node("Reshape", {x, target}, {}, "bad_reshape"));
  TempDir dir;
  const std::string message = message_for(builder.save(dir.file("m.onnx")));
  EXPECT_EQ(message.rfind("node 'bad_reshape' (Reshape): ", 0), 0u) << message;
}

TEST(BadInput, MismatchedBroadcast) {
  OnnxBuilder builder;
  const std::string a = builder.input("a", {1, 2, 4, 4});
  const std::string b = builder.input("b", {1, 3, 4, 4});
  builder.output(builder.add(a, b, "sum"));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))),
            "node 'sum' (Add): shapes [1,2,4,4] and [1,3,4,4] do not broadcast");
}

TEST(BadInput, TooManyNodes) {
  OnnxBuilder builder = small_model();
  ImportOptions options;
  options.limits.max_nodes = 1;
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx")), options), "graph has 2 nodes, more than the limit of 1 (raise it with --max-nodes)");
}

TEST(BadInput, FileBeyondTheSizeLimit) {
  OnnxBuilder builder = small_model();
  ImportOptions options;
  options.limits.max_file_bytes = 10;
  TempDir dir;
  const std::string message = message_for(builder.save(dir.file("m.onnx")), options);
  EXPECT_NE(message.find("more than the limit of 10"), std::string::npos) << message;
}

TEST(BadInput, ShortRawData) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.initializer("w", {2, 2, 1, 1});
  builder.graph().mutable_initializer(0)->set_raw_data(std::string(3, '\0'));
  builder.output(builder.node("Conv", {x, "w"}, {}, "conv"));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "tensor 'w' has 3 bytes of data, its shape needs 16");
}

// ---- hardening: limits, external data, attribute types, names --------------------------------

/// A 1x2x4x4 -> Conv(w) model whose 2x2x1x1 float weight (16 bytes) is external data.
OnnxBuilder external_weight_model(const std::string& location, int64_t offset = 0, int64_t length = -1,
                                  const std::vector<int64_t>& dims = {2, 2, 1, 1}) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  const std::string w = builder.external_initializer("w", dims, location, offset, length);
  builder.output(builder.node("Conv", {x, w}, {}, "conv"));
  return builder;
}

TEST(BadInput, ExternalLengthBeyondTheFile) {
  TempDir dir;
  testing::write_file(dir.file("w.bin"), std::string(16, '\0'));
  EXPECT_EQ(message_for(external_weight_model("w.bin", 8, 16).save(dir.file("m.onnx"))),
            "external data 'w.bin' of tensor 'w': offset 8 + length 16 is beyond the file (16 bytes)");
}

TEST(BadInput, ExternalLengthOverflowingInt64) {
  TempDir dir;
  testing::write_file(dir.file("w.bin"), std::string(16, '\0'));
  const std::string message =
      message_for(external_weight_model("w.bin", 8, INT64_MAX).save(dir.file("m.onnx")));
  EXPECT_NE(message.find("is beyond the file (16 bytes)"), std::string::npos) << message;
}

TEST(BadInput, MalformedExternalLength) {
  OnnxBuilder builder = external_weight_model("w.bin");
  auto* entry = builder.graph().mutable_initializer(0)->add_external_data();
  entry->set_key("length");
  entry->set_value("-16");
  TempDir dir;
  testing::write_file(dir.file("w.bin"), std::string(16, '\0'));
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "external data of tensor 'w' has a malformed length '-16'");
}

TEST(BadInput, ZipBombLikeExternalClaim) {
  // A weight claiming 2^36 floats (256 GiB) stored in a 16-byte file: refused from the file's
  // size, without reading or allocating anything of the claimed size.
  TempDir dir;
  testing::write_file(dir.file("w.bin"), std::string(16, '\0'));
  const int64_t huge = int64_t{1} << 18;
  const std::string message =
      message_for(external_weight_model("w.bin", 0, -1, {huge, huge, 1, 1}).save(dir.file("m.onnx")));
  EXPECT_EQ(message, "external data of tensor 'w' has 16 bytes, its shape needs 274877906944");
}

TEST(BadInput, ExternalDataBeyondTheTotalLimitNamesTheFlag) {
  TempDir dir;
  testing::write_file(dir.file("w.bin"), std::string(16, '\0'));
  ImportOptions options;
  options.limits.max_external_bytes = 8;
  EXPECT_EQ(message_for(external_weight_model("w.bin").save(dir.file("m.onnx")), options),
            "external data exceeds the limit of 8 bytes (raise it with --max-external-bytes)");
}

TEST(BadInput, WrongAttributeTypes) {
  struct Case {
    Attr attribute;
    const char* expected;
  };
  const Case cases[] = {
      {Attr::s("strides", "2"), "node 'conv' (Conv): attribute 'strides' is a string, expected ints"},
      {Attr::i("kernel_shape", 3), "node 'conv' (Conv): attribute 'kernel_shape' is an int, expected ints"},
      {Attr::floats("group", {1.0f}), "node 'conv' (Conv): attribute 'group' is floats, expected an int"},
      {Attr::ints("auto_pad", {1}), "node 'conv' (Conv): attribute 'auto_pad' is ints, expected a string"},
  };
  for (const Case& c : cases) {
    OnnxBuilder builder;
    const std::string x = builder.input("x", {1, 2, 6, 6});
    const std::string w = builder.initializer("w", {2, 2, 3, 3});
    builder.output(builder.node("Conv", {x, w}, {c.attribute}, "conv"));
    TempDir dir;
    EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), c.expected);
  }
}

TEST(BadInput, IntAttributeWhereAFloatIsExpectedIsAccepted) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 6, 6});
  builder.output(builder.node("LeakyRelu", {x}, {Attr::i("alpha", 1)}, "leaky"));
  EXPECT_EQ(testing::import_error(builder), "no error");
}

TEST(BadInput, RankBeyondTheLimitNamesTheFlag) {
  OnnxBuilder builder;
  builder.output(builder.relu(builder.input("x", {1, 1, 1, 1, 1, 2})));
  ImportOptions options;
  options.limits.max_rank = 5;
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx")), options),
            "input 'x' has rank 6, more than the limit of 5 (raise it with --max-rank)");
}

TEST(BadInput, FiringsBeyondTheLimit) {
  // Two actors of 64 output rows each: 128 firings at one row per firing.
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 64, 8});
  builder.output(builder.conv(builder.conv(x, 2, testing::ConvOptions::square(3, 1, 1)), 2,
                              testing::ConvOptions::square(3, 1, 1)));
  ImportOptions options;
  options.limits.max_firings = 127;
  TempDir dir;
  const std::string path = builder.save(dir.file("m.onnx"));
  EXPECT_EQ(message_for(path, options),
            "the model needs 128 firings at one row each, more than the limit of 127 (raise it with --max-firings)");
  options.limits.max_firings = 128;
  EXPECT_EQ(import_model(path, options).actors.size(), 2u);
}

TEST(BadInput, NegativeSparseInitializerDim) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 5, 5});
  ::onnx::SparseTensorProto* sparse = builder.graph().add_sparse_initializer();
  sparse->mutable_values()->set_name("w");
  sparse->mutable_values()->set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t dim : {3, -3, 1, 1}) sparse->add_dims(dim);
  builder.output(builder.node("Conv", {x, "w"}, {}, "conv"));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))), "dim -3 of tensor 'w' is negative");
}

TEST(BadInput, UnprintableNamesArePrintedEscaped) {
  // A newline would split the one-line error; an invalid UTF-8 byte would break JSON and XML.
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 2, 4, 4});
  builder.output(builder.add(x, std::string("gh\nost\xff"), std::string("add\x1b[31m")));
  TempDir dir;
  EXPECT_EQ(message_for(builder.save(dir.file("m.onnx"))),
            "node 'add\\x1B[31m' reads 'gh\\x0Aost\\xFF' which nothing produces");
}

TEST(BadInput, UnprintableNamesImportEscapedAndConsistently) {
  OnnxBuilder builder;
  const std::string x = builder.input("x\xc3", {1, 2, 4, 4});
  builder.output(builder.relu(builder.relu(x, "first\t"), "second"));
  const graph::Graph graph = testing::import_unfused(builder);
  EXPECT_TRUE(testing::has_buffer(graph, "x\\xC3"));
  EXPECT_TRUE(testing::has_actor(graph, "first\\x09"));
  // The escaped names still connect: the first Relu reads the escaped input.
  const graph::Actor& first = testing::actor_named(graph, "first\\x09");
  ASSERT_EQ(first.inputs.size(), 1u);
  EXPECT_EQ(graph.buffers[static_cast<size_t>(first.inputs[0])].name, "x\\xC3");
}

TEST(BadInput, FromBytesMatchesFromFile) {
  const std::string bytes = small_model().bytes();
  TempDir dir;
  testing::write_file(dir.file("small.onnx"), bytes);
  const graph::Graph from_file = import_model(dir.file("small.onnx"), {});
  const graph::Graph from_bytes = import_model_from_bytes(bytes, dir.path().string(), {});
  ASSERT_EQ(from_file.actors.size(), from_bytes.actors.size());
  ASSERT_EQ(from_file.buffers.size(), from_bytes.buffers.size());
  for (size_t i = 0; i < from_file.buffers.size(); ++i) {
    EXPECT_EQ(from_file.buffers[i].name, from_bytes.buffers[i].name);
    EXPECT_EQ(from_file.buffers[i].shape, from_bytes.buffers[i].shape);
  }
  EXPECT_THROW(import_model_from_bytes(bytes.substr(0, bytes.size() / 2), dir.path().string(), {}), ImportError);
}

}  // namespace
}  // namespace bufopt::onnx
