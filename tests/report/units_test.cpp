#include "bufopt/report/units.h"

#include <gtest/gtest.h>

namespace bufopt::report {
namespace {

TEST(FormatBytes, UsesBinaryUnits) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.00 KiB");
  EXPECT_EQ(format_bytes(146720), "143 KiB");
  EXPECT_EQ(format_bytes(15 * 1024 + 512), "15.5 KiB");
  EXPECT_EQ(format_bytes(7048584), "6.72 MiB");
}

TEST(ParseSize, DecimalAndBinarySuffixes) {
  EXPECT_EQ(parse_size("512"), 512);
  EXPECT_EQ(parse_size("2K"), 2000);
  EXPECT_EQ(parse_size("2KB"), 2000);
  EXPECT_EQ(parse_size("1.5M"), 1500000);
  EXPECT_EQ(parse_size("1G"), 1000000000);
  EXPECT_EQ(parse_size("512KiB"), 512 * 1024);
  EXPECT_EQ(parse_size("3MiB"), 3 * 1024 * 1024);
  EXPECT_EQ(parse_size("1GiB"), int64_t{1} << 30);
  EXPECT_EQ(parse_size("7B"), 7);
}

TEST(ParseSize, RejectsMalformed) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("abc"));
  EXPECT_FALSE(parse_size("-5"));
  EXPECT_FALSE(parse_size("5X"));
  EXPECT_FALSE(parse_size("5 KiB"));
  EXPECT_FALSE(parse_size("1e30"));
}

}  // namespace
}  // namespace bufopt::report
