#pragma once
/// Overflow-checked integer arithmetic for shape products (a hostile model may claim any dims).
#include <cstdint>
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

}  // namespace bufopt::graph
