#include "markdown.h"

#include <cmark.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

namespace helpsearch {
namespace {

using NodePtr = std::unique_ptr<cmark_node, decltype(&cmark_node_free)>;

/// What an inline piece of raw HTML is in a help article.
enum class InlineHtml {
  kMarkup,  ///< a formatting or anchor tag (<span>, <a name>, <b>, <img>…): dropped
  kBreak,   ///< <br>: a line break
  kText,    ///< anything else (<user>, <CustomDomain>, <script>): prose, meant literally
};

InlineHtml classify_html(std::string_view tag) {
  static const char* const kMarkupTags[] = {
      "a",   "abbr", "b",    "big",  "center", "code", "del", "div",  "em",    "font", "i",
      "img", "ins",  "kbd",  "mark", "p",      "pre",  "s",   "small", "span", "strike", "strong",
      "sub", "sup",  "u",    "table", "tbody", "td",  "th",  "thead", "tr",   "ul",   "ol", "li"};
  if (tag.rfind("<!--", 0) == 0 || tag.rfind("<?", 0) == 0 || tag.rfind("<!", 0) == 0) return InlineHtml::kMarkup;
  size_t i = tag.size() > 1 && tag[1] == '/' ? 2 : 1;
  std::string name;
  while (i < tag.size() && std::isalnum(static_cast<unsigned char>(tag[i])))
    name += static_cast<char>(std::tolower(static_cast<unsigned char>(tag[i++])));
  if (name == "br") return InlineHtml::kBreak;
  for (const char* known : kMarkupTags) {
    if (name == known) return InlineHtml::kMarkup;
  }
  return InlineHtml::kText;
}

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
      case CMARK_NODE_HTML_INLINE:
        switch (classify_html(literal(child))) {
          case InlineHtml::kBreak:
            out += ' ';
            break;
          case InlineHtml::kText:
            out += literal(child);
            break;
          case InlineHtml::kMarkup:
            break;
        }
        break;
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

std::string trim(const std::string& s) {
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
  NodePtr doc(cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT),
              &cmark_node_free);
  if (!doc) return {};
  // Prose in angle brackets (<user>@contoso.com) is text, <br> a line break;
  // the rest of the raw HTML is left to safe mode, which omits it.
  std::vector<cmark_node*> inline_html;
  cmark_iter* iter = cmark_iter_new(doc.get());
  for (cmark_event_type ev; (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter);
    if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE) inline_html.push_back(node);
  }
  cmark_iter_free(iter);
  for (cmark_node* node : inline_html) {
    const InlineHtml kind = classify_html(literal(node));
    if (kind == InlineHtml::kMarkup) continue;
    cmark_node* replacement = cmark_node_new(kind == InlineHtml::kBreak ? CMARK_NODE_LINEBREAK : CMARK_NODE_TEXT);
    if (kind == InlineHtml::kText) cmark_node_set_literal(replacement, literal(node));
    cmark_node_replace(node, replacement);
    cmark_node_free(node);
  }
  char* html = cmark_render_html(doc.get(), CMARK_OPT_DEFAULT);
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
