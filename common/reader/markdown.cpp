#include "markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace helpsearch {
namespace {

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

/// Appends the text of node's inlines; line breaks become '\n'.
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
        out += '\n';
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
        std::replace(alt.begin(), alt.end(), '\n', ' ');
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

/// The node's GFM extension type ("table", "table_row", "table_cell",
/// "strikethrough"), or "" for a core CommonMark node.
std::string_view extension_type(cmark_node* node) {
  if (!cmark_node_get_syntax_extension(node)) return {};
  const char* t = cmark_node_get_type_string(node);
  return t ? t : "";
}

/// A table as one block per row, cells joined by " · ".
void add_table_rows(cmark_node* table, MarkdownText& fields) {
  for (cmark_node* row = cmark_node_first_child(table); row; row = cmark_node_next(row)) {
    std::string text;
    for (cmark_node* cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
      std::string c;
      inline_text(cell, c, fields);
      std::replace(c.begin(), c.end(), '\n', ' ');
      c = trim(c);
      if (!c.empty()) text += (text.empty() ? "" : " · ") + c;
    }
    if (!text.empty()) fields.blocks.push_back(std::move(text));
  }
}

void walk_blocks(cmark_node* node, MarkdownText& fields, bool in_quote) {
  for (cmark_node* child = cmark_node_first_child(node); child;
       child = cmark_node_next(child)) {
    if (extension_type(child) == "table") {
      add_table_rows(child, fields);
      continue;
    }
    switch (cmark_node_get_type(child)) {
      case CMARK_NODE_HEADING: {
        std::string text;
        inline_text(child, text, fields);
        std::replace(text.begin(), text.end(), '\n', ' ');
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
        std::replace(text.begin(), text.end(), '\n', ' ');
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

/// A GitHub Flavored Markdown document: cmark-gfm with the table,
/// strikethrough, autolink and tag filter extensions. Safe mode (the default)
/// omits raw HTML when rendered.
class GfmDocument {
 public:
  explicit GfmDocument(std::string_view markdown) : parser_(cmark_parser_new(CMARK_OPT_DEFAULT)) {
    static const bool registered = [] {
      cmark_gfm_core_extensions_ensure_registered();
      return true;
    }();
    (void)registered;
    for (const char* name : {"table", "strikethrough", "autolink", "tagfilter"})
      if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name))
        cmark_parser_attach_syntax_extension(parser_, ext);
    // cmark-gfm keeps the inline parser's table of special characters in a
    // global that each parser fills with its extensions' characters and
    // empties again when its inlines are done (github/cmark-gfm#176): a
    // parse beside another loses its autolinks now and then. One at a time.
    static std::mutex parsing;
    const std::lock_guard<std::mutex> lock(parsing);
    cmark_parser_feed(parser_, markdown.data(), markdown.size());
    root_ = cmark_parser_finish(parser_);
  }
  ~GfmDocument() {
    if (root_) cmark_node_free(root_);
    cmark_parser_free(parser_);
  }
  GfmDocument(const GfmDocument&) = delete;
  GfmDocument& operator=(const GfmDocument&) = delete;

  cmark_node* root() const { return root_; }
  std::string html() const {
    char* html = cmark_render_html(root_, CMARK_OPT_DEFAULT, cmark_parser_get_syntax_extensions(parser_));
    std::string out = html ? html : "";
    free(html);
    return out;
  }

 private:
  cmark_parser* parser_;
  cmark_node* root_ = nullptr;
};

}  // namespace

MarkdownText extract_markdown(std::string_view markdown) {
  MarkdownText fields;
  const GfmDocument doc(markdown);
  if (doc.root()) walk_blocks(doc.root(), fields, false);
  return fields;
}

namespace {

/// Puts replacement in node's place and frees node; where the parent may not
/// hold the replacement (cmark refuses), node stays and replacement is freed.
void replace_node(cmark_node* node, cmark_node* replacement) {
  if (cmark_node_replace(node, replacement))
    cmark_node_free(node);
  else
    cmark_node_free(replacement);
}

std::string escape_attribute(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

/// The URL an image is fetched from: a file of media/ beside the article
/// under media_prefix; any other URL as written, unless its scheme is unsafe.
std::string image_url(std::string_view url, std::string_view media_prefix) {
  std::string_view rest = url;
  if (rest.rfind("./", 0) == 0) rest.remove_prefix(2);
  if (!media_prefix.empty() && rest.rfind("media/", 0) == 0) {
    rest.remove_prefix(6);
    if (!rest.empty() && rest.find_first_of("/\\?#") == std::string_view::npos && rest.find("..") == std::string_view::npos)
      return std::string(media_prefix) + std::string(rest);
  }
  const std::string lower = [&] {
    std::string l(url.substr(0, 12));
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return l;
  }();
  if (lower.rfind("javascript:", 0) == 0 || lower.rfind("vbscript:", 0) == 0 || lower.rfind("data:", 0) == 0) return "";
  return std::string(url);
}

/// Replaces an image node by its <img> markup: lazily loaded, alt text kept.
void render_image(cmark_node* image, std::string_view media_prefix) {
  std::string alt;
  MarkdownText ignored;
  inline_text(image, alt, ignored);
  std::replace(alt.begin(), alt.end(), '\n', ' ');
  const char* url = cmark_node_get_url(image);
  const std::string src = image_url(url ? url : "", media_prefix);
  const char* title = cmark_node_get_title(image);
  std::string html = "<img src=\"" + escape_attribute(src) + "\" alt=\"" + escape_attribute(alt) + "\"";
  if (title && *title) html += " title=\"" + escape_attribute(title) + "\"";
  html += " loading=\"lazy\">";
  cmark_node* markup = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
  cmark_node_set_on_enter(markup, html.c_str());
  replace_node(image, markup);
}

}  // namespace

std::string render_html(std::string_view markdown, std::string_view media_prefix) {
  const GfmDocument doc(markdown);
  if (!doc.root()) return {};
  // Prose in angle brackets (<user>@contoso.com) is text, <br> a line break;
  // the rest of the raw HTML is left to safe mode, which omits it.
  std::vector<cmark_node*> inline_html, images;
  cmark_iter* iter = cmark_iter_new(doc.root());
  for (cmark_event_type ev; (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter);
    if (ev != CMARK_EVENT_ENTER) continue;
    if (cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE) inline_html.push_back(node);
    if (cmark_node_get_type(node) == CMARK_NODE_IMAGE) images.push_back(node);
  }
  cmark_iter_free(iter);
  for (cmark_node* node : inline_html) {
    const InlineHtml kind = classify_html(literal(node));
    if (kind == InlineHtml::kMarkup) continue;
    cmark_node* replacement = cmark_node_new(kind == InlineHtml::kBreak ? CMARK_NODE_LINEBREAK : CMARK_NODE_TEXT);
    if (kind == InlineHtml::kText) cmark_node_set_literal(replacement, literal(node));
    replace_node(node, replacement);
  }
  // Innermost first: an image in another's alt text is replaced before its holder is.
  for (auto it = images.rbegin(); it != images.rend(); ++it) render_image(*it, media_prefix);
  return doc.html();
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
