#pragma once
/// IEEE 754 half precision (float16) and bfloat16 conversions to and from float, for tensors
/// stored at 16 bits (constants in model files, arena rows of float16 models).
#include <cstdint>

namespace bufopt::graph {

/// The float16 value of `bits` (exact: every half is a float).
float half_to_float(uint16_t bits);
/// `value` rounded to the nearest float16, ties to even; overflow gives infinity, NaN stays NaN.
uint16_t float_to_half(float value);
/// The bfloat16 value of `bits` (exact).
float bfloat16_to_float(uint16_t bits);
/// `value` rounded to the nearest bfloat16, ties to even; NaN stays NaN.
uint16_t float_to_bfloat16(float value);

}  // namespace bufopt::graph
