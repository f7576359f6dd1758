// Locale names: normalization of what users and files write, the language
// (and so the stemmer) of a locale, and the fallback chain used by search.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace helpsearch {

/// Canonical form of a locale tag: "ja", "ja-jp", "ja_JP" → "ja-JP"; "zh-hant" → "zh-TW".
/// Returns nullopt for anything that is not a language[-region] tag.
std::optional<std::string> normalize_locale(std::string_view tag);

/// ISO 639-1 language of a canonical locale ("de-DE" → "de").
std::string language_of(std::string_view locale);

/// Snowball stemmer name for a language ("de" → "german"), "" when there is
/// none. The Xapian in use may lack a name listed here (Xapian 1.4 has no
/// "greek"): the Analyzer checks, and such a language is indexed unstemmed.
std::string stemmer_for(std::string_view language);

/// False for languages whose words the analyzer cuts into character n-grams
/// (Chinese, Japanese, Korean, Thai, Lao, Khmer, Burmese): they need no
/// stemmer, so its absence is not worth a warning.
bool needs_stemmer(std::string_view language);

/// The locales to try in order for a requested locale: itself, then the
/// configured fallbacks (zh-HK → zh-TW, pt-PT → pt-BR, …), then en-US.
std::vector<std::string> fallback_chain(std::string_view locale);

}  // namespace helpsearch
