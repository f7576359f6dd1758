#include "text.h"

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
#include <unicode/utypes.h>
#include <unicode/uvernum.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace helpsearch {
namespace {

/// Longest piece of text handed to the word break iterator at once. ICU's Han
/// dictionary is slow on long runs without break opportunities.
constexpr size_t kBreakCap = 768;

const icu::Normalizer2& nfkc_cf() {
  static const icu::Normalizer2* normalizer = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw IcuError("ICU nfkc_cf unavailable");
    return n;
  }();
  return *normalizer;
}

icu::BreakIterator& word_breaker() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) throw IcuError("ICU word break iterator unavailable");
    return it;
  }();
  return *iterator;
}

/// Traditional → Simplified Chinese, one code point to one, from ICU's
/// Hant-Hans transliterator, read once for every Han code point that it changes.
const std::unordered_map<UChar32, UChar32>& han_table() {
  static const std::unordered_map<UChar32, UChar32> table = [] {
    std::unordered_map<UChar32, UChar32> out;
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Hant-Hans", UTRANS_FORWARD, status));
    if (U_FAILURE(status) || !t) throw IcuError("ICU Hant-Hans transliterator unavailable");
    auto scan = [&](UChar32 first, UChar32 last) {
      for (UChar32 c = first; c <= last; ++c) {
        icu::UnicodeString s(c);
        t->transliterate(s);
        if (s.countChar32() == 1 && s.char32At(0) != c) out.emplace(c, s.char32At(0));
      }
    };
    scan(0x3400, 0x4DBF);    // CJK Extension A
    scan(0x4E00, 0x9FFF);    // CJK Unified Ideographs
    scan(0x20000, 0x2A6DF);  // CJK Extension B
    return out;
  }();
  return table;
}

/// The script of a character; USCRIPT_INVALID_CODE when ICU cannot say.
UScriptCode script_of(UChar32 c) {
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  return U_FAILURE(status) ? USCRIPT_INVALID_CODE : script;
}

bool is_nospace_script(UChar32 c) {
  switch (script_of(c)) {
    case USCRIPT_HAN:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_KATAKANA_OR_HIRAGANA:
    case USCRIPT_BOPOMOFO:
    case USCRIPT_HANGUL:
    case USCRIPT_THAI:
    case USCRIPT_LAO:
    case USCRIPT_KHMER:
    case USCRIPT_MYANMAR:
      return true;
    default:
      // Prolonged sound marks and (half-width) voiced sound marks are script Common.
      return c == 0x30FC || c == 0xFF70 || c == 0xFF9E || c == 0xFF9F || c == 0x3099 || c == 0x309A;
  }
}

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

/// End of the next piece for the break iterator: the whole rest when short,
/// else just after the last ASCII space or punctuation before the cap, else a
/// code point boundary at the cap.
size_t piece_end(std::string_view text, size_t start) {
  if (text.size() - start <= kBreakCap) return text.size();
  size_t limit = start + kBreakCap;
  for (size_t i = limit; i > start + kBreakCap / 2; --i) {
    unsigned char c = static_cast<unsigned char>(text[i - 1]);
    if (c < 0x80 && (is_ascii_space(static_cast<char>(c)) || std::ispunct(c))) return i;
  }
  while (limit > start && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) --limit;
  return limit;
}

struct TokenInfo {
  bool keep = false;
  bool nospace = false;
  size_t code_points = 0;
};

TokenInfo inspect(std::string_view token) {
  TokenInfo info;
  int32_t i = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(token.data());
  const auto n = static_cast<int32_t>(token.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    ++info.code_points;
    if (c < 0) continue;
    if (c < 0x80) {  // most of any text: no ICU property lookups
      if (is_ascii_alnum(c)) info.keep = true;
      continue;
    }
    if (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_isdigit(c) ||
        u_charType(c) == U_OTHER_NUMBER || u_charType(c) == U_LETTER_NUMBER)
      info.keep = true;
    if (is_nospace_script(c)) info.nospace = true;
  }
  return info;
}

