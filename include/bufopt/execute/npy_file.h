#pragma once
/// NumPy `.npy` files (format versions 1.0 to 3.0) as graph::ConstantTensor: the inputs users
/// have and the outputs `bufopt run --outputs` writes. Little-endian float32, float16, float64,
/// int8, uint8, int16, uint16, int32, int64 and bool, C order only.
#include <stdexcept>
#include <string>
#include <string_view>

#include "bufopt/graph/operator_program.h"

namespace bufopt::execute {

/// A `.npy` file that cannot be used (bad magic, malformed header, Fortran order, big-endian or
/// unsupported dtype, data shorter than the shape). One line; the caller names the file.
class NpyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses the bytes of a `.npy` file. Throws NpyError.
graph::ConstantTensor parse_npy(std::string_view bytes);

/// Reads the `.npy` file at `path`. Throws NpyError (also when it cannot be read).
graph::ConstantTensor read_npy_file(const std::string& path);

/// The bytes of a version 1.0 `.npy` file holding `tensor` at its own dtype (header padded to a
/// multiple of 64 bytes as NumPy writes it). Throws NpyError for a dtype without a `.npy` code
/// or values that do not fill the shape.
std::string serialize_npy(const graph::ConstantTensor& tensor);

}  // namespace bufopt::execute
