#include "bufopt/analysis/analysis_options.h"

namespace bufopt::analysis {

const char* mode_name(Mode mode) { return mode == Mode::kPipelined ? "pipelined" : "sequential"; }

}  // namespace bufopt::analysis
