#pragma once
/// Making names from a model safe to embed in XML (SVG, SDF3), DOT and CSV documents. Tensor
/// and node names come from the file: they may hold any bytes.
#include <string>
#include <string_view>

namespace bufopt::report {

/// `text` with every byte sequence that is not valid UTF-8, and every control character other
/// than tab, newline and carriage return, replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

/// valid_utf8(text) with &, <, >, " and ' escaped for XML text and attribute values.
std::string xml_escape(std::string_view text);

/// `text` as one CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a
/// quote, a carriage return or a line feed; unchanged otherwise.
std::string csv_field(std::string_view text);

}  // namespace bufopt::report
