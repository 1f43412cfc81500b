#pragma once
/// The buffer CSV (report::to_csv) read back by name, for tests whose names hold no comma or
/// quote (a plain split reads the fields).
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bufopt::testing {

/// The header's last columns, MODEL 4.1's storage fields.
inline constexpr const char* kCsvStorageColumns = ",capacity_rows,bytes,offset,storage_of,slice_of";
/// Columns of the buffer CSV: storage_of and slice_of are the last two.
inline constexpr size_t kCsvColumns = 14;

/// Rows by buffer name; a failed expectation when the header or a row's width is not the CSV's.
inline std::map<std::string, std::vector<std::string>> csv_rows_by_name(const std::string& csv) {
  std::map<std::string, std::vector<std::string>> rows;
  std::stringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(line.ends_with(kCsvStorageColumns)) << line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream cell_stream(line);
    for (std::string cell; std::getline(cell_stream, cell, ',');) cells.push_back(cell);
    if (line.ends_with(",")) cells.emplace_back();
    EXPECT_EQ(cells.size(), kCsvColumns) << line;
    cells.resize(kCsvColumns);
    rows[cells[0]] = cells;
  }
  return rows;
}

}  // namespace bufopt::testing
