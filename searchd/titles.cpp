#include "titles.h"

#include <algorithm>
#include <optional>
#include <set>

#include "document.h"
#include "schema.h"
#include "text.h"

namespace helpsearch {
namespace {

/// Each pair of adjacent characters of s that are both outside ASCII (the
/// letters of scripts written without spaces are), as UTF-8.
std::vector<std::string> char_pairs(std::string_view s) {
  const std::vector<std::string_view> chars = code_points(s);
  std::vector<std::string> out;
  for (size_t k = 0; k + 1 < chars.size(); ++k) {
    if (static_cast<unsigned char>(chars[k][0]) >= 0x80 && static_cast<unsigned char>(chars[k + 1][0]) >= 0x80)
      out.push_back(std::string(chars[k]) + std::string(chars[k + 1]));
  }
  return out;
}

/// The value of a slot for each document in docid order: one pass down the
/// slot's value stream (a document's own values are looked up one seek each).
class SlotReader {
 public:
  SlotReader(const Xapian::Database& db, Xapian::valueno slot)
      : it_(db.valuestream_begin(slot)), end_(db.valuestream_end(slot)) {}
  std::string at(Xapian::docid did) {
    if (it_ != end_ && it_.get_docid() < did) it_.skip_to(did);
    return it_ != end_ && it_.get_docid() == did ? *it_ : std::string();
  }

 private:
  Xapian::ValueIterator it_, end_;
};

}  // namespace

TitleIndex::TitleIndex(Xapian::Database& db, std::string revision) : revision_(std::move(revision)) {
  SlotReader locale(db, schema::kSlotLocale), slug(db, schema::kSlotSlug), title(db, schema::kSlotTitle),
      ids(db, schema::kSlotIds);
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    Entry e;
    e.completion.locale = locale.at(*it);
    e.completion.slug = slug.at(*it);
    e.completion.key = e.completion.locale + "/" + e.completion.slug;
    e.completion.title = title.at(*it);
    const std::string article_ids = ids.at(*it);  // outlives the views split from it
    for (std::string_view id : split_nonempty(article_ids, ',')) e.completion.ids.emplace_back(id);
    e.folded = fold(e.completion.title);
    for (const Segment& s : segment_runs_whole(e.completion.title)) e.words.push_back(s.norm);
    Locale& l = by_locale_[e.completion.locale];
    const auto at = static_cast<uint32_t>(l.entries.size());
    for (const auto& w : e.words) l.words.emplace_back(w, at);
    for (auto& p : char_pairs(e.folded)) l.pairs.emplace_back(std::move(p), at);
    l.entries.push_back(std::move(e));
  }
  for (auto& [name, l] : by_locale_) {
    std::sort(l.words.begin(), l.words.end());
    std::sort(l.pairs.begin(), l.pairs.end());
    l.pairs.erase(std::unique(l.pairs.begin(), l.pairs.end()), l.pairs.end());
    l.pairs.shrink_to_fit();
  }
}

std::vector<uint32_t> TitleIndex::with_pair(const Locale& l, const std::string& pair) {
  std::vector<uint32_t> out;
  for (auto it = std::lower_bound(l.pairs.begin(), l.pairs.end(), std::make_pair(pair, uint32_t{0}));
       it != l.pairs.end() && it->first == pair; ++it)
    out.push_back(it->second);
  return out;
}

std::vector<uint32_t> TitleIndex::with_word(const Locale& l, const std::string& word, bool prefix) {
  std::vector<uint32_t> out;
  for (auto it = std::lower_bound(l.words.begin(), l.words.end(), std::make_pair(word, uint32_t{0}));
       it != l.words.end() && (prefix ? it->first.compare(0, word.size(), word) == 0 : it->first == word); ++it)
    out.push_back(it->second);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Completion> TitleIndex::complete(const std::string& q, const std::string& locale,
                                             size_t limit) const {
  const std::vector<Segment> segs = segment_runs_whole(q);
  if (segs.empty() || limit == 0) return {};
  const std::string folded_q = fold(q);
  struct Ranked {
    int prefix;      // 0: the title starts with what was typed, 1: a word of it does, 2: inside a word
    size_t where;    // byte position of the first match
    size_t length;   // shorter titles first
    const Entry* entry;
  };
  std::vector<Ranked> ranked;
  auto consider = [&](const Entry& e) {
    size_t first = std::string::npos;
    bool word_start = false;
    for (size_t i = 0; i < segs.size(); ++i) {
      const Segment& s = segs[i];
      const bool last = i + 1 == segs.size();
      size_t at = std::string::npos;
      if (s.kind == Segment::kRun) {
        at = e.folded.find(s.norm);
      } else {
        for (const auto& w : e.words) {
          if (last ? w.compare(0, s.norm.size(), s.norm) == 0 : w == s.norm) {
            at = e.folded.find(w);
            if (at == std::string::npos) at = 0;
            break;
          }
        }
      }
      if (at == std::string::npos) return;
      first = std::min(first, at);
      if (last) {
        for (const auto& w : e.words) word_start = word_start || w.compare(0, s.norm.size(), s.norm) == 0;
      }
    }
    const int tier = e.folded.compare(0, folded_q.size(), folded_q) == 0 ? 0 : word_start ? 1 : 2;
    ranked.push_back({tier, first, e.folded.size(), &e});
  };
  // A title can complete the query only if it holds each typed word (the
  // last one begun) and each typed run, so each character pair of it: the
  // titles of the rarest come from the sorted words and pairs. A query of
  // one-character runs alone needs every title.
  auto consider_all = [&](const Locale& l) {
    std::optional<std::vector<uint32_t>> fewest;
    auto fewer = [&](std::vector<uint32_t> these) {
      if (!fewest || these.size() < fewest->size()) fewest = std::move(these);
    };
    for (size_t i = 0; i < segs.size(); ++i) {
      if (segs[i].kind == Segment::kWord) {
        fewer(with_word(l, segs[i].norm, i + 1 == segs.size()));
      } else {
        for (const std::string& pair : char_pairs(segs[i].norm)) fewer(with_pair(l, pair));
      }
    }
    if (!fewest) {
      for (const auto& e : l.entries) consider(e);
      return;
    }
    for (uint32_t i : *fewest) consider(l.entries[i]);
  };
  if (locale.empty()) {
    for (const auto& [loc, l] : by_locale_) consider_all(l);
  } else if (auto it = by_locale_.find(locale); it != by_locale_.end()) {
    consider_all(it->second);
  }
  // Twice the limit sorted leaves room for the repeated titles dropped below.
  const auto sorted = ranked.begin() + static_cast<long>(std::min(ranked.size(), 2 * limit));
  std::partial_sort(ranked.begin(), sorted, ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    if (a.where != b.where) return a.where < b.where;
    if (a.length != b.length) return a.length < b.length;
    return a.entry->completion.key < b.entry->completion.key;
  });
  // Two articles of one locale with the same title are one suggestion (the
  // first by key): a list that repeats itself offers less.
  std::vector<Completion> out;
  std::set<std::pair<std::string_view, std::string_view>> shown;
  for (auto it = ranked.begin(); it != sorted && out.size() < limit; ++it) {
    const Entry& e = *it->entry;
    if (shown.emplace(e.completion.locale, e.folded).second) out.push_back(e.completion);
  }
  return out;
}

}  // namespace helpsearch
