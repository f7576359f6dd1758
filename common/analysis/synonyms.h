// Synonym groups (data/synonyms.txt): "mfa | multi-factor authentication |
// 多要素認証". Members are matched on analyzed text, so "Multi-Factor
// authentication" and "ＭＦＡ" find their group.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"

namespace helpsearch {

/// A set of synonym groups.
class Synonyms {
 public:
  /// Parses the text of a synonyms file: one group per line, members
  /// separated by '|', '#' starting a comment. Returns the number of groups.
  size_t load(std::string_view text);

  /// Reads a synonyms file; false (and error set) when it cannot be read.
  bool load_file(const std::string& path, std::string* error);

  /// One member of a group, analyzed once when the file is loaded.
  struct Member {
    std::string text;               ///< as written in the file
    std::string key;                ///< title_key() of its segments
    std::vector<Segment> segments;  ///< what the analyzer makes of it
  };

  /// Members of the group whose member has this key (see title_key()), or nullptr.
  const std::vector<Member>* group_of(const std::string& key) const;

  /// Longest member, in segments; bounds the search for members in a query.
  size_t max_segments() const { return max_segments_; }

  /// Number of groups.
  size_t size() const { return groups_.size(); }

 private:
  std::vector<std::vector<Member>> groups_;
  std::map<std::string, size_t> by_key_;
  size_t max_segments_ = 0;
};

}  // namespace helpsearch
