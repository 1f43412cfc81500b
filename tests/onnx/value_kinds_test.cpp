// MODEL 9: graph inputs that are not tensors (sequence, optional, map) are refused with one line
// saying what they are, whatever --input-shape says.
#include <string>

#include <gtest/gtest.h>

#include "bufopt/onnx/import.h"
#include "support/onnx_builder.h"

namespace bufopt::onnx {
namespace {

using testing::OnnxBuilder;

/// A model reading a tensor input "x" and a second input "s" whose type `make_type` sets.
template <typename MakeType>
OnnxBuilder model_with_second_input(MakeType make_type) {
  OnnxBuilder builder;
  const std::string x = builder.input("x", {1, 3, 8, 8});
  builder.output(builder.relu(x));
  ::onnx::ValueInfoProto* s = builder.graph().add_input();
  s->set_name("s");
  make_type(*s->mutable_type());
  return builder;
}

using testing::import_error;

void float_tensor(::onnx::TypeProto& type) {
  type.mutable_tensor_type()->set_elem_type(::onnx::TensorProto::FLOAT);
  type.mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(4);
}

TEST(ValueKinds, SequenceInputIsNamedAsSuch) {
  const OnnxBuilder builder =
      model_with_second_input([](::onnx::TypeProto& type) { float_tensor(*type.mutable_sequence_type()->mutable_elem_type()); });
  EXPECT_EQ(import_error(builder), "input 's' is a sequence; bufopt analyses tensors only");
}

TEST(ValueKinds, OptionalInputIsNamedAsSuch) {
  const OnnxBuilder builder =
      model_with_second_input([](::onnx::TypeProto& type) { float_tensor(*type.mutable_optional_type()->mutable_elem_type()); });
  EXPECT_EQ(import_error(builder), "input 's' is an optional; bufopt analyses tensors only");
}

TEST(ValueKinds, InputShapeDoesNotTurnASequenceIntoATensor) {
  const OnnxBuilder builder =
      model_with_second_input([](::onnx::TypeProto& type) { float_tensor(*type.mutable_sequence_type()->mutable_elem_type()); });
  ImportOptions options;
  options.input_shapes["s"] = {4};
  EXPECT_EQ(import_error(builder, options), "input 's' is a sequence; bufopt analyses tensors only");
}

TEST(ValueKinds, UntypedInputIsRefused) {
  const OnnxBuilder builder = model_with_second_input([](::onnx::TypeProto&) {});
  EXPECT_EQ(import_error(builder), "input 's' has no type; bufopt analyses tensors only");
}

TEST(ValueKinds, TensorInputsStillImport) {
  const OnnxBuilder builder = model_with_second_input(float_tensor);
  EXPECT_EQ(import_error(builder), "no error");
}

}  // namespace
}  // namespace bufopt::onnx
