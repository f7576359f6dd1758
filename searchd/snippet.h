// Snippets: the passage of an article that best shows why it matched, cut at
// character boundaries, HTML-escaped, with the matches in <mark>.
#pragma once

#include <string>
#include <string_view>

#include "query.h"

namespace helpsearch {

/// Longest snippet, in characters (code points), before "…" marks a cut.
inline constexpr size_t kSnippetChars = 160;

/// A snippet of localized text (blocks separated by '\n', the first being the
/// title); the English source is used only when the match is there alone.
std::string make_snippet(std::string_view text, std::string_view english, const QueryPlan& plan,
                         const Analyzer& local, size_t max_chars = kSnippetChars);

}  // namespace helpsearch
