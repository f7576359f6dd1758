// In-memory title completions for as-you-type suggestions: every article's
// title, analyzed once per index revision, matched by prefix (last word) or
// substring (scripts without spaces).
#pragma once

#include <xapian.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "service.h"

namespace helpsearch {

/// The titles of one index revision, by locale.
class TitleIndex {
 public:
  /// Reads every article's title from db.
  TitleIndex(Xapian::Database& db, std::string revision);

  /// Index revision these titles come from.
  const std::string& revision() const { return revision_; }

  /// Titles completing q in locale ("" = all), best first.
  std::vector<Completion> complete(const std::string& q, const std::string& locale, size_t limit) const;

 private:
  struct Entry {
    Completion completion;
    std::string folded;               ///< folded title text
    std::vector<std::string> words;   ///< folded words and runs of the title
  };
  struct Locale {
    std::vector<Entry> entries;
    /// (word, entry index) sorted: the entries a typed prefix can complete.
    std::vector<std::pair<std::string, uint32_t>> words;
    /// (two adjacent non-ASCII characters, entry index) sorted: the entries
    /// that may hold a typed run of a script without spaces.
    std::vector<std::pair<std::string, uint32_t>> pairs;
  };
  /// Indexes of the entries of l with the word (or a word it begins, when prefix).
  static std::vector<uint32_t> with_word(const Locale& l, const std::string& word, bool prefix);
  /// Indexes of the entries of l whose folded title holds the character pair.
  static std::vector<uint32_t> with_pair(const Locale& l, const std::string& pair);
  std::map<std::string, Locale> by_locale_;
  std::string revision_;
};

}  // namespace helpsearch
