#pragma once
/// A strict little XML reader for the tests: elements, attributes and text (entities decoded),
/// comments, the XML declaration (no CDATA, no DOCTYPE). Throws std::runtime_error on anything
/// malformed (unbalanced or mismatched tags, duplicate attributes, unquoted values, a bad
/// entity, text outside the root), so parsing doubles as a well-formedness check.
#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bufopt::testing {

/// One element and its subtree.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlElement> children;
  std::string text;  ///< the element's own text content, decoded

  std::vector<const XmlElement*> all(std::string_view child) const {
    std::vector<const XmlElement*> out;
    for (const XmlElement& element : children) {
      if (element.name == child) out.push_back(&element);
    }
    return out;
  }
  const XmlElement& one(std::string_view child) const {
    const auto found = all(child);
    if (found.size() != 1) throw std::runtime_error("expected one <" + std::string(child) + "> in <" + name + ">");
    return *found.front();
  }
  const std::string& attribute(const std::string& key) const {
    const auto found = attributes.find(key);
    if (found == attributes.end()) throw std::runtime_error("<" + name + "> has no attribute " + key);
    return found->second;
  }
};

class MiniXmlParser {
 public:
  explicit MiniXmlParser(std::string_view text) : text_(text) {}

  XmlElement document() {
    skip_misc();
    if (peek("<?xml")) skip_past("?>");
    skip_misc();
    XmlElement root = element();
    skip_misc();
    if (pos_ != text_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("XML: " + what + " at offset " + std::to_string(pos_));
  }
  bool peek(std::string_view token) const { return text_.substr(pos_, token.size()) == token; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void skip_past(std::string_view token) {
    const size_t found = text_.find(token, pos_);
    if (found == std::string_view::npos) fail("unterminated " + std::string(token));
    pos_ = found + token.size();
  }
  void skip_misc() {
    for (;;) {
      skip_space();
      if (!peek("<!--")) return;
      const size_t end = text_.find("-->", pos_ + 4);
      if (end == std::string_view::npos) fail("unterminated comment");
      if (text_.substr(pos_ + 4, end - pos_ - 4).find("--") != std::string_view::npos) fail("'--' inside a comment");
      pos_ = end + 3;
    }
  }
  std::string name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                                   text_[pos_] == ':' || text_[pos_] == '-' || text_[pos_] == '.')) {
      ++pos_;
    }
    if (pos_ == start) fail("expected a name");
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string decode(std::string_view raw) const {
    static const std::map<std::string_view, char> kEntities = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '<') fail("'<' in a value");
      if (raw[i] != '&') {
        out += raw[i];
        continue;
      }
      const size_t end = raw.find(';', i);
      if (end == std::string_view::npos) fail("unterminated entity");
      const auto found = kEntities.find(raw.substr(i + 1, end - i - 1));
      if (found == kEntities.end()) fail("unknown entity");
      out += found->second;
      i = end;
    }
    return out;
  }
  XmlElement element() {
    if (!peek("<")) fail("expected '<'");
    ++pos_;
    XmlElement out;
    out.name = name();
    for (;;) {
      skip_space();
      if (peek("/>")) {
        pos_ += 2;
        return out;
      }
      if (peek(">")) {
        ++pos_;
        break;
      }
      const std::string key = name();
      skip_space();
      if (!peek("=")) fail("expected '=' after " + key);
      ++pos_;
      skip_space();
      if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) fail("unquoted value of " + key);
      const char quote = text_[pos_++];
      const size_t end = text_.find(quote, pos_);
      if (end == std::string_view::npos) fail("unterminated value of " + key);
      if (!out.attributes.emplace(key, decode(text_.substr(pos_, end - pos_))).second) fail("duplicate " + key);
      pos_ = end + 1;
    }
    for (;;) {
      skip_misc();
      if (peek("</")) {
        pos_ += 2;
        if (name() != out.name) fail("mismatched </...> for <" + out.name + ">");
        skip_space();
        if (!peek(">")) fail("expected '>'");
        ++pos_;
        return out;
      }
      if (!peek("<")) {
        const size_t end = text_.find('<', pos_);
        if (end == std::string_view::npos) fail("unterminated <" + out.name + ">");
        out.text += decode(text_.substr(pos_, end - pos_));
        pos_ = end;
        continue;
      }
      out.children.push_back(element());
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
};

inline XmlElement parse_xml(std::string_view text) { return MiniXmlParser(text).document(); }

}  // namespace bufopt::testing
