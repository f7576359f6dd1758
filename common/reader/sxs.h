// The side-by-side ("sxs") localization format: each translated sentence is
// <span data-ttu-id="…">LOCALIZED</span><span class="sxs-lookup"><span
// data-stu-id="…">ENGLISH</span></span>. split_sxs() derives two Markdown
// documents from one: what readers see, and the English source.
#pragma once

#include <string>
#include <string_view>

namespace helpsearch {

/// The two Markdown documents of a side-by-side article.
struct SxsSplit {
  std::string localized;  ///< sxs-lookup spans removed, localized spans unwrapped
  std::string english;    ///< localized spans removed, English spans unwrapped
  bool is_sxs = false;    ///< at least one sentence pair was found
};

/// Splits Markdown into its localized and English sides. Plain Markdown
/// comes back unchanged in both, with is_sxs false.
SxsSplit split_sxs(std::string_view markdown);

}  // namespace helpsearch
