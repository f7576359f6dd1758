// The one analyzer of helpsearch: turns text into Xapian terms and positions
// at index time, and gives the query side the very same terms (query.h builds
// on it), so index and query analysis cannot drift.
//
// Words of space-delimited scripts become an exact positional term plus a
// Snowball stem (by language); runs of scripts written without spaces become
// positional character unigrams and bigrams (any substring a user types is a
// phrase of bigrams), plus their ICU dictionary words of 3+ characters.
#pragma once

#include <xapian.h>

#include <string>
#include <unordered_map>
#include <string_view>

#include "text.h"

namespace helpsearch {

/// The free-text fields of the schema (see schema.h for their prefixes).
enum class Field { kBody, kTitle, kEnglish };

/// Exact-term prefix of a field.
const char* exact_prefix(Field field);
/// Stem prefix of a field.
const char* stem_prefix(Field field);

/// Adds prefix + each leading part (1 to schema::kMaxEdgeChars characters)
/// of a folded word, without positions: what an unfinished word typed so far
/// matches (no query puts one in a phrase).
void add_leading_parts(Xapian::Document& doc, const std::string& prefix, std::string_view word,
                       Xapian::termcount wdf = 1);

/// Analyzer for one language. Holds a Snowball stemmer, so it is not
/// thread-safe: give each thread its own.
class Analyzer {
 public:
  /// language: ISO 639-1 code ("de", "ja"); the stemmer is chosen from it.
  /// A language whose stemmer this Xapian lacks (or that has none) is
  /// analyzed without stems; never an error.
  explicit Analyzer(std::string_view language);

  /// True when words are stemmed (a Snowball stemmer exists for the language).
  bool stems() const { return !stemmer_.is_none(); }

  /// Language this analyzer was made for.
  const std::string& language() const { return language_; }

  /// Indexes text into doc under field, with positions from pos (advanced
  /// past the text), each occurrence adding wdf to its term.
  void index(Xapian::Document& doc, std::string_view text, Field field, Xapian::termpos& pos,
             Xapian::termcount wdf = 1) const;

  /// Indexes already segmented text (see index()).
  void index(Xapian::Document& doc, const std::vector<Segment>& segments, Field field,
             Xapian::termpos& pos, Xapian::termcount wdf = 1) const;

  /// Snowball stem of a folded word, or "" when the word is not stemmed
  /// (no stemmer for the language, or the word holds digits or symbols).
  std::string stem(std::string_view word) const;

  /// Identifies everything that decides which terms text becomes (analyzer
  /// version, ICU and Xapian versions, n-gram sizes, schema version).
  static std::string fingerprint();

 private:
  std::string language_;
  Xapian::Stem stemmer_;
  /// Stems already computed (a Snowball run costs more than a lookup; help
  /// text repeats its words), dropped whole when it reaches kStemMemo.
  mutable std::unordered_map<std::string, std::string> stems_;
};

/// Normalized key of a whole title: its segments' folded text joined by one
/// space ("Outlook の MFA" → "outlook の mfa"), hashed past the term size limit.
std::string title_key(std::string_view title);

/// Key of already segmented text (see title_key()).
std::string title_key(const std::vector<Segment>& segments);

/// 64-bit FNV-1a of bytes as 16 hex digits.
std::string fnv1a_hex(std::string_view bytes);

}  // namespace helpsearch
