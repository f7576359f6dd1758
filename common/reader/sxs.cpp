#include "sxs.h"

#include <vector>

namespace helpsearch {
namespace {

constexpr std::string_view kOpen = "<span";
constexpr std::string_view kClose = "</span>";
constexpr size_t kNone = std::string_view::npos;

bool is_open_span(std::string_view s, size_t pos) {
  if (s.compare(pos, kOpen.size(), kOpen) != 0) return false;
  const size_t after = pos + kOpen.size();
  return after < s.size() && (s[after] == '>' || s[after] == ' ' || s[after] == '\t');
}

/// A <span …> or </span> tag: bytes [begin, end), and for an opening tag
/// the index of its matching closing tag (kNone when unbalanced).
struct Tag {
  size_t begin = 0, end = 0;
  bool open = false;
  size_t match = kNone;
};

/// Every span tag of s in one pass, openings matched to closings with a
/// stack: linear however unbalanced the markup. An opening tag ends at the
/// next '>' (found once, and shared by the '<'s before it); a self-closing
/// one encloses nothing.
std::vector<Tag> scan_tags(std::string_view s) {
  std::vector<Tag> tags;
  std::vector<size_t> open;  // indices of unmatched opening tags
  size_t gt = 0;             // the next '>' at or after the last one looked for
  bool gt_known = false;
  for (size_t pos = s.find('<'); pos != kNone; pos = s.find('<', pos)) {
    if (s.compare(pos, kClose.size(), kClose) == 0) {
      tags.push_back({pos, pos + kClose.size(), false});
      if (!open.empty()) {
        tags[open.back()].match = tags.size() - 1;
        open.pop_back();
      }
      pos += kClose.size();
      continue;
    }
    if (!is_open_span(s, pos)) {
      ++pos;
      continue;
    }
    if (!gt_known || gt < pos) {
      gt = s.find('>', pos);
      gt_known = true;
    }
    if (gt == kNone) break;  // no '>' left: no tags left either
    tags.push_back({pos, gt + 1, true});
    if (s[gt - 1] != '/') open.push_back(tags.size() - 1);
    pos = gt + 1;
  }
  return tags;
}

/// s[begin, end) without the span tags tags[first, last) that lie in it.
std::string unwrap_spans(std::string_view s, size_t begin, size_t end, const std::vector<Tag>& tags,
                         size_t first, size_t last) {
  std::string out;
  size_t pos = begin;
  for (size_t t = first; t < last; ++t) {
    out.append(s.substr(pos, tags[t].begin - pos));
    pos = tags[t].end;
  }
  out.append(s.substr(pos, end - pos));
  return out;
}

}  // namespace

SxsSplit split_sxs(std::string_view md) {
  SxsSplit out;
  out.localized.reserve(md.size() / 2);
  out.english.reserve(md.size() / 2);
  const std::vector<Tag> tags = scan_tags(md);
  size_t pos = 0;
  for (size_t t = 0; t < tags.size(); ++t) {
    const Tag& tag = tags[t];
    if (tag.begin < pos || !tag.open) continue;  // inside a sentence taken whole, or a stray </span>
    const std::string_view text = md.substr(tag.begin, tag.end - tag.begin);
    const bool lookup = text.find("sxs-lookup") != kNone;
    const bool localized = text.find("data-ttu-id") != kNone;
    if (!(lookup || localized) || tag.match == kNone) continue;  // kept as text
    out.localized.append(md.substr(pos, tag.begin - pos));
    out.english.append(md.substr(pos, tag.begin - pos));
    const Tag& close = tags[tag.match];
    std::string inner = unwrap_spans(md, tag.end, close.begin, tags, t + 1, tag.match);
    if (lookup) {
      out.english += inner;
      out.is_sxs = true;
    } else {
      out.localized += inner;
    }
    pos = close.end;
  }
  out.localized.append(md.substr(pos));
  out.english.append(md.substr(pos));
  return out;
}

}  // namespace helpsearch
