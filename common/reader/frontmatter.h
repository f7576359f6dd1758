// YAML front matter of a help article, read with yaml-cpp (the only file
// that includes it).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace helpsearch {

/// Front matter as plain data: scalar fields by key, and the custom IDs.
struct FrontMatter {
  bool present = false;                        ///< the file opened with a --- block
  std::map<std::string, std::string> fields;   ///< scalar values ("title", "ms.date", …)
  std::vector<std::string> custom_ids;         ///< ms.custom, list or scalar, '' → none
};

/// Outcome of splitting a file into front matter and Markdown body.
struct FrontMatterResult {
  FrontMatter front_matter;
  std::string_view body;   ///< the Markdown after the closing ---
  std::string error;       ///< non-empty when the YAML is broken (fields are then empty)
  int error_line = 0;      ///< 1-based file line of the YAML error, 0 when unknown
};

/// Splits content (valid UTF-8, BOM removed) into front matter and body and
/// parses the YAML. A file without a front matter block has present == false.
FrontMatterResult read_front_matter(std::string_view content);

}  // namespace helpsearch
