// Filler words: the words around a help topic that carry no topic themselves
// (how, do, I, 如何, どうすれば, ですか, 방법, อย่างไร, wie, comment …). A query
// word that is filler may add weight but never decides whether an article
// matches. The lists are the data files data/filler/<language>.txt, built
// into the program; ICU segmentation decides what a word is.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace helpsearch {

/// The filler words that apply to one query language.
class FillerWords {
 public:
  /// The lists for language (ISO 639-1, "de"): that language's own list for
  /// words of scripts written with spaces, and the lists of every language
  /// written without spaces (zh, ja, ko, th …) for runs, whose scripts tell
  /// them apart already. An unknown language has only the latter.
  explicit FillerWords(std::string_view language);

  /// True for a folded word of a space-delimited script that is filler.
  bool is_filler_word(const std::string& word) const { return words_.count(word) > 0; }

  /// True for a folded dictionary word of a run (CJK, Thai, Hangul) that is filler.
  bool is_filler_run_word(const std::string& word) const { return run_words_.count(word) > 0; }

  /// The [first, last) characters of run that are topic: the run without its
  /// leading and trailing filler dictionary words. Empty (first == last) when
  /// the run is all filler.
  std::pair<size_t, size_t> topic_span(const Segment& run) const;

  /// The lists for language, read once per process and shared (immutable).
  static const FillerWords& of(const std::string& language);

  /// Languages that have a list (for tests and the README).
  static std::vector<std::string> languages();

 private:
  std::set<std::string> words_;
  std::set<std::string> run_words_;
};

}  // namespace helpsearch
