// OpNode -> OperatorNode and TensorProto -> ConstantTensor conversions, and TensorProto `.pb`
// files: hand-built protos decoded to hand-written values, round trips, and bad files.
#include "bufopt/onnx/program_nodes.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bufopt/onnx/model_file.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using graph::AttributeValue;
using graph::ConstantTensor;
using graph::DataType;

::onnx::TensorProto proto_of(DataType type, std::vector<int64_t> dims) {
  ::onnx::TensorProto proto;
  proto.set_name("t");
  proto.set_data_type(static_cast<int>(type));
  for (int64_t dim : dims) proto.add_dims(dim);
  return proto;
}

ConstantTensor decode(const ::onnx::TensorProto& proto) {
  ExternalData external({}, 0);
  return to_constant_tensor(proto, external, ImportLimits{});
}

TEST(ProgramNodes, TypedFieldsDecodeToFloatsAndIntegers) {
  ::onnx::TensorProto floats = proto_of(DataType::kFloat32, {2, 2});
  for (float v : {1.5f, -2.0f, 0.25f, 8.0f}) floats.add_float_data(v);
  EXPECT_EQ(decode(floats).reals, (std::vector<float>{1.5f, -2.0f, 0.25f, 8.0f}));
  EXPECT_EQ(decode(floats).shape, (std::vector<int64_t>{2, 2}));

  ::onnx::TensorProto halves = proto_of(DataType::kFloat16, {3});
  for (int bits : {0x3c00, 0xc000, 0x3800}) halves.add_int32_data(bits);  // 1, -2, 0.5
  EXPECT_EQ(decode(halves).reals, (std::vector<float>{1.0f, -2.0f, 0.5f}));

  ::onnx::TensorProto doubles = proto_of(DataType::kFloat64, {2});
  doubles.add_double_data(0.1);
  doubles.add_double_data(-3.0);
  EXPECT_EQ(decode(doubles).reals, (std::vector<float>{0.1f, -3.0f}));

  ::onnx::TensorProto bools = proto_of(DataType::kBool, {3});
  for (int v : {1, 0, 1}) bools.add_int32_data(v);
  const ConstantTensor decoded_bools = decode(bools);
  EXPECT_EQ(decoded_bools.integers, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_TRUE(decoded_bools.reals.empty());

  ::onnx::TensorProto scalar = proto_of(DataType::kInt64, {});
  scalar.add_int64_data(-7);
  EXPECT_EQ(decode(scalar).integers, (std::vector<int64_t>{-7}));
  EXPECT_TRUE(decode(scalar).shape.empty());
}

TEST(ProgramNodes, RawDataOfEveryWidth) {
  ::onnx::TensorProto int8 = proto_of(DataType::kInt8, {3});
  int8.set_raw_data(std::string("\x01\xff\x80", 3));
  EXPECT_EQ(decode(int8).integers, (std::vector<int64_t>{1, -1, -128}));
  ::onnx::TensorProto uint8 = proto_of(DataType::kUint8, {2});
  uint8.set_raw_data(std::string("\xff\x02", 2));
  EXPECT_EQ(decode(uint8).integers, (std::vector<int64_t>{255, 2}));
  ::onnx::TensorProto bf16 = proto_of(DataType::kBfloat16, {1});
  bf16.set_raw_data(std::string("\x40\xc0", 2));  // 0xc040 = -3
  EXPECT_EQ(decode(bf16).reals, (std::vector<float>{-3.0f}));
}

TEST(ProgramNodes, LargeConstantsKeepAllTheirValues) {
  // The analysis decodes at most kMaxDecodedReals floats; the executor needs every weight.
  ::onnx::TensorProto weights = proto_of(DataType::kFloat32, {64, 64});
  for (int i = 0; i < 64 * 64; ++i) weights.add_float_data(static_cast<float>(i % 97) - 48.0f);
  const ConstantTensor decoded = decode(weights);
  ASSERT_EQ(decoded.reals.size(), 4096u);
  EXPECT_EQ(decoded.reals[4095], static_cast<float>(4095 % 97) - 48.0f);
}

TEST(ProgramNodes, ExternalDataIsReadThroughTheModelDirectory) {
  testing::TempDir dir;
  std::string bytes;
  for (float v : {3.0f, -1.0f}) bytes.append(reinterpret_cast<const char*>(&v), 4);
  testing::write_file(dir.file("w.bin"), "pad" + bytes);
  ::onnx::TensorProto proto = proto_of(DataType::kFloat32, {2});
  proto.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* location = proto.add_external_data();
  location->set_key("location");
  location->set_value("w.bin");
  auto* offset = proto.add_external_data();
  offset->set_key("offset");
  offset->set_value("3");
  ExternalData external(dir.path(), 1 << 20);
  EXPECT_EQ(to_constant_tensor(proto, external, ImportLimits{}).reals, (std::vector<float>{3.0f, -1.0f}));
  location->set_value("../w.bin");
  EXPECT_THROW(to_constant_tensor(proto, external, ImportLimits{}), ImportError);
}

TEST(ProgramNodes, ShortDataIsAnError) {
  ::onnx::TensorProto proto = proto_of(DataType::kFloat32, {4});
  proto.add_float_data(1.0f);
  EXPECT_THROW(decode(proto), ImportError);
}

TEST(ProgramNodes, OperatorNodeCopiesEveryField) {
  OpNode node;
  node.name = "conv";
  node.op_type = "Conv";
  node.opset = 13;
  node.inputs = {"x", "w", ""};
  node.outputs = {"y"};
  node.attributes["strides"].kind = Attribute::Kind::kInts;
  node.attributes["strides"].ints = {2, 2};
  node.attributes["auto_pad"].kind = Attribute::Kind::kString;
  node.attributes["auto_pad"].s = "SAME_UPPER";
  node.attributes["alpha"].kind = Attribute::Kind::kFloat;
  node.attributes["alpha"].f = 0.5;
  node.attributes["body"].kind = Attribute::Kind::kGraph;
  auto& value = node.attributes["value"];
  value.kind = Attribute::Kind::kTensor;
  value.tensor = std::make_shared<const TensorInfo>(constant_tensor(DataType::kFloat32, {1}, Values{{}, {2.5}}));

  const graph::OperatorNode converted = to_operator_node(node);
  EXPECT_EQ(converted.name, "conv");
  EXPECT_EQ(converted.op_type, "Conv");
  EXPECT_EQ(converted.opset, 13);
  EXPECT_EQ(converted.inputs, (std::vector<std::string>{"x", "w", ""}));
  EXPECT_EQ(converted.outputs, (std::vector<std::string>{"y"}));
  EXPECT_EQ(converted.attributes.at("strides").kind, AttributeValue::Kind::kInts);
  EXPECT_EQ(converted.attributes.at("strides").ints, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(converted.attributes.at("auto_pad").s, "SAME_UPPER");
  EXPECT_EQ(converted.attributes.at("alpha").f, 0.5);
  EXPECT_EQ(converted.attributes.at("body").kind, AttributeValue::Kind::kGraph);  // kept, never decoded
  ASSERT_TRUE(converted.attributes.at("value").tensor);
  EXPECT_EQ(converted.attributes.at("value").tensor->reals, (std::vector<float>{2.5f}));
}

TEST(ProgramNodes, NodeProtoOverloadDecodesTensorAttributesInFull) {
  ::onnx::NodeProto proto;
  proto.set_op_type("Constant");
  proto.add_output("c");
  auto* attribute = proto.add_attribute();
  attribute->set_name("value");
  attribute->set_type(::onnx::AttributeProto::TENSOR);
  ::onnx::TensorProto& tensor = *attribute->mutable_t();
  tensor = proto_of(DataType::kFloat32, {2000});
  for (int i = 0; i < 2000; ++i) tensor.add_float_data(static_cast<float>(i));
  OpNode node;
  node.op_type = "Constant";
  node.outputs = {"c"};
  node.attributes["value"].kind = Attribute::Kind::kTensor;  // as the importer leaves it: no values
  node.attributes["value"].tensor = std::make_shared<const TensorInfo>(known_tensor(DataType::kFloat32, {2000}));
  ExternalData external({}, 0);
  const graph::OperatorNode converted = to_operator_node(node, proto, external, ImportLimits{});
  const auto& values = converted.attributes.at("value").tensor->reals;
  ASSERT_EQ(values.size(), 2000u);
  EXPECT_EQ(values[1999], 1999.0f);
}

TEST(ProgramNodes, FoldedConstantsConvert) {
  const TensorInfo folded = int64_constant({2}, {1, -1});
  const auto converted = to_constant_tensor(folded);
  ASSERT_TRUE(converted);
  EXPECT_EQ(converted->integers, (std::vector<int64_t>{1, -1}));
  EXPECT_EQ(converted->dtype, DataType::kInt64);
  EXPECT_FALSE(to_constant_tensor(known_tensor(DataType::kFloat32, {3})));
}

TEST(TensorFile, RoundTripsAtEachDtype) {
  testing::TempDir dir;
  ConstantTensor floats{DataType::kFloat32, {1, 3}, {0.1f, -7.5f, 1e-30f}, {}};
  ConstantTensor halves{DataType::kFloat16, {2}, {1.5f, -0.125f}, {}};  // exact in float16
  ConstantTensor ints{DataType::kInt64, {2}, {}, {-(int64_t{1} << 40), 3}};
  ConstantTensor bytes{DataType::kUint8, {3}, {}, {0, 128, 255}};
  ConstantTensor bools{DataType::kBool, {2}, {}, {1, 0}};
  ConstantTensor scalar{DataType::kFloat64, {}, {2.0f}, {}};
  for (const ConstantTensor& tensor : {floats, halves, ints, bytes, bools, scalar}) {
    const std::string path = dir.file("t.pb");
    write_tensor_file(path, "input_0", tensor);
    const NamedTensor read = read_tensor_file(path);
    EXPECT_EQ(read.name, "input_0");
    EXPECT_EQ(read.tensor, tensor) << graph::dtype_name(tensor.dtype);
  }
}

TEST(TensorFile, Float16ValuesRoundToNearestEven) {
  ConstantTensor tensor{DataType::kFloat16, {1}, {1.0f + 1.0f / 2048}, {}};  // tie between 1 and 1+1/1024
  EXPECT_EQ(parse_tensor_bytes(serialize_tensor("h", tensor)).tensor.reals, (std::vector<float>{1.0f}));
}

TEST(TensorFile, EveryTruncationIsAnError) {
  ConstantTensor tensor{DataType::kFloat32, {2, 2}, {1, 2, 3, 4}, {}};
  const std::string bytes = serialize_tensor("input_0", tensor);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THROW(parse_tensor_bytes(std::string_view(bytes).substr(0, length)), TensorFileError) << length;
  }
}

TEST(TensorFile, GarbageAndUnusableTensorsAreErrors) {
  EXPECT_THROW(parse_tensor_bytes(std::string("\xff\xff\xff\xff\xff", 5)), TensorFileError);
  ::onnx::TensorProto strings = proto_of(DataType::kString, {1});
  strings.add_string_data("a");
  EXPECT_THROW(parse_tensor_bytes(strings.SerializeAsString()), TensorFileError);
  ::onnx::TensorProto negative = proto_of(DataType::kFloat32, {-1});
  EXPECT_THROW(parse_tensor_bytes(negative.SerializeAsString()), TensorFileError);
  ::onnx::TensorProto external = proto_of(DataType::kFloat32, {1});
  external.set_data_location(::onnx::TensorProto::EXTERNAL);
  EXPECT_THROW(parse_tensor_bytes(external.SerializeAsString()), TensorFileError);
  testing::TempDir dir;
  EXPECT_THROW(read_tensor_file(dir.file("missing.pb")), TensorFileError);
  testing::write_file(dir.file("empty.pb"), "");
  EXPECT_THROW(read_tensor_file(dir.file("empty.pb")), TensorFileError);
  ConstantTensor mismatched{DataType::kFloat32, {3}, {1.0f}, {}};
  EXPECT_THROW(serialize_tensor("m", mismatched), TensorFileError);
}

}  // namespace
}  // namespace bufopt::onnx
