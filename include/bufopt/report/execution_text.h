#pragma once
/// The lines `bufopt run` adds to the summary: what was executed and how it compares.
#include <string>

#include "bufopt/execute/execution_check.h"

namespace bufopt::report {

/// "Executed 1234 firings in one 81.0 KiB arena: by parts == layer by layer, bit-identical
/// (measured 0.012 s by parts, 0.010 s layer by layer, x1.20; 2.1 us per extra firing)", and
/// one line per output file written.
std::string execution_text(const execute::ExecutionReport& execution);

}  // namespace bufopt::report
