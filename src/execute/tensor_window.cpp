// TensorWindow is a plain value type; this file keeps the execute module non-empty for the
// build until the engine and kernels land.
#include "bufopt/execute/tensor_window.h"
