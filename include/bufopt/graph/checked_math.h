#pragma once
/// Overflow-checked integer arithmetic for shape products (a hostile model may claim any dims).
#include <cstdint>
#include <limits>
#include <optional>
#include <span>

namespace bufopt::graph {

/// a * b, or nullopt on overflow (either operand negative also gives nullopt).
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t result = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &result)) return std::nullopt;
  return result;
}

/// a + b, or nullopt on overflow.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) return std::nullopt;
  return result;
}

/// Product of `dims`, or nullopt on overflow or a negative dim. The empty product is 1.
inline std::optional<int64_t> checked_product(std::span<const int64_t> dims) {
  int64_t result = 1;
  for (int64_t dim : dims) {
    auto next = checked_mul(result, dim);
    if (!next) return std::nullopt;
    result = *next;
  }
  return result;
}

/// a + b, saturated to int64's range (a size that overflows stays "too large" instead of wrapping).
inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result)) return b > 0 ? INT64_MAX : INT64_MIN;
  return result;
}

/// a * b for a, b >= 0, saturated at INT64_MAX.
inline int64_t saturating_mul(int64_t a, int64_t b) { return checked_mul(a, b).value_or(INT64_MAX); }

/// floor(a / b) for b > 0 and any sign of a (C++ division truncates toward zero).
inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t quotient = a / b;
  return (a % b != 0 && a < 0) ? quotient - 1 : quotient;
}

/// ceil(a / b) for b > 0 and any sign of a, without the overflow of (a + b - 1) / b.
inline int64_t ceil_div(int64_t a, int64_t b) {
  const int64_t quotient = a / b;
  return (a % b != 0 && a > 0) ? quotient + 1 : quotient;
}

}  // namespace bufopt::graph
