#include "analyzer.h"

#include <cstdio>

#include "codes.h"
#include "locales.h"
#include "schema.h"

namespace helpsearch {
namespace {

constexpr const char* kAnalyzerVersion = "11";
constexpr size_t kDictWordMin = 3;    // dictionary words shorter than this are n-grams already
constexpr size_t kStemMemo = 50000;   // stems remembered per analyzer (a few MB)
constexpr size_t kStemMaxBytes = 64;  // longer "words" are identifiers: no stem

bool stemmable(std::string_view word) {
  if (word.size() > kStemMaxBytes) return false;
  for (unsigned char c : word) {
    if (c < 0x80 && !(c >= 'a' && c <= 'z') && c != '\'') return false;
  }
  return true;
}

void add_posting(Xapian::Document& doc, const std::string& term, Xapian::termpos pos,
                 Xapian::termcount wdf) {
  if (term.size() <= schema::kMaxTermBytes) doc.add_posting(term, pos, wdf);
}

}  // namespace

void add_leading_parts(Xapian::Document& doc, const std::string& prefix, std::string_view word,
                       Xapian::termcount wdf) {
  size_t chars = 0;
  for (size_t end = 1; end <= word.size() && chars < schema::kMaxEdgeChars; ++end) {
    // A leading part ends before a byte that starts a code point (or at the end).
    if (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) continue;
    ++chars;
    if (end + prefix.size() <= schema::kMaxTermBytes) doc.add_term(prefix + std::string(word.substr(0, end)), wdf);
  }
}

const char* exact_prefix(Field field) {
  switch (field) {
    case Field::kTitle:
      return schema::kTitle;
    case Field::kEnglish:
      return schema::kEnglish;
    case Field::kBody:
      break;
  }
  return schema::kBody;
}

const char* stem_prefix(Field field) {
  switch (field) {
    case Field::kTitle:
      return schema::kTitleStem;
    case Field::kEnglish:
      return schema::kEnglishStem;
    case Field::kBody:
      break;
  }
  return schema::kBodyStem;
}

/// The Snowball stemmer of a language, or none when this Xapian has no such stemmer.
static Xapian::Stem make_stemmer(const std::string& language) {
  const std::string name = stemmer_for(language);
  if (name.empty()) return {};
  const std::string available = " " + Xapian::Stem::get_available_languages() + " ";
  if (available.find(" " + name + " ") == std::string::npos) return {};
  return Xapian::Stem(name);
}

Analyzer::Analyzer(std::string_view language) : language_(language), stemmer_(make_stemmer(language_)) {}

std::string Analyzer::stem(std::string_view word) const {
  if (stemmer_.is_none() || !stemmable(word)) return {};
  std::string w(word);
  if (auto it = stems_.find(w); it != stems_.end()) return it->second;
  if (stems_.size() >= kStemMemo) stems_.clear();
  std::string stem = stemmer_(w);
  stems_.emplace(std::move(w), stem);
  return stem;
}

void Analyzer::index(Xapian::Document& doc, std::string_view text, Field field,
                     Xapian::termpos& pos, Xapian::termcount wdf) const {
  index(doc, segment(text), field, pos, wdf);
}

void Analyzer::index(Xapian::Document& doc, const std::vector<Segment>& segments, Field field,
                     Xapian::termpos& pos, Xapian::termcount wdf) const {
  const std::string prefix = exact_prefix(field);
  const std::string zprefix = stem_prefix(field);
  for (const Segment& seg : segments) {
    if (seg.kind == Segment::kWord) {
      add_posting(doc, prefix + seg.norm, pos, wdf);
      if (std::string s = stem(seg.norm); !s.empty()) doc.add_term(zprefix + s, wdf);
      if (field == Field::kBody) {
        for (const std::string& code : code_forms(seg.norm)) doc.add_term(schema::kCode + code, wdf);
      }
      if (field == Field::kTitle) add_leading_parts(doc, schema::kTitlePrefix, seg.norm, wdf);
      ++pos;
      continue;
    }
    const size_t n = seg.chars.size();
    for (size_t i = 0; i < n; ++i) {
      const auto p = static_cast<Xapian::termpos>(pos + i);
      add_posting(doc, prefix + seg.chars[i].text, p, wdf);
      if (i + 1 < n) add_posting(doc, prefix + seg.chars[i].text + seg.chars[i + 1].text, p, wdf);
    }
    if (field == Field::kBody) {
      for (auto [first, count] : seg.words) {
        if (count < kDictWordMin) continue;
        std::string word;
        for (uint32_t k = first; k < first + count; ++k) word += seg.chars[k].text;
        if (word.size() <= schema::kMaxTermBytes) doc.add_term(schema::kDictWord + word, wdf);
      }
    }
    pos += static_cast<Xapian::termpos>(n);
  }
}

std::string Analyzer::fingerprint() {
  return std::string("helpsearch-analyzer/") + kAnalyzerVersion + " schema/" +
         schema::kSchemaVersion + " icu/" + icu_version() + " xapian/" +
         Xapian::version_string() + " ngram/1-2 dictword/3 han/Hant-Hans codes/1";
}

std::string fnv1a_hex(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string title_key(const std::vector<Segment>& segments) {
  std::string key;
  for (const Segment& seg : segments) {
    if (!key.empty()) key += ' ';
    key += seg.norm;
  }
  if (key.size() > schema::kMaxTermBytes - 20) {
    key = std::string(utf8_truncate(key, schema::kMaxTermBytes - 40)) + "#" + fnv1a_hex(key);
  }
  return key;
}

std::string title_key(std::string_view title) { return title_key(segment(title)); }

}  // namespace helpsearch
