#include "bufopt/report/output_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/run_command.h"

namespace bufopt::report {
namespace {

namespace fs = std::filesystem;

TEST(WriteOutput, ReplacesAtomicallyAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / "bufopt_output_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path target = dir / "out.json";
  write_output(target.string(), "first");
  write_output(target.string(), "second");
  EXPECT_EQ(testing::read_file(target), "second");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(WriteOutput, MissingDirectoryIsAnError) {
  EXPECT_THROW(write_output("/nonexistent-dir-bufopt/x.json", "x"), std::runtime_error);
}

}  // namespace
}  // namespace bufopt::report
