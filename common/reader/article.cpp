#include "article.h"

#include <algorithm>
#include <filesystem>

#include "frontmatter.h"
#include "locales.h"
#include "markdown.h"
#include "sxs.h"
#include "text.h"

namespace helpsearch {
namespace {

int line_of(std::string_view content, size_t offset) {
  return 1 + static_cast<int>(std::count(content.begin(), content.begin() + offset, '\n'));
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::string field(const FrontMatter& fm, const std::string& key) {
  auto it = fm.fields.find(key);
  return it == fm.fields.end() ? std::string() : it->second;
}

void read_body(std::string_view body, Article& a);

ReadResult fail(std::string reason, int line = 0) {
  ReadResult r;
  r.error = std::move(reason);
  r.line = line;
  return r;
}

}  // namespace

std::string folder_locale(std::string_view path) {
  std::filesystem::path p(path);
  for (p = p.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path()) {
    const std::string name = p.filename().string();
    if (name.size() >= 4 && (name.find('-') != std::string::npos || name.find('_') != std::string::npos)) {
      if (auto locale = normalize_locale(name)) return *locale;
    }
  }
  return {};
}

std::string sortable_date(std::string_view d) {
  auto digits = [&](size_t pos, size_t n) {
    if (pos + n > d.size()) return false;
    return std::all_of(d.begin() + pos, d.begin() + pos + n, [](char c) { return c >= '0' && c <= '9'; });
  };
  if (d.size() >= 10 && digits(0, 2) && d[2] == '/' && digits(3, 2) && d[5] == '/' && digits(6, 4))
    return std::string(d.substr(6, 4)) + std::string(d.substr(0, 2)) + std::string(d.substr(3, 2));
  if (d.size() >= 10 && digits(0, 4) && d[4] == '-' && digits(5, 2) && d[7] == '-' && digits(8, 2))
    return std::string(d.substr(0, 4)) + std::string(d.substr(5, 2)) + std::string(d.substr(8, 2));
  return {};
}

ReadResult parse_article(std::string_view content, const ArticleSource& source, ParseDepth depth) {
  const std::string_view whole = content;
  if (content.size() > kMaxArticleBytes)
    return fail("file too large (" + std::to_string(content.size()) + " bytes, limit " +
                std::to_string(kMaxArticleBytes) + ")");
  if (is_blank(content)) return fail("empty file");
  if (content.substr(0, 8192).find('\0') != std::string_view::npos)
    return fail("binary file (NUL bytes), not Markdown");
  if (size_t bad = invalid_utf8_offset(content); bad != std::string_view::npos)
    return fail("invalid UTF-8 at byte " + std::to_string(bad), line_of(content, bad));
  if (content.substr(0, 3) == "\xEF\xBB\xBF") content.remove_prefix(3);

  FrontMatterResult fmr = read_front_matter(content);
  const FrontMatter& fm = fmr.front_matter;

  ReadResult result;
  Article& a = result.article;
  a.path = source.path;
  if (!fmr.error.empty()) {
    a.warnings.push_back(fmr.error + (fmr.error_line ? " (line " + std::to_string(fmr.error_line) + ")" : "") +
                         "; indexed without its front matter");
  } else if (!fm.present) {
    a.warnings.emplace_back("no front matter; locale and title taken from the path and text");
  }
  a.slug = std::filesystem::path(source.path).stem().string();
  if (auto loc = normalize_locale(field(fm, "ms.contentlocale")); loc) {
    a.locale = *loc;
  } else {
    a.locale = folder_locale(source.path);
    if (a.locale.empty()) a.locale = normalize_locale(source.default_locale).value_or("en-US");
  }
  a.fm_title = field(fm, "title");
  a.description = field(fm, "description");
  a.date = sortable_date(field(fm, "ms.date"));
  a.topic = field(fm, "ms.topic");
  a.service = field(fm, "ms.service");
  for (const auto& id : fm.custom_ids) {
    if (std::find(a.ids.begin(), a.ids.end(), id) == a.ids.end()) a.ids.push_back(id);
  }

  result.ok = true;
  result.body_offset = static_cast<size_t>(fmr.body.data() - whole.data());
  if (depth == ParseDepth::kHeader) return result;
  read_body(fmr.body, a);
  return result;
}

ReadResult parse_article_body(std::string_view content, ReadResult header) {
  if (header.ok && header.body_offset <= content.size()) read_body(content.substr(header.body_offset), header.article);
  return header;
}

namespace {

void read_body(std::string_view body, Article& a) {
  SxsSplit split = split_sxs(body);
  a.sxs = split.is_sxs;
  MarkdownText local = extract_markdown(split.localized);
  a.title = !local.h1.empty() ? local.h1 : !a.fm_title.empty() ? a.fm_title : a.slug;
  a.headings = std::move(local.headings);
  a.blocks = std::move(local.blocks);
  a.alt = std::move(local.alt);
  a.code = std::move(local.code);
  if (a.sxs) {
    MarkdownText en = extract_markdown(split.english);
    a.en_title = en.h1;
    if (!en.h1.empty()) a.english.push_back(en.h1);
    for (auto& h : en.headings) a.english.push_back(std::move(h));
    for (auto& b : en.blocks) a.english.push_back(std::move(b));
  }
  a.markdown = std::move(split.localized);
}

}  // namespace
}  // namespace helpsearch
