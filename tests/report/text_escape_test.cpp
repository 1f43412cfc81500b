// Names from a model embedded in XML, DOT and CSV: escaped, and always valid UTF-8.
#include "bufopt/report/text_escape.h"

#include <gtest/gtest.h>

#include "mini_xml.h"

namespace bufopt::testing {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(TextEscape, XmlSpecialCharacters) {
  EXPECT_EQ(report::xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(parse_xml("<t n=\"" + report::xml_escape("x<&>\"'y") + "\"/>").attribute("n"), "x<&>\"'y");
}

TEST(TextEscape, KeepsValidUtf8AndReplacesEverythingElse) {
  EXPECT_EQ(report::valid_utf8("conv/1:0 \xC3\xA9t\xC3\xA9 \xE2\x89\xA4 \xF0\x9F\x98\x80"),
            "conv/1:0 \xC3\xA9t\xC3\xA9 \xE2\x89\xA4 \xF0\x9F\x98\x80");
  EXPECT_EQ(report::valid_utf8("a\xFFz"), "a" + kReplacement + "z");           // not a lead byte
  EXPECT_EQ(report::valid_utf8("a\xC3"), "a" + kReplacement);                  // truncated
  EXPECT_EQ(report::valid_utf8("\xC0\xAF"), kReplacement + kReplacement);      // overlong '/'
  EXPECT_EQ(report::valid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);  // surrogate
  EXPECT_EQ(report::valid_utf8(std::string("a\0b\x01", 4)), "a" + kReplacement + "b" + kReplacement);
  EXPECT_EQ(report::valid_utf8("tab\tnew\nline"), "tab\tnew\nline");
}

TEST(TextEscape, CsvFieldsQuoteSeparatorsQuotesAndLineBreaks) {
  EXPECT_EQ(report::csv_field("conv1/Relu:0"), "conv1/Relu:0");
  EXPECT_EQ(report::csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(report::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(report::csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(report::csv_field("carriage\rreturn"), "\"carriage\rreturn\"");
}

}  // namespace
}  // namespace bufopt::testing
