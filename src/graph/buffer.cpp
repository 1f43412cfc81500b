#include "bufopt/graph/buffer.h"

#include <limits>

#include "bufopt/graph/checked_math.h"

namespace bufopt::graph {

namespace {
constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
}

int64_t Buffer::elements() const {
  if (!shape_known()) return 0;
  return checked_product(shape).value_or(kSaturated);
}

int64_t Buffer::rows() const {
  if (!shape_known() || !streaming_axis) return 1;
  const auto axis = static_cast<size_t>(*streaming_axis);
  if (axis >= shape.size() || shape[axis] <= 0) return 1;
  return shape[axis];
}

int64_t Buffer::tensor_bytes() const { return checked_mul(elements(), element_bytes).value_or(kSaturated); }

int64_t Buffer::row_bytes() const { return tensor_bytes() / rows(); }

}  // namespace bufopt::graph
