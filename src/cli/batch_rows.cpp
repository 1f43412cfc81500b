// `bufopt batch`: one CSV row / one JSON line per (model, --max-slowdown).
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "batch.h"
#include "bufopt/report/text_escape.h"

namespace bufopt::cli {

namespace {

using nlohmann::ordered_json;

/// The figures of an analysed row, in column order (name, value).
std::vector<std::pair<const char*, ordered_json>> figures(const BatchRow& row) {
  return {{"actors", row.actors},
          {"buffers", row.buffers},
          {"macs", row.macs},
          {"parameter_bytes", row.parameter_bytes},
          {"baseline_bytes", row.baseline_bytes},
          {"baseline_shared_bytes", row.baseline_shared_bytes},
          {"live_peak_bytes", row.live_peak_bytes},
          {"fifo_bytes", row.fifo_bytes},
          {"shared_bytes", row.shared_bytes},
          {"lower_bound_bytes", row.lower_bound_bytes},
          {"slowdown", row.slowdown},
          {"time_s", row.time_s},
          {"baseline_time_s", row.baseline_time_s},
          {"firings", row.firings}};
}

/// Every column in order, as JSON values (null where a failed row has no figure).
ordered_json row_object(const BatchRow& row) {
  ordered_json out;
  out["model"] = row.model;
  out["name"] = row.name;
  out["max_slowdown"] = row.max_slowdown;
  out["status"] = row.ok ? "ok" : "failed";
  out["exit_code"] = row.exit_code;
  out["error"] = row.error;
  for (auto& [name, value] : figures(row)) out[name] = row.ok ? value : ordered_json(nullptr);
  out["warnings"] = row.warnings;
  out["import_s"] = row.import_s;
  out["analysis_s"] = row.analysis_s;
  return out;
}

std::string csv_value(const ordered_json& value) {
  if (value.is_null()) return "";
  if (value.is_string()) return report::csv_field(value.get<std::string>());
  return value.dump();
}

}  // namespace

std::string batch_csv_header() {
  const ordered_json columns = row_object(BatchRow{});
  std::string header;
  for (const auto& [name, value] : columns.items()) header += (header.empty() ? "" : ",") + name;
  return header + "\n";
}

std::string batch_csv_row(const BatchRow& row) {
  const ordered_json columns = row_object(row);
  std::string line;
  bool first = true;
  for (const auto& [name, value] : columns.items()) {
    line += (first ? "" : ",") + csv_value(value);
    first = false;
  }
  return line + "\n";
}

std::string batch_json_line(const BatchRow& row) { return row_object(row).dump() + "\n"; }

}  // namespace bufopt::cli
