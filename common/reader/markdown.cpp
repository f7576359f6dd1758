#include "markdown.h"

#include <cmark.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
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

std::string trim_cell(std::string s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

/// Cells of a delimiter row ("|:---|---:|"), or 0 when the line is not one.
size_t delimiter_cells(const std::string& line) {
  std::string t = trim_cell(line);
  if (!t.empty() && t.front() == '|') t.erase(0, 1);
  if (!t.empty() && t.back() == '|') t.pop_back();
  size_t cells = 0;
  size_t pos = 0;
  while (pos <= t.size()) {
    size_t bar = t.find('|', pos);
    if (bar == std::string::npos) bar = t.size();
    const std::string cell = trim_cell(t.substr(pos, bar - pos));
    const size_t b = cell.size() > 0 && cell.front() == ':' ? 1 : 0;
    const size_t e = cell.size() > b && cell.back() == ':' ? cell.size() - 1 : cell.size();
    if (e <= b || cell.find_first_not_of('-', b) < e) return 0;
    ++cells;
    pos = bar + 1;
  }
  return cells;
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

/// When a paragraph's text is a pipe table, adds one block per row, cells
/// joined by " · ", and returns true.
bool add_table_rows(const std::string& text, MarkdownText& fields) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() < 2 || lines[0].find('|') == std::string::npos || delimiter_cells(lines[1]) == 0) return false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i == 1) continue;
    std::string row;
    size_t pos = 0;
    while (pos <= lines[i].size()) {
      size_t bar = lines[i].find('|', pos);
      if (bar == std::string::npos) bar = lines[i].size();
      const std::string cell = trim_cell(lines[i].substr(pos, bar - pos));
      if (!cell.empty()) row += (row.empty() ? "" : " · ") + cell;
      pos = bar + 1;
    }
    if (!row.empty()) fields.blocks.push_back(std::move(row));
  }
  return true;
}

void walk_blocks(cmark_node* node, MarkdownText& fields, bool in_quote) {
  for (cmark_node* child = cmark_node_first_child(node); child;
       child = cmark_node_next(child)) {
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
        if (add_table_rows(text, fields)) break;
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

// ---- pipe tables ------------------------------------------------------------
// cmark (core CommonMark) reads GFM pipe tables as paragraphs; render_html()
// turns such paragraphs into <table> markup, rendering each cell's inlines with
// cmark itself, so escaping and safe mode stay cmark's.

using Line = std::vector<cmark_node*>;

std::vector<Line> lines_of(cmark_node* paragraph) {
  std::vector<Line> lines(1);
  for (cmark_node* n = cmark_node_first_child(paragraph); n; n = cmark_node_next(n)) {
    if (cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK || cmark_node_get_type(n) == CMARK_NODE_LINEBREAK)
      lines.emplace_back();
    else
      lines.back().push_back(n);
  }
  return lines;
}

/// The line's text when it is only text, else nullopt.
std::optional<std::string> plain_text(const Line& line) {
  std::string out;
  for (cmark_node* n : line) {
    if (cmark_node_get_type(n) != CMARK_NODE_TEXT) return std::nullopt;
    out += literal(n);
  }
  return out;
}

/// Renders a line's cells to HTML, splitting its text at '|'.
std::vector<std::string> render_cells(const Line& line) {
  std::vector<cmark_node*> cells{cmark_node_new(CMARK_NODE_PARAGRAPH)};
  for (cmark_node* n : line) {
    if (cmark_node_get_type(n) != CMARK_NODE_TEXT) {
      cmark_node_append_child(cells.back(), n);
      continue;
    }
    const std::string text = literal(n);
    size_t pos = 0;
    while (true) {
      const size_t bar = text.find('|', pos);
      const std::string piece = text.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos);
      if (!piece.empty()) {
        cmark_node* t = cmark_node_new(CMARK_NODE_TEXT);
        cmark_node_set_literal(t, piece.c_str());
        cmark_node_append_child(cells.back(), t);
      }
      if (bar == std::string::npos) break;
      cells.push_back(cmark_node_new(CMARK_NODE_PARAGRAPH));
      pos = bar + 1;
    }
  }
  std::vector<std::string> out;
  for (cmark_node* cell : cells) {
    char* html = cmark_render_html(cell, CMARK_OPT_DEFAULT);
    std::string h = html ? html : "";
    free(html);
    cmark_node_free(cell);
    if (h.rfind("<p>", 0) == 0) h = h.substr(3, h.rfind("</p>") - 3);
    out.push_back(trim_cell(h));
  }
  // "| a | b |": the empty cells outside the outer bars are not cells.
  if (out.size() > 1 && out.front().empty()) out.erase(out.begin());
  if (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

/// Replaces a paragraph that is a pipe table by its <table> markup.
void render_table(cmark_node* paragraph) {
  std::vector<Line> lines = lines_of(paragraph);
  if (lines.size() < 2) return;
  const std::optional<std::string> header = plain_text(lines[0]);
  const std::optional<std::string> delimiter = plain_text(lines[1]);
  if (!delimiter || (header && header->find('|') == std::string::npos)) return;
  const size_t columns = delimiter_cells(*delimiter);
  if (columns == 0) return;
  std::vector<std::string> head = render_cells(lines[0]);
  if (head.size() != columns) return;
  std::string html = "<table>\n<thead>\n<tr>";
  for (const auto& c : head) html += "<th>" + c + "</th>";
  html += "</tr>\n</thead>\n<tbody>\n";
  for (size_t i = 2; i < lines.size(); ++i) {
    std::vector<std::string> row = render_cells(lines[i]);
    row.resize(columns);
    html += "<tr>";
    for (const auto& c : row) html += "<td>" + c + "</td>";
    html += "</tr>\n";
  }
  html += "</tbody>\n</table>";
  cmark_node* table = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
  cmark_node_set_on_enter(table, html.c_str());
  cmark_node_replace(paragraph, table);
  cmark_node_free(paragraph);
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
  std::vector<cmark_node*> inline_html, paragraphs;
  cmark_iter* iter = cmark_iter_new(doc.get());
  for (cmark_event_type ev; (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter);
    if (ev != CMARK_EVENT_ENTER) continue;
    if (cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE) inline_html.push_back(node);
    if (cmark_node_get_type(node) == CMARK_NODE_PARAGRAPH) paragraphs.push_back(node);
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
  for (cmark_node* paragraph : paragraphs) render_table(paragraph);
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
