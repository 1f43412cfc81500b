#include "bufopt/report/units.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace bufopt::report {

std::string format_bytes(int64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  static constexpr std::array<const char*, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  const int decimals = value >= 100 ? 0 : (value >= 10 ? 1 : 2);
  return fmt::format("{:.{}f} {}", value, decimals, kUnits[unit]);
}

std::string format_seconds(double seconds) {
  if (seconds < 1e-6) return fmt::format("{:.0f} ns", seconds * 1e9);
  if (seconds < 1e-3) return fmt::format("{:.1f} us", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.2f} ms", seconds * 1e3);
  return fmt::format("{:.2f} s", seconds);
}

std::optional<int64_t> parse_size(std::string_view text) {
  const std::string owned(text);
  const char* begin = owned.c_str();
  char* end = nullptr;
  const double number = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(number) || number < 0) return std::nullopt;
  std::string_view suffix(end);
  if (suffix.size() > 1 && suffix.back() == 'B' && suffix != "KiB" && suffix != "MiB" && suffix != "GiB") {
    suffix.remove_suffix(1);  // "KB" / "MB" -> "K" / "M"
  } else if (suffix == "B") {
    suffix = "";
  }
  double scale = 1;
  if (suffix == "K") scale = 1e3;
  else if (suffix == "M") scale = 1e6;
  else if (suffix == "G") scale = 1e9;
  else if (suffix == "KiB") scale = 1024.0;
  else if (suffix == "MiB") scale = 1024.0 * 1024.0;
  else if (suffix == "GiB") scale = 1024.0 * 1024.0 * 1024.0;
  else if (!suffix.empty()) return std::nullopt;
  const double bytes = std::round(number * scale);
  if (bytes >= 9.2e18) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

}  // namespace bufopt::report
