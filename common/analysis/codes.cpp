#include "codes.h"

namespace helpsearch {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

bool all_of(const std::string& s, bool (*pred)(char)) {
  for (char c : s) {
    if (!pred(c)) return false;
  }
  return !s.empty();
}

bool has_digit(const std::string& s) {
  for (char c : s) {
    if (is_digit(c)) return true;
  }
  return false;
}

/// "0x" + 4..16 hex digits.
bool is_hex_code(const std::string& w) {
  return w.size() >= 6 && w.size() <= 18 && w[0] == '0' && w[1] == 'x' && all_of(w.substr(2), is_hex);
}

/// 2..10 letters then 4+ digits ("aadsts50011"): where the letters end, or 0.
size_t letters_then_digits(const std::string& w) {
  size_t k = 0;
  while (k < w.size() && is_lower(w[k])) ++k;
  if (k < 2 || k > 10 || w.size() - k < 4) return 0;
  return all_of(w.substr(k), is_digit) ? k : 0;
}

/// Digits separated by dots, three groups or more ("5.7.750", "4.4.7").
bool is_dotted(const std::string& w) {
  size_t groups = 0, run = 0;
  for (char c : w) {
    if (is_digit(c)) {
      ++run;
    } else if (c == '.' && run > 0) {
      ++groups;
      run = 0;
    } else {
      return false;
    }
  }
  return run > 0 && groups >= 2;
}

}  // namespace

std::vector<std::string> code_forms(const std::string& w) {
  if (w.size() > 64) return {};
  if (is_hex_code(w)) return {w, w.substr(2)};
  if (w.size() == 8 && all_of(w, is_hex) && has_digit(w)) return {w, "0x" + w};
  if (size_t k = letters_then_digits(w)) return {w, w.substr(k)};
  if (is_dotted(w)) return {w};
  if (w.size() >= 5 && all_of(w, is_digit)) return {w};
  return {};
}

std::vector<std::string> split_code_forms(const std::vector<Segment>& segs, size_t i) {
  if (i + 1 >= segs.size()) return {};
  const Segment& s = segs[i];
  const Segment& next = segs[i + 1];
  const bool pair = s.kind == Segment::kWord && next.kind == Segment::kWord && s.norm.size() >= 2 &&
                    s.norm.size() <= 10 && all_of(s.norm, is_lower) && next.norm.size() >= 4 &&
                    next.norm.size() <= 16 && all_of(next.norm, is_digit) && next.begin - s.end <= 1;
  if (!pair) return {};
  return {s.norm + next.norm, next.norm};
}

}  // namespace helpsearch
