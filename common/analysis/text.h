// Unicode text services behind a small interface with no ICU types in it:
// normalization, UTF-8 validation and ICU word segmentation into the
// segments that the analyzer turns into terms.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace helpsearch {

/// An ICU call failed: the text at hand cannot be analyzed (the indexer
/// reports it as the file's error; searchd answers 500).
struct IcuError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws IcuError naming call and ICU's error name when status (an ICU
/// UErrorCode) is a failure; warnings and U_ZERO_ERROR pass.
void check_icu(int status, const char* call);

/// NFKC + case folding (ICU "nfkc_cf"), then Traditional Chinese characters to
/// their Simplified form (fold_han): ＭＦＡ → mfa, ｱﾌﾟﾘ → アプリ, 密碼 → 密码.
std::string fold(std::string_view text);

/// Folds Han characters, one code point to one, to the Simplified form of
/// ICU's Hant-Hans transliteration (密碼 → 密码), so that either Chinese script
/// finds the other. Every other character is kept.
std::string fold_han(std::string text);

/// Byte offset of the first invalid UTF-8 sequence, or npos when valid.
size_t invalid_utf8_offset(std::string_view text);

/// Replaces invalid UTF-8 sequences by U+FFFD.
std::string sanitize_utf8(std::string_view text);

/// One character of a run written without spaces, after folding.
struct RunChar {
  std::string text;    ///< folded code point (UTF-8)
  uint32_t begin = 0;  ///< byte span in the source text
  uint32_t end = 0;
};

/// A word (space-delimited scripts, numbers, codes) or a run of a script
/// written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar, Hangul).
struct Segment {
  enum Kind { kWord, kRun };
  Kind kind = kWord;
  std::string norm;          ///< folded text of the word or of the whole run
  uint32_t begin = 0;        ///< byte span in the source text
  uint32_t end = 0;
  bool glued = false;        ///< no white space between the previous segment and this one
  std::vector<RunChar> chars;  ///< kRun: folded characters, one per code point
  /// kRun: ICU dictionary words as [first char index, char count).
  std::vector<std::pair<uint32_t, uint32_t>> words;
};

/// Segments text with ICU word boundaries. Runs longer than the break
/// iterator cap are handed to ICU in pieces but stay one run. Throws
/// IcuError when ICU fails.
std::vector<Segment> segment(std::string_view text);

/// segment() without the ICU dictionary words of runs: each stretch of
/// Han, kana, Thai, Lao, Khmer or Myanmar letters is one token of its run
/// (Segment::words holds it whole), never handed to ICU's dictionary
/// breaking, which costs most of segmenting such text. Every segment is
/// otherwise as segment() makes it (what highlighting needs: runs are
/// matched character by character, never by their dictionary words).
std::vector<Segment> segment_runs_whole(std::string_view text);

/// An ASCII letter or digit (a byte or a code point): a word boundary of the
/// analyzer never falls between two.
inline bool is_ascii_alnum(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/// Number of code points in valid UTF-8.
size_t utf8_length(std::string_view text);

/// The code points of UTF-8 text, each as a view of its bytes in text (an
/// ill-formed sequence is one code point of its bytes).
std::vector<std::string_view> code_points(std::string_view text);

/// The longest prefix of text of at most max_bytes that ends on a code point boundary.
std::string_view utf8_truncate(std::string_view text, size_t max_bytes);

/// The script most of the letters of text are written in, as a language
/// family to search: "ko" (Hangul), "th" (Thai), "ja" (any kana), "zh" (Han
/// without kana), "latin", or "" when text has no letters.
std::string query_script(std::string_view text);

/// Version of the ICU library in use ("72.1"); part of the analyzer fingerprint.
std::string icu_version();

}  // namespace helpsearch

namespace helpsearch {

/// The start of the grapheme cluster holding byte offset (never inside a
/// combining sequence), for cutting text at character boundaries.
size_t cluster_floor(std::string_view text, size_t offset);

/// The non-empty pieces of text between separators.
std::vector<std::string_view> split_nonempty(std::string_view text, char separator);

/// HTML-escapes &, <, >, " and '.
std::string html_escape(std::string_view text);

/// NFKC + case folding only (no Han folding): the form a query is counted in.
std::string fold_case(std::string_view text);

}  // namespace helpsearch