void append_run(Segment& run, std::string_view source, uint32_t begin, uint32_t end,
                size_t source_code_points) {
  std::string folded = fold(source.substr(begin, end - begin));
  const std::vector<std::string_view> cps = code_points(folded);
  if (cps.empty()) return;
  const auto first = static_cast<uint32_t>(run.chars.size());
  if (cps.size() == source_code_points) {
    // One folded code point per source code point: exact spans.
    uint32_t pos = begin;
    const auto* p = reinterpret_cast<const uint8_t*>(source.data());
    for (std::string_view cp : cps) {
      int32_t i = static_cast<int32_t>(pos);
      UChar32 c;
      U8_NEXT(p, i, static_cast<int32_t>(end), c);
      (void)c;
      run.chars.push_back({std::string(cp), pos, static_cast<uint32_t>(i)});
      pos = static_cast<uint32_t>(i);
    }
  } else {
    for (std::string_view cp : cps) run.chars.push_back({std::string(cp), begin, end});
  }
  run.words.emplace_back(first, static_cast<uint32_t>(cps.size()));
  run.norm += folded;
  run.end = end;
}

}  // namespace

void check_icu(int status, const char* call) {
  const auto code = static_cast<UErrorCode>(status);
  if (U_FAILURE(code)) throw IcuError(std::string("ICU ") + call + " failed: " + u_errorName(code));
}

std::string fold(std::string_view text) {
  bool ascii = true;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      ascii = false;
      break;
    }
  }
  std::string out;
  if (ascii) {
    out.assign(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out);
  nfkc_cf().normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())),
                          sink, nullptr, status);
  check_icu(status, "Normalizer2::normalizeUTF8");
  return fold_han(out);
}

std::string fold_han(std::string text) {
  const auto& table = han_table();
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  std::string out;
  int32_t copied = 0;  // text[0, copied) is in out already
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0x3400) continue;
    auto it = table.find(c);
    if (it == table.end()) continue;
    out.append(text, static_cast<size_t>(copied), static_cast<size_t>(start - copied));
    char buf[4];
    int32_t len = 0;
    U8_APPEND_UNSAFE(reinterpret_cast<uint8_t*>(buf), len, it->second);
    out.append(buf, static_cast<size_t>(len));
    copied = i;
  }
  if (copied == 0) return text;
  out.append(text, static_cast<size_t>(copied), std::string::npos);
  return out;
}

size_t invalid_utf8_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) return static_cast<size_t>(start);
  }
  return std::string_view::npos;
}

std::string sanitize_utf8(std::string_view text) {
  if (invalid_utf8_offset(text) == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0)
      out += "\xEF\xBF\xBD";
    else
      out.append(text.substr(start, i - start));
  }
  return out;
}

