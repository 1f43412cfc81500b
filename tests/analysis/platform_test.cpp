#include "bufopt/analysis/platform.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace bufopt::analysis {
namespace {

TEST(PlatformPreset, HasTheThreeSpecPresets) {
  EXPECT_EQ(platform_preset_names(), (std::vector<std::string>{"mcu", "cpu", "gpu"}));
  const Platform mcu = *platform_preset("mcu");
  EXPECT_DOUBLE_EQ(mcu.macs_per_s, 0.4e9);
  EXPECT_DOUBLE_EQ(mcu.elems_per_s, 0.4e9);
  EXPECT_DOUBLE_EQ(mcu.firing_overhead_s, 5e-6);
  const Platform gpu = *platform_preset("gpu");
  EXPECT_DOUBLE_EQ(gpu.macs_per_s, 300e9);
  EXPECT_DOUBLE_EQ(gpu.elems_per_s, 100e9);
  EXPECT_DOUBLE_EQ(gpu.firing_overhead_s, 1e-5);
  EXPECT_EQ(gpu.processors, 1);
  EXPECT_FALSE(platform_preset("tpu").has_value());
}

TEST(PlatformPreset, DefaultPlatformIsTheCpuPreset) {
  const Platform cpu = *platform_preset("cpu");
  const Platform fallback;
  EXPECT_EQ(cpu.name, fallback.name);
  EXPECT_DOUBLE_EQ(cpu.macs_per_s, 10e9);
  EXPECT_DOUBLE_EQ(cpu.elems_per_s, 5e9);
  EXPECT_DOUBLE_EQ(cpu.firing_overhead_s, 1e-6);
  EXPECT_DOUBLE_EQ(fallback.macs_per_s, cpu.macs_per_s);
  EXPECT_DOUBLE_EQ(fallback.elems_per_s, cpu.elems_per_s);
  EXPECT_DOUBLE_EQ(fallback.firing_overhead_s, cpu.firing_overhead_s);
}

TEST(ParsePlatformJson, ReadsEveryField) {
  const Platform platform = parse_platform_json(
      R"({"name": "board", "macs_per_s": 2e9, "elems_per_s": 1e9, "firing_overhead_s": 5e-7, "processors": 4})");
  EXPECT_EQ(platform.name, "board");
  EXPECT_DOUBLE_EQ(platform.macs_per_s, 2e9);
  EXPECT_DOUBLE_EQ(platform.elems_per_s, 1e9);
  EXPECT_DOUBLE_EQ(platform.firing_overhead_s, 5e-7);
  EXPECT_EQ(platform.processors, 4);
}

TEST(ParsePlatformJson, MissingFieldsKeepTheCpuPreset) {
  const Platform platform = parse_platform_json(R"({"firing_overhead_s": 0})");
  EXPECT_EQ(platform.name, "cpu");
  EXPECT_DOUBLE_EQ(platform.macs_per_s, 10e9);
  EXPECT_DOUBLE_EQ(platform.elems_per_s, 5e9);
  EXPECT_DOUBLE_EQ(platform.firing_overhead_s, 0);
  EXPECT_EQ(platform.processors, 1);
}

TEST(ParsePlatformJson, BaseStartsFromAnotherPreset) {
  const Platform platform = parse_platform_json(R"({"macs_per_s": 1e9, "base": "mcu"})");
  EXPECT_EQ(platform.name, "mcu");
  EXPECT_DOUBLE_EQ(platform.macs_per_s, 1e9);
  EXPECT_DOUBLE_EQ(platform.elems_per_s, 0.4e9);
  EXPECT_DOUBLE_EQ(platform.firing_overhead_s, 5e-6);
}

TEST(ParsePlatformJson, RejectsBadInput) {
  const char* bad[] = {
      R"({"macs_per_s": 1e9,)",           // malformed
      R"([1, 2])",                        // not an object
      R"({"mac_per_s": 1e9})",            // unknown field
      R"({"macs_per_s": -1e9})",          // negative rate
      R"({"elems_per_s": 0})",            // zero rate
      R"({"firing_overhead_s": -1e-6})",  // negative overhead
      R"({"macs_per_s": "fast"})",        // not a number
      R"({"processors": 1.5})",           // not an integer
      R"({"processors": 0})",             // no processor
      R"({"name": 3})",                   // name not a string
      R"({"base": "tpu"})",               // no such preset
  };
  for (const char* text : bad) EXPECT_THROW(parse_platform_json(text), std::invalid_argument) << text;
}

TEST(ParsePlatformJson, ReasonNamesTheField) {
  try {
    parse_platform_json(R"({"elems_per_s": -5})");
    FAIL() << "accepted a negative rate";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("elems_per_s"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace bufopt::analysis
