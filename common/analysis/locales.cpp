#include "locales.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace helpsearch {
namespace {

// Default region of a bare language tag.
const std::map<std::string, std::string, std::less<>> kDefaultRegion = {
    {"ar", "SA"}, {"bg", "BG"}, {"ca", "ES"}, {"cs", "CZ"}, {"da", "DK"}, {"de", "DE"},
    {"el", "GR"}, {"en", "US"}, {"es", "ES"}, {"et", "EE"}, {"eu", "ES"}, {"fi", "FI"},
    {"fr", "FR"}, {"gl", "ES"}, {"he", "IL"}, {"hi", "IN"}, {"hr", "HR"}, {"hu", "HU"},
    {"id", "ID"}, {"it", "IT"}, {"ja", "JP"}, {"kk", "KZ"}, {"ko", "KR"}, {"lt", "LT"},
    {"lv", "LV"}, {"ms", "MY"}, {"nb", "NO"}, {"nl", "NL"}, {"pl", "PL"}, {"pt", "BR"},
    {"ro", "RO"}, {"ru", "RU"}, {"sk", "SK"}, {"sl", "SI"}, {"sr", "RS"}, {"sv", "SE"},
    {"th", "TH"}, {"tr", "TR"}, {"uk", "UA"}, {"vi", "VN"}, {"zh", "CN"},
};

const std::map<std::string, std::string, std::less<>> kStemmers = {
    {"ar", "arabic"},     {"ca", "catalan"},   {"da", "danish"},     {"de", "german"},
    {"el", "greek"},      {"en", "english"},   {"es", "spanish"},    {"eu", "basque"},
    {"fi", "finnish"},    {"fr", "french"},    {"ga", "irish"},      {"hu", "hungarian"},
    {"hy", "armenian"},   {"id", "indonesian"}, {"it", "italian"},   {"lt", "lithuanian"},
    {"nb", "norwegian"},  {"ne", "nepali"},    {"nl", "dutch"},      {"nn", "norwegian"},
    {"no", "norwegian"},  {"pt", "portuguese"}, {"ro", "romanian"},  {"ru", "russian"},
    {"sv", "swedish"},    {"ta", "tamil"},     {"tr", "turkish"},
};

const std::map<std::string, std::vector<std::string>, std::less<>> kFallbacks = {
    {"zh-HK", {"zh-TW"}}, {"zh-MO", {"zh-TW"}}, {"zh-SG", {"zh-CN"}},
    {"pt-PT", {"pt-BR"}}, {"pt-BR", {"pt-PT"}}, {"fr-CA", {"fr-FR"}},
    {"de-AT", {"de-DE"}}, {"de-CH", {"de-DE"}}, {"es-MX", {"es-ES"}},
    {"en-GB", {"en-US"}}, {"nb-NO", {"nn-NO"}},
};

bool all_alpha(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c); });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string> normalize_locale(std::string_view tag) {
  std::string t(tag);
  std::replace(t.begin(), t.end(), '_', '-');
  const size_t dash = t.find('-');
  std::string language = lower(t.substr(0, dash));
  std::string rest = dash == std::string::npos ? "" : t.substr(dash + 1);
  if (language.size() < 2 || language.size() > 3 || !all_alpha(language)) return std::nullopt;
  if (rest.empty()) {
    auto it = kDefaultRegion.find(language);
    if (it == kDefaultRegion.end()) return std::nullopt;
    return language + "-" + it->second;
  }
  std::string region = lower(rest);
  if (language == "zh") {
    if (region == "hant" || region == "hant-tw") return std::string("zh-TW");
    if (region == "hans" || region == "hans-cn") return std::string("zh-CN");
    if (region == "hant-hk") return std::string("zh-HK");
  }
  if (rest.size() != 2 || !all_alpha(rest)) return std::nullopt;
  return language + "-" + upper(rest);
}

std::string language_of(std::string_view locale) {
  return lower(locale.substr(0, locale.find('-')));
}

std::string stemmer_for(std::string_view language) {
  auto it = kStemmers.find(language);
  return it == kStemmers.end() ? std::string() : it->second;
}

std::vector<std::string> fallback_chain(std::string_view locale) {
  std::vector<std::string> chain{std::string(locale)};
  if (auto it = kFallbacks.find(locale); it != kFallbacks.end()) {
    for (const auto& f : it->second) chain.push_back(f);
  }
  if (std::find(chain.begin(), chain.end(), "en-US") == chain.end()) chain.emplace_back("en-US");
  return chain;
}

bool needs_stemmer(std::string_view language) {
  for (std::string_view runs : {"zh", "ja", "ko", "th", "lo", "km", "my"}) {
    if (language == runs) return false;
  }
  return true;
}

}  // namespace helpsearch
