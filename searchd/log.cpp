#include "log.h"

#include <unistd.h>

#include <cstdio>

#include "text.h"

namespace helpsearch {

std::string log_escape(const std::string& text) {
  const std::string clean = sanitize_utf8(text);
  std::string out;
  out.reserve(clean.size());
  for (unsigned char c : clean) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      out += esc;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void log_line(const std::string& line) {
  const std::string out = log_escape(line) + "\n";
  // One write(2) per line, so lines of concurrent requests never interleave.
  if (::write(STDERR_FILENO, out.data(), out.size()) < 0) { /* nowhere left to report it */ }
}

}  // namespace helpsearch
