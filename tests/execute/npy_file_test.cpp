// .npy files: NumPy's layout byte for byte (hand-written header), round trips, refusals.
#include "bufopt/execute/npy_file.h"

#include <gtest/gtest.h>

namespace bufopt::execute {
namespace {

/// A version 1.0 file as NumPy writes np.array([[1, 2, 3]], dtype=np.float32): magic, length
/// and header padded with spaces to 128 bytes in all, '\n' last.
std::string numpy_float32_1x3() {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  const float values[] = {1.0f, 2.0f, 3.0f};
  bytes.append(reinterpret_cast<const char*>(values), sizeof(values));
  return bytes;
}

TEST(NpyFile, ReadsWhatNumpyWrites) {
  const graph::ConstantTensor tensor = parse_npy(numpy_float32_1x3());
  EXPECT_EQ(tensor.dtype, graph::DataType::kFloat32);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(tensor.reals, (std::vector<float>{1, 2, 3}));
}

TEST(NpyFile, WritesWhatNumpyWrites) {
  graph::ConstantTensor tensor;
  tensor.dtype = graph::DataType::kFloat32;
  tensor.shape = {1, 3};
  tensor.reals = {1, 2, 3};
  EXPECT_EQ(serialize_npy(tensor), numpy_float32_1x3());
}

TEST(NpyFile, RoundTripsEveryDtype) {
  for (graph::DataType dtype : {graph::DataType::kFloat32, graph::DataType::kFloat16, graph::DataType::kInt8,
                                graph::DataType::kUint8, graph::DataType::kInt64, graph::DataType::kInt32}) {
    graph::ConstantTensor tensor;
    tensor.dtype = dtype;
    tensor.shape = {2, 1, 3};
    if (dtype == graph::DataType::kFloat32 || dtype == graph::DataType::kFloat16) {
      tensor.reals = {-1.5f, 0.25f, 3.0f, 0.0f, 65504.0f, -2.0f};
    } else {
      tensor.integers = {-3, 0, 7, 100, 1, -1};
      if (dtype == graph::DataType::kUint8) tensor.integers = {3, 0, 7, 200, 1, 255};
    }
    const std::string bytes = serialize_npy(tensor);
    EXPECT_EQ((bytes.find('\n') + 1) % 64, 0u) << graph::dtype_name(dtype);  // header padded to 64
    EXPECT_EQ(parse_npy(bytes), tensor) << graph::dtype_name(dtype);
  }
  graph::ConstantTensor scalar;
  scalar.dtype = graph::DataType::kFloat32;
  scalar.reals = {4.0f};
  EXPECT_NE(serialize_npy(scalar).find("'shape': ()"), std::string::npos);
  EXPECT_EQ(parse_npy(serialize_npy(scalar)), scalar);
}

TEST(NpyFile, RefusesWhatItCannotRead) {
  std::string fortran = numpy_float32_1x3();
  fortran.replace(fortran.find("False"), 5, "True ");
  EXPECT_THROW(parse_npy(fortran), NpyError);
  std::string big_endian = numpy_float32_1x3();
  big_endian.replace(big_endian.find("<f4"), 3, ">f4");
  EXPECT_THROW(parse_npy(big_endian), NpyError);
  EXPECT_THROW(parse_npy(numpy_float32_1x3().substr(0, 134)), NpyError);  // data cut short
  EXPECT_THROW(parse_npy("not a numpy file at all"), NpyError);
  EXPECT_THROW(read_npy_file("/nonexistent/file.npy"), NpyError);
}

}  // namespace
}  // namespace bufopt::execute