namespace {

/// What segment() has made so far of a text.
struct Segmenting {
  std::string_view text;
  std::vector<Segment> out;
  uint32_t previous_end = 0;
  bool have_previous = false;
};

/// Adds the kept token text[begin, end) (see inspect()): a word, or a part
/// of a run that continues the run just before it.
void add_token(Segmenting& s, uint32_t begin, uint32_t end, const TokenInfo& info) {
  const std::string_view text = s.text;
  bool glued = s.have_previous;
  for (uint32_t k = s.previous_end; glued && k < begin; ++k) {
    if (is_ascii_space(text[k]) || static_cast<unsigned char>(text[k]) >= 0x80) {
      // Non-ASCII separators (ideographic space, 、。) also break glue.
      glued = false;
    }
  }
  std::vector<Segment>& out = s.out;
  if (info.nospace) {
    if (!out.empty() && out.back().kind == Segment::kRun && out.back().end == begin) {
      append_run(out.back(), text, begin, end, info.code_points);
    } else {
      Segment run;
      run.kind = Segment::kRun;
      run.begin = begin;
      run.end = begin;
      run.glued = glued;
      append_run(run, text, begin, end, info.code_points);
      if (!run.chars.empty()) out.push_back(std::move(run));
    }
  } else {
    Segment word;
    word.kind = Segment::kWord;
    word.norm = fold(text.substr(begin, end - begin));
    if (word.norm.empty()) return;
    word.begin = begin;
    word.end = end;
    word.glued = glued;
    out.push_back(std::move(word));
  }
  s.previous_end = end;
  s.have_previous = true;
}

/// Where ICU is handed the text in pieces (see piece_end()): cuts[k] to cuts[k + 1].
std::vector<size_t> piece_cuts(std::string_view text) {
  std::vector<size_t> cuts{0};
  while (cuts.back() < text.size()) cuts.push_back(piece_end(text, cuts.back()));
  return cuts;
}

/// Segments text[begin, end) with ICU's word boundaries, cut where the whole
/// text is cut into pieces (so that a part of a text segments as it does in it).
void break_words(Segmenting& s, const std::vector<size_t>& cuts, size_t begin, size_t end) {
  icu::BreakIterator& breaker = word_breaker();
  const std::string_view text = s.text;
  auto cut = std::upper_bound(cuts.begin(), cuts.end(), begin);
  for (size_t piece = begin; piece < end; ++cut) {
    const size_t end_of_piece = cut == cuts.end() ? end : std::min(end, *cut);
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UText, UText* (*)(UText*)> ut(
        utext_openUTF8(nullptr, text.data() + piece, static_cast<int64_t>(end_of_piece - piece), &status),
        utext_close);
    check_icu(status, "utext_openUTF8");
    breaker.setText(ut.get(), status);
    check_icu(status, "BreakIterator::setText");
    int32_t start = breaker.first();
    for (int32_t stop = breaker.next(); stop != icu::BreakIterator::DONE; start = stop, stop = breaker.next()) {
      const auto token_begin = static_cast<uint32_t>(piece + start);
      const auto token_end = static_cast<uint32_t>(piece + stop);
      const TokenInfo info = inspect(text.substr(token_begin, token_end - token_begin));
      if (info.keep) add_token(s, token_begin, token_end, info);
    }
    piece = end_of_piece;
  }
}

/// How a character stands to ICU's dictionary breaking (Han, kana, Thai,
/// Lao, Khmer, Myanmar): kDictionary, a letter or number of those scripts;
/// kJoiner, what ICU's word rules keep with the character before it (marks,
/// format characters) or count as kana (ー, voiced sound marks); kOther, the rest.
enum class DictionaryClass { kDictionary, kJoiner, kOther };

DictionaryClass dictionary_class(UChar32 c) {
  if (c < 0x80) return DictionaryClass::kOther;
  const int8_t type = u_charType(c);
  const bool joiner = type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK ||
                      (type == U_FORMAT_CHAR && c != 0x200B) || c == 0x30FC || c == 0xFF70 || c == 0xFF9E ||
                      c == 0xFF9F || (c >= 0x3031 && c <= 0x3035) || (c >= 0x3099 && c <= 0x309C) || c == 0x30A0;
  const UScriptCode script = script_of(c);
  const bool dictionary_script = script != USCRIPT_HANGUL && script != USCRIPT_BOPOMOFO && is_nospace_script(c);
  if (dictionary_script && (u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_isdigit(c) || type == U_OTHER_NUMBER ||
                            type == U_LETTER_NUMBER || joiner))
    return DictionaryClass::kDictionary;
  return joiner ? DictionaryClass::kJoiner : DictionaryClass::kOther;
}

/// Whether NFKC + case folding leaves text as it is (fold_han changes no count).
bool folds_to_itself(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const bool same = nfkc_cf().isNormalizedUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status);
  return U_SUCCESS(status) && same;
}

/// Whether the code point just before (after) byte offset at is an
/// ExtendNumLet of the word rules ("_", U+202F): ICU joins kana across it.
bool extend_num_let_at(std::string_view text, int32_t at, bool after) {
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  if (after ? at >= n : at <= 0) return false;
  UChar32 c;
  if (after)
    U8_NEXT(p, at, n, c);
  else
    U8_PREV(p, 0, at, c);
  return c >= 0 && u_getIntPropertyValue(c, UCHAR_WORD_BREAK) == U_WB_EXTENDNUMLET;
}

}  // namespace

