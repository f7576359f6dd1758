#include "frontmatter.h"

#include <yaml-cpp/yaml.h>

namespace helpsearch {
namespace {

/// Position just past the line that starts at pos, and that line's text.
std::pair<size_t, std::string_view> next_line(std::string_view s, size_t pos) {
  size_t nl = s.find('\n', pos);
  size_t end = nl == std::string_view::npos ? s.size() : nl;
  std::string_view line = s.substr(pos, end - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return {nl == std::string_view::npos ? s.size() : nl + 1, line};
}

bool is_fence(std::string_view line) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line == "---";
}

void split_ids(const std::string& value, std::vector<std::string>& out) {
  std::string current;
  for (char c : value + ",") {
    if (c == ',' || c == ' ' || c == ';' || c == '\t') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else if (c != '"' && c != '\'') {
      current += c;
    }
  }
}

void collect_ids(const YAML::Node& node, std::vector<std::string>& out) {
  if (node.IsScalar()) {
    split_ids(node.Scalar(), out);
  } else if (node.IsSequence()) {
    for (const auto& item : node) collect_ids(item, out);
  }
}

}  // namespace

FrontMatterResult read_front_matter(std::string_view content) {
  FrontMatterResult result;
  result.body = content;
  auto [after_first, first] = next_line(content, 0);
  if (!is_fence(first)) return result;
  size_t pos = after_first;
  int line_no = 2;
  while (pos < content.size()) {
    auto [next, line] = next_line(content, pos);
    if (is_fence(line) || line == "...") {
      result.front_matter.present = true;
      result.body = content.substr(next);
      std::string yaml(content.substr(after_first, pos - after_first));
      try {
        YAML::Node root = YAML::Load(yaml);
        if (root.IsNull()) return result;
        if (!root.IsMap()) {
          result.error = "front matter is not a YAML mapping";
          result.error_line = 2;
          return result;
        }
        for (const auto& kv : root) {
          const std::string key = kv.first.as<std::string>("");
          if (key == "ms.custom") {
            collect_ids(kv.second, result.front_matter.custom_ids);
          } else if (kv.second.IsScalar()) {
            result.front_matter.fields[key] = kv.second.Scalar();
          }
        }
      } catch (const YAML::Exception& e) {
        result.front_matter = FrontMatter{};
        result.front_matter.present = true;
        result.error = "broken YAML front matter: " + e.msg;
        result.error_line = e.mark.line >= 0 ? e.mark.line + 2 : 0;
      }
      return result;
    }
    pos = next;
    ++line_no;
  }
  result.error = "front matter opened with --- on line 1 is never closed";
  result.error_line = 1;
  return result;
}

}  // namespace helpsearch
