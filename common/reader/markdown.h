// Markdown through cmark (the only file that includes it): text fields for
// indexing, and HTML for reading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace helpsearch {

/// The text of a Markdown document, split into the fields the index uses.
struct MarkdownText {
  std::string h1;                     ///< text of the first level-1 heading
  std::vector<std::string> headings;  ///< text of the other headings
  std::vector<std::string> blocks;    ///< paragraphs, list items, quotes, raw HTML text
  std::vector<std::string> alt;       ///< image alt text
  std::vector<std::string> code;      ///< code spans and code blocks
};

/// Extracts text fields; inline markup, links' targets and HTML tags are dropped,
/// entities decoded, "[!NOTE]"-style alert markers removed.
MarkdownText extract_markdown(std::string_view markdown);

/// Renders Markdown to HTML. Raw HTML is not passed through (cmark-gfm's safe
/// mode). Images load lazily; an image beside the article ("media/x.png", or
/// "./media/x.png") is fetched from media_prefix + "x.png" when media_prefix is
/// given (other URLs are left as written).
std::string render_html(std::string_view markdown, std::string_view media_prefix = {});

/// Text of an HTML fragment: tags removed, common entities decoded.
std::string strip_html(std::string_view html);

}  // namespace helpsearch
