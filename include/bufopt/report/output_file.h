#pragma once
/// Writing result files without ever leaving a partial one behind.
#include <string>
#include <string_view>

namespace bufopt::report {

/// Writes `content` to `path` atomically: a temporary file in the same directory, flushed,
/// then renamed over `path`. "-" writes to stdout. Throws std::runtime_error with a one-line
/// reason on failure (the temporary file is removed).
void write_output(const std::string& path, std::string_view content);

}  // namespace bufopt::report
