#include "document.h"

#include <nlohmann/json.hpp>

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
      ++pos;
    }
    local.index(doc, segs, Field::kTitle, pos, 1);
    pos += schema::kBlockGap;
  };

  // The displayed title (the H1) is the known item; the front matter title,
  // often a variant of it, is searchable as a title but not an exact match.
  title(a.title);
  body(a.title, 2);
  doc.add_term(schema::kTitleExact + title_key(a.title), 1);
  if (!a.fm_title.empty() && title_key(a.fm_title) != title_key(a.title)) {
    title(a.fm_title);
    body(a.fm_title, 1);
  }
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
  doc.add_value(schema::kSlotTitleInverse,
                Xapian::sortable_serialise(1.0 / std::max<double>(1, utf8_length(title_key(a.title)))));
  doc.add_value(schema::kSlotPrior,
                Xapian::sortable_serialise(std::min(1.0, std::sqrt(schema::kPriorPivot / std::max(1.0, words)))));

  std::vector<std::string> text_blocks;
  text_blocks.push_back(a.title);
  for (const auto& h : a.headings) text_blocks.push_back(h);
  for (const auto& b : a.blocks) text_blocks.push_back(b);
  nlohmann::json data = {
      {"key", key},           {"locale", a.locale},         {"slug", a.slug},
      {"title", a.title},     {"en_title", a.en_title},     {"description", a.description},
      {"ids", a.ids},         {"date", a.date},             {"topic", a.topic},
      {"service", a.service}, {"path", a.path},             {"text", join(text_blocks, "\n")},
      {"english", join(a.english, "\n")},
  };
  doc.set_data(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
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

StoredArticle read_stored(const Xapian::Document& doc) {
  StoredArticle s;
  nlohmann::json j = nlohmann::json::parse(doc.get_data(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return s;
  auto str = [&](const char* k) { return j.value(k, std::string()); };
  s.key = str("key");
  s.locale = str("locale");
  s.slug = str("slug");
  s.title = str("title");
  s.en_title = str("en_title");
  s.description = str("description");
  s.date = str("date");
  s.topic = str("topic");
  s.service = str("service");
  s.path = str("path");
  s.text = str("text");
  s.english = str("english");
  if (j.contains("ids") && j["ids"].is_array()) {
    for (const auto& id : j["ids"]) {
      if (id.is_string()) s.ids.push_back(id.get<std::string>());
    }
  }
  return s;
}

std::string stored_markdown(const Xapian::Document& doc) { return doc.get_value(schema::kSlotMarkdown); }

}  // namespace helpsearch
