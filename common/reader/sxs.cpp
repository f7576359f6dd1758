#include "sxs.h"

namespace helpsearch {
namespace {

constexpr std::string_view kOpen = "<span";
constexpr std::string_view kClose = "</span>";

bool is_open_span(std::string_view s, size_t pos) {
  if (s.compare(pos, kOpen.size(), kOpen) != 0) return false;
  const size_t after = pos + kOpen.size();
  return after < s.size() && (s[after] == '>' || s[after] == ' ' || s[after] == '\t');
}

/// Given the position just after an opening <span …> tag, the position of
/// its matching </span>, or npos when the markup is unbalanced.
size_t matching_close(std::string_view s, size_t pos) {
  int depth = 1;
  while (pos < s.size()) {
    size_t lt = s.find('<', pos);
    if (lt == std::string_view::npos) return lt;
    if (s.compare(lt, kClose.size(), kClose) == 0) {
      if (--depth == 0) return lt;
      pos = lt + kClose.size();
    } else if (is_open_span(s, lt)) {
      size_t gt = s.find('>', lt);
      if (gt == std::string_view::npos) return gt;
      if (s[gt - 1] != '/') ++depth;
      pos = gt + 1;
    } else {
      pos = lt + 1;
    }
  }
  return std::string_view::npos;
}

/// Removes every <span …> and </span> tag, keeping what they enclose.
std::string unwrap_spans(std::string_view s) {
  std::string out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t lt = s.find('<', pos);
    if (lt == std::string_view::npos) lt = s.size();
    out.append(s.substr(pos, lt - pos));
    if (lt == s.size()) break;
    if (s.compare(lt, kClose.size(), kClose) == 0) {
      pos = lt + kClose.size();
    } else if (is_open_span(s, lt) && s.find('>', lt) != std::string_view::npos) {
      pos = s.find('>', lt) + 1;
    } else {
      out += '<';
      pos = lt + 1;
    }
  }
  return out;
}

}  // namespace

SxsSplit split_sxs(std::string_view md) {
  SxsSplit out;
  out.localized.reserve(md.size() / 2);
  out.english.reserve(md.size() / 2);
  size_t pos = 0;
  while (pos < md.size()) {
    size_t lt = md.find("<span", pos);
    if (lt == std::string_view::npos) lt = md.size();
    out.localized.append(md.substr(pos, lt - pos));
    out.english.append(md.substr(pos, lt - pos));
    if (lt == md.size()) break;
    size_t gt = md.find('>', lt);
    if (!is_open_span(md, lt) || gt == std::string_view::npos) {
      out.localized += '<';
      out.english += '<';
      pos = lt + 1;
      continue;
    }
    std::string_view tag = md.substr(lt, gt + 1 - lt);
    const bool lookup = tag.find("sxs-lookup") != std::string_view::npos;
    const bool localized = tag.find("data-ttu-id") != std::string_view::npos;
    size_t close = (lookup || localized) ? matching_close(md, gt + 1) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out.localized.append(tag);
      out.english.append(tag);
      pos = gt + 1;
      continue;
    }
    std::string inner = unwrap_spans(md.substr(gt + 1, close - gt - 1));
    if (lookup) {
      out.english += inner;
      out.is_sxs = true;
    } else {
      out.localized += inner;
    }
    pos = close + kClose.size();
  }
  return out;
}

}  // namespace helpsearch
