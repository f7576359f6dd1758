#include "synonyms.h"

#include <fstream>
#include <sstream>

#include "analyzer.h"
#include "text.h"

namespace helpsearch {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

size_t Synonyms::load(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::vector<std::string> members;
    std::istringstream parts(line);
    std::string part;
    while (std::getline(parts, part, '|')) {
      std::string m = trim(part);
      if (!m.empty()) members.push_back(m);
    }
    std::vector<Member> group;
    for (auto& m : members) {
      std::vector<Segment> segs = segment(m);
      if (segs.empty()) continue;
      std::string key = title_key(segs);
      group.push_back({std::move(m), std::move(key), std::move(segs)});
    }
    if (group.size() < 2) continue;
    for (const Member& m : group) {
      max_segments_ = std::max(max_segments_, m.segments.size());
      by_key_.emplace(m.key, groups_.size());
    }
    groups_.push_back(std::move(group));
  }
  return groups_.size();
}

bool Synonyms::load_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error) *error = "cannot read synonyms file " + path;
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  load(sanitize_utf8(buf.str()));
  return true;
}

const std::vector<Synonyms::Member>* Synonyms::group_of(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &groups_[it->second];
}

}  // namespace helpsearch
