#include "document.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "schema.h"

namespace helpsearch {
namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace

BuiltDocument build_document(const Article& a, const std::string& content_hash,
                             const Analyzer& local, const Analyzer& english) {
  BuiltDocument out;
  Xapian::Document& doc = out.doc;
  Xapian::termpos pos = 1;
  double words = 0;  // body words and run characters, for the length prior
  auto body = [&](const std::string& text, Xapian::termcount wdf) {
    std::vector<Segment> segs = segment(text);
    for (const Segment& s : segs) words += s.kind == Segment::kWord ? 1.0 : static_cast<double>(s.chars.size()) / 2;
    local.index(doc, segs, Field::kBody, pos, wdf);
    pos += schema::kBlockGap;
  };
  auto title = [&](const std::string& text) {
    const std::vector<Segment> segs = segment(text);
    if (!segs.empty()) {
      // The title's first word or character, just before the title: what a
      // query that starts the title matches (see schema::kTitleStart).
      const std::string first = segs[0].kind == Segment::kWord ? segs[0].norm : segs[0].chars[0].text;
      if (first.size() < schema::kMaxTermBytes) doc.add_posting(schema::kTitleStart + first, pos);
      if (segs[0].kind == Segment::kWord) add_leading_parts(doc, schema::kTitleStartPrefix, first);
      ++pos;
    }
    local.index(doc, segs, Field::kTitle, pos, 1);
    pos += schema::kBlockGap;
  };

  // The displayed title (the H1) is the article's title. A front matter title
  // that differs from it (a fifth of the corpus: an older wording, or one
  // copied from another article) is text like a heading: found, and found as
  // a phrase, but no title of the article, so that it never takes a query
  // from the article whose visible title that is.
  title(a.title);
  body(a.title, 2);
  doc.add_term(schema::kTitleExact + title_key(a.title), 1);
  if (!a.fm_title.empty() && title_key(a.fm_title) != title_key(a.title)) body(a.fm_title, 2);
  if (!a.description.empty()) body(a.description, 1);
  for (const auto& h : a.headings) body(h, 2);
  for (const auto& b : a.blocks) body(b, 1);
  for (const auto& t : a.alt) body(t, 1);
  for (const auto& c : a.code) body(c, 1);
  if (!a.en_title.empty()) {
    english.index(doc, a.en_title, Field::kEnglish, pos, 2);
    pos += schema::kBlockGap;
    doc.add_term(schema::kEnglishTitleExact + title_key(a.en_title), 1);
  }
  for (const auto& e : a.english) {
    english.index(doc, e, Field::kEnglish, pos, 1);
    pos += schema::kBlockGap;
  }

  const std::string key = a.key();
  doc.add_boolean_term(schema::kKey + key);
  doc.add_boolean_term(schema::kLocale + a.locale);
  for (const auto& id : a.ids) {
    if (id.size() < schema::kMaxTermBytes) doc.add_term(schema::kCustomId + fold(id), 1);
  }

  doc.add_value(schema::kSlotLocale, a.locale);
  doc.add_value(schema::kSlotSlug, a.slug);
  doc.add_value(schema::kSlotTitle, a.title);
  doc.add_value(schema::kSlotIds, join(a.ids, ","));
  doc.add_value(schema::kSlotContentHash, content_hash);
  doc.add_value(schema::kSlotSourcePath, a.path);
  doc.add_value(schema::kSlotMarkdown, a.markdown);
  const size_t title_chars = utf8_length(title_key(a.title));
  doc.add_value(schema::kSlotTitleInverse, Xapian::sortable_serialise(1.0 / std::max<double>(1, title_chars)));
  doc.add_value(schema::kSlotPrior,
                Xapian::sortable_serialise(std::min(1.0, std::sqrt(schema::kPriorPivot / std::max(1.0, words)))));

  std::vector<std::string> text_blocks;
  text_blocks.push_back(a.title);
  for (const auto& h : a.headings) text_blocks.push_back(h);
  for (const auto& b : a.blocks) text_blocks.push_back(b);
  StoredArticle stored{key,    a.locale,  a.slug,    a.title, a.en_title,  a.description, a.date, a.topic,
                       a.service, a.path, a.ids, join(text_blocks, "\n"), join(a.english, "\n")};
  doc.add_value(schema::kSlotStored, encode_stored(stored));
  out.spelling = spelling_words(doc);
  return out;
}

std::vector<std::string> spelling_words(const Xapian::Document& doc) {
  std::vector<std::string> out;
  // Body terms have no prefix; prefixes are capitals, and body terms are folded.
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    const std::string& w = *t;
    if (w.empty() || (w[0] >= 'A' && w[0] <= 'Z')) continue;
    if (w.size() < 3 || w.size() > 32 || utf8_length(w) < 3) continue;  // n-grams of runs are 1-2 characters
    const bool letters = std::all_of(w.begin(), w.end(), [](char ch) {
      const auto c = static_cast<unsigned char>(ch);
      return c >= 0x80 || (c >= 'a' && c <= 'z');
    });
    if (letters) out.push_back(w);
  }
  return out;
}

namespace {

// The stored form: a format byte, then each field as a varint byte count and
// its bytes, in StoredArticle's order; ids as a count, then each id.
constexpr char kStoredFormat = 1;

void put_varint(std::string& out, size_t n) {
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
}

void put(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out += s;
}

/// Reads from data at pos; false (and pos unchanged meaning nothing) when the data is cut short.
bool get_varint(std::string_view data, size_t& pos, size_t& n) {
  n = 0;
  for (unsigned shift = 0; pos < data.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<unsigned char>(data[pos++]);
    n |= static_cast<size_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

bool get(std::string_view data, size_t& pos, std::string& s) {
  size_t n = 0;
  if (!get_varint(data, pos, n) || n > data.size() - pos) return false;
  s.assign(data.substr(pos, n));
  pos += n;
  return true;
}

}  // namespace

std::string encode_stored(const StoredArticle& a) {
  std::string out(1, kStoredFormat);
  for (const std::string* f : {&a.key, &a.locale, &a.slug, &a.title, &a.en_title, &a.description, &a.date, &a.topic,
                               &a.service, &a.path})
    put(out, *f);
  put_varint(out, a.ids.size());
  for (const auto& id : a.ids) put(out, id);
  put(out, a.text);
  put(out, a.english);
  return out;
}

StoredArticle decode_stored(std::string_view data) {
  StoredArticle a;
  if (data.empty() || data[0] != kStoredFormat) return a;
  size_t pos = 1, ids = 0;
  for (std::string* f : {&a.key, &a.locale, &a.slug, &a.title, &a.en_title, &a.description, &a.date, &a.topic,
                         &a.service, &a.path})
    if (!get(data, pos, *f)) return StoredArticle{};
  if (!get_varint(data, pos, ids) || ids > data.size()) return StoredArticle{};
  a.ids.resize(ids);
  for (auto& id : a.ids)
    if (!get(data, pos, id)) return StoredArticle{};
  if (!get(data, pos, a.text) || !get(data, pos, a.english)) return StoredArticle{};
  return a;
}

StoredArticle read_stored(const Xapian::Document& doc) { return decode_stored(doc.get_value(schema::kSlotStored)); }

std::string stored_markdown(const Xapian::Document& doc) { return doc.get_value(schema::kSlotMarkdown); }

}  // namespace helpsearch
