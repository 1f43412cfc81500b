#pragma once
/// Human-readable sizes and command-line size parsing (MODEL 9).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bufopt::report {

/// Bytes in binary units as reports print them: "812 B", "143.3 KiB", "6.72 MiB".
std::string format_bytes(int64_t bytes);

/// Seconds with a sensible unit: "812 ns", "1.35 ms", "2.10 s".
std::string format_seconds(double seconds);

/// Parses a size: a plain integer (bytes), or with suffix K, M, G (powers of 1000) or KiB, MiB,
/// GiB (powers of 1024), optionally "B" (e.g. "512KiB", "1.5M"); nullopt when malformed,
/// negative or overflowing.
std::optional<int64_t> parse_size(std::string_view text);

}  // namespace bufopt::report