std::vector<Segment> segment(std::string_view text) {
  Segmenting s{text, {}, 0, false};
  break_words(s, piece_cuts(text), 0, text.size());
  return std::move(s.out);
}

std::vector<Segment> segment_runs_whole(std::string_view text) {
  Segmenting s{text, {}, 0, false};
  const std::vector<size_t> cuts = piece_cuts(text);
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  size_t done = 0;  // text[0, done) is segmented
  int32_t i = 0;
  while (i < n) {
    // The next stretch: a dictionary character, then such characters and joiners
    // (joiners before it belong to what precedes them, as ICU keeps marks).
    int32_t first = -1, last = -1;
    size_t points = 0;
    while (i < n) {
      const int32_t at = i;
      UChar32 c;
      U8_NEXT(p, i, n, c);
      const DictionaryClass k = c < 0 ? DictionaryClass::kOther : dictionary_class(c);
      if (first < 0) {
        if (k == DictionaryClass::kDictionary) first = at;
        else continue;
      } else if (k == DictionaryClass::kOther) {
        i = at;
        break;
      }
      last = i;
      ++points;
    }
    if (first < 0) break;
    // ICU's after all: where its word rules join kana across the edge, or
    // where folding changes the number of characters (ำ, ｱ), whose spans
    // are then those of ICU's words.
    if (extend_num_let_at(text, first, false) || extend_num_let_at(text, last, true) ||
        !folds_to_itself(text.substr(static_cast<size_t>(first), static_cast<size_t>(last - first))))
      continue;
    break_words(s, cuts, done, static_cast<size_t>(first));
    add_token(s, static_cast<uint32_t>(first), static_cast<uint32_t>(last), TokenInfo{true, true, points});
    done = static_cast<size_t>(last);
  }
  break_words(s, cuts, done, text.size());
  return std::move(s.out);
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::vector<std::string_view> code_points(std::string_view text) {
  std::vector<std::string_view> out;
  int32_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    (void)c;
    out.push_back(text.substr(static_cast<size_t>(start), static_cast<size_t>(i - start)));
  }
  return out;
}

std::string_view utf8_truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string query_script(std::string_view text) {
  size_t hangul = 0, thai = 0, kana = 0, han = 0, latin = 0;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0) continue;
    switch (script_of(c)) {
      case USCRIPT_HANGUL: ++hangul; break;
      case USCRIPT_THAI: ++thai; break;
      case USCRIPT_HIRAGANA:
      case USCRIPT_KATAKANA: ++kana; break;
      case USCRIPT_HAN: ++han; break;
      case USCRIPT_LATIN: ++latin; break;
      default: break;
    }
  }
  if (kana > 0) return "ja";
  const size_t best = std::max({hangul, thai, han, latin});
  if (best == 0) return "";
  if (best == hangul) return "ko";
  if (best == thai) return "th";
  if (best == han) return "zh";
  return "latin";
}

std::string icu_version() { return U_ICU_VERSION; }

}  // namespace helpsearch

namespace helpsearch {

size_t cluster_floor(std::string_view text, size_t offset) {
  if (offset >= text.size()) return text.size();
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  auto n = static_cast<int32_t>(text.size());
  auto i = static_cast<int32_t>(offset);
  U8_SET_CP_START(s, 0, i);
  while (i > 0) {
    int32_t j = i;
    UChar32 c;
    U8_NEXT(s, j, n, c);
    const int8_t type = c < 0 ? 0 : u_charType(c);
    const bool extends = type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK ||
                         type == U_ENCLOSING_MARK || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F);
    if (!extends) break;
    U8_BACK_1(s, 0, i);
  }
  return static_cast<size_t>(i);
}

std::vector<std::string_view> split_nonempty(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(separator, pos);
    if (end == std::string_view::npos) end = text.size();
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fold_case(std::string_view text) {
  std::string out;
  UErrorCode status = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out);
  nfkc_cf().normalizeUTF8(0, icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), sink, nullptr,
                          status);
  check_icu(status, "Normalizer2::normalizeUTF8");
  return out;
}

}  // namespace helpsearch
