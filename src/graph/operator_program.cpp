#include "bufopt/graph/operator_program.h"

#include "bufopt/graph/checked_math.h"

namespace bufopt::graph {

int64_t ConstantTensor::elements() const {
  int64_t count = 1;
  for (int64_t dim : shape) count = checked_mul(count, dim).value_or(INT64_MAX);
  return count;
}

}  // namespace bufopt::graph
