#include "markdown.h"

#include <cmark.h>

#include <memory>

namespace helpsearch {
namespace {

using NodePtr = std::unique_ptr<cmark_node, decltype(&cmark_node_free)>;

const char* literal(cmark_node* node) {
  const char* s = cmark_node_get_literal(node);
  return s ? s : "";
}

void inline_text(cmark_node* node, std::string& out, MarkdownText& fields) {
  for (cmark_node* child = cmark_node_first_child(node); child;
       child = cmark_node_next(child)) {
    switch (cmark_node_get_type(child)) {
      case CMARK_NODE_TEXT:
        out += literal(child);
        break;
      case CMARK_NODE_CODE:
        out += literal(child);
        fields.code.emplace_back(literal(child));
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out += ' ';
        break;
      case CMARK_NODE_HTML_INLINE: {
        std::string_view tag = literal(child);
        if (tag.rfind("<br", 0) == 0 || tag.rfind("<BR", 0) == 0) out += ' ';
        break;
      }
      case CMARK_NODE_IMAGE: {
        std::string alt;
        inline_text(child, alt, fields);
        if (!alt.empty()) fields.alt.push_back(std::move(alt));
        out += ' ';
        break;
      }
      default:  // emphasis, strong, link: their text
        inline_text(child, out, fields);
        break;
    }
  }
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

/// Drops a leading alert marker such as "[!NOTE]" from a quote's paragraph.
std::string drop_alert(const std::string& s) {
  if (s.size() < 4 || s[0] != '[' || s[1] != '!') return s;
  size_t close = s.find(']');
  if (close == std::string::npos || close > 12) return s;
  for (size_t i = 2; i < close; ++i) {
    if (!(s[i] >= 'A' && s[i] <= 'Z')) return s;
  }
  return trim(s.substr(close + 1));
}

void walk_blocks(cmark_node* node, MarkdownText& fields, bool in_quote) {
  for (cmark_node* child = cmark_node_first_child(node); child;
       child = cmark_node_next(child)) {
    switch (cmark_node_get_type(child)) {
      case CMARK_NODE_HEADING: {
        std::string text;
        inline_text(child, text, fields);
        text = trim(text);
        if (text.empty()) break;
        if (cmark_node_get_heading_level(child) == 1 && fields.h1.empty())
          fields.h1 = std::move(text);
        else
          fields.headings.push_back(std::move(text));
        break;
      }
      case CMARK_NODE_PARAGRAPH: {
        std::string text;
        inline_text(child, text, fields);
        text = trim(text);
        if (in_quote) text = drop_alert(text);
        if (!text.empty()) fields.blocks.push_back(std::move(text));
        break;
      }
      case CMARK_NODE_CODE_BLOCK:
        fields.code.emplace_back(literal(child));
        break;
      case CMARK_NODE_HTML_BLOCK: {
        std::string text = trim(strip_html(literal(child)));
        if (!text.empty()) fields.blocks.push_back(std::move(text));
        break;
      }
      case CMARK_NODE_BLOCK_QUOTE:
        walk_blocks(child, fields, true);
        break;
      default:  // document, list, item
        walk_blocks(child, fields, in_quote);
        break;
    }
  }
}

}  // namespace

MarkdownText extract_markdown(std::string_view markdown) {
  MarkdownText fields;
  NodePtr doc(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT),
              &cmark_node_free);
  if (doc) walk_blocks(doc.get(), fields, false);
  return fields;
}

std::string render_html(std::string_view markdown) {
  char* html = cmark_markdown_to_html(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT);
  std::string out = html ? html : "";
  free(html);
  return out;
}

std::string strip_html(std::string_view html) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"}, {"&lt;", "<"},  {"&gt;", ">"},     {"&quot;", "\""},
      {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "},
  };
  std::string out;
  out.reserve(html.size());
  for (size_t i = 0; i < html.size();) {
    if (html[i] == '<') {
      size_t gt = html.find('>', i);
      if (gt == std::string_view::npos) break;
      out += ' ';
      i = gt + 1;
      continue;
    }
    if (html[i] == '&') {
      bool decoded = false;
      for (auto [name, value] : kEntities) {
        if (html.compare(i, name.size(), name) == 0) {
          out += value;
          i += name.size();
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    out += html[i++];
  }
  return out;
}

}  // namespace helpsearch
