// The article reader: a help article file (YAML front matter + Markdown,
// plain or side-by-side) → a plain struct. Knows nothing of Xapian.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace helpsearch {

/// Everything the index needs from one article file.
struct Article {
  std::string path;         ///< source file path
  std::string locale;       ///< canonical locale ("ja-JP")
  std::string slug;         ///< file name without .md
  std::string title;        ///< display title: the H1, else front matter title, else slug
  std::string fm_title;     ///< front matter title
  std::string en_title;     ///< English source H1 of a side-by-side article
  std::string description;  ///< front matter description
  std::vector<std::string> ids;  ///< custom IDs (ms.custom)
  std::string date;         ///< ms.date as YYYYMMDD, "" when absent or unreadable
  std::string topic;        ///< ms.topic
  std::string service;      ///< ms.service
  std::vector<std::string> headings;  ///< localized headings below the H1
  std::vector<std::string> blocks;    ///< localized body text, one entry per block
  std::vector<std::string> alt;       ///< image alt text
  std::vector<std::string> code;      ///< code spans and blocks
  std::vector<std::string> english;   ///< English source text blocks (sxs only)
  std::string markdown;     ///< localized Markdown body (sxs English removed)
  bool sxs = false;         ///< written in the side-by-side format
  std::vector<std::string> warnings;  ///< non-fatal problems ("no front matter")

  /// "locale/slug", the article's unique key.
  std::string key() const { return locale + "/" + slug; }
};

/// Where an article's bytes came from, and how to place it when the file says nothing.
struct ArticleSource {
  std::string path;                    ///< file path; the slug and folder locale come from it
  std::string default_locale = "en-US";
};

/// Outcome of reading one file: an article, or an error with the line where known.
struct ReadResult {
  bool ok = false;
  Article article;
  std::string error;  ///< reason, when !ok
  int line = 0;       ///< 1-based line of the problem, 0 when not tied to a line
  size_t body_offset = 0;  ///< byte where the Markdown starts (after any BOM and front matter)
};

/// Files larger than this are refused.
inline constexpr size_t kMaxArticleBytes = 8u << 20;

/// How much of a file parse_article() reads.
enum class ParseDepth {
  kHeader,  ///< validation, front matter, locale and slug only (to find the key)
  kFull,    ///< everything
};

/// Parses the bytes of one article. Never throws on bad input.
ReadResult parse_article(std::string_view content, const ArticleSource& source,
                         ParseDepth depth = ParseDepth::kFull);

/// Completes header, a successful kHeader read of the same bytes, into what
/// a kFull read gives, without reading the front matter again.
ReadResult parse_article_body(std::string_view content, ReadResult header);

/// Locale named by the nearest parent folder of path that looks like one ("ja-JP"), or "".
std::string folder_locale(std::string_view path);

/// Converts ms.date ("04/21/2020", "2020-04-21") to "20200421"; "" when unreadable.
std::string sortable_date(std::string_view date);

}  // namespace helpsearch
