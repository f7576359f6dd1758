#include "http_head.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace helpsearch {
namespace {

// cpp-httplib's own bound on the request line, CRLF included (compiled into
// Debian's libcpp-httplib as CPPHTTPLIB_REQUEST_URI_MAX_LENGTH).
constexpr size_t kHttplibRequestLine = 8192;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// "%E5%AF%86" → the three bytes; ASCII escapes stay escaped (they may be delimiters).
std::string compact_target(std::string_view target) {
  std::string out;
  out.reserve(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == '%' && i + 2 < target.size()) {
      const int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
      if (hi >= 8 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += target[i];
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (;;) {
    const size_t crlf = head.find("\r\n", start);
    if (crlf == std::string_view::npos || crlf == start) break;  // end of head: the blank line
    lines.push_back(head.substr(start, crlf - start));
    start = crlf + 2;
  }
  return lines;
}

HeadCheck reject(HeadCheck c, int status, std::string code, std::string message) {
  c.status = status;
  c.code = std::move(code);
  c.message = std::move(message);
  c.head.clear();
  return c;
}

}  // namespace

size_t head_length(std::string_view buf) {
  const size_t end = buf.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 4;
}

HeadCheck check_head(std::string_view head, const HeadLimits& limits) {
  HeadCheck c;
  const std::vector<std::string_view> lines = split_lines(head);
  if (lines.empty()) return reject(c, 400, "bad_request", "the request has no request line");
  const std::string_view request_line = lines[0];
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  c.method = std::string(request_line.substr(0, sp1));
  if (sp2 != std::string_view::npos) c.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  if (request_line.size() > limits.max_request_line)
    return reject(c, 414, "uri_too_long",
                  "the request line is longer than " + std::to_string(limits.max_request_line) + " bytes");
  if (head.size() > limits.max_head_bytes)
    return reject(c, 431, "header_too_large",
                  "the request head is longer than " + std::to_string(limits.max_head_bytes) + " bytes");
  if (lines.size() - 1 > limits.max_headers)
    return reject(c, 431, "too_many_headers",
                  "the request has more than " + std::to_string(limits.max_headers) + " header fields");
  for (std::string_view line : lines) {
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
      return reject(c, 400, "bad_request", "the request head has a stray CR, LF or NUL");
  }
  const std::string_view version = sp2 == std::string_view::npos ? "" : request_line.substr(sp2 + 1);
  if (c.method.empty() || c.target.empty() || (version != "HTTP/1.1" && version != "HTTP/1.0"))
    return reject(c, 400, "bad_request", "the request line is not METHOD TARGET HTTP/1.1");
  if (c.method != "GET" && c.method != "HEAD" && c.method != "OPTIONS")
    return reject(c, 405, "method_not_allowed",
                  c.method + " is not allowed; the API answers " + kAllowedMethods);

  std::string out = c.method + " " + compact_target(c.target) + " " + std::string(version) + "\r\n";
  if (out.size() > kHttplibRequestLine)
    return reject(c, 414, "uri_too_long", "the request target is too long");
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const size_t colon = line.find(':');
    if (line[0] == ' ' || line[0] == '\t' || colon == std::string_view::npos || colon == 0 ||
        line.substr(0, colon).find_first_of(" \t") != std::string_view::npos)
      return reject(c, 400, "bad_request", "a header field is not NAME: VALUE");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if ((iequals(name, "Content-Length") && value != "0") || iequals(name, "Transfer-Encoding"))
      return reject(c, 400, "body_not_allowed", c.method + " requests take no body");
    if (iequals(name, "Range") || iequals(name, "If-Range")) continue;
    out.append(line).append("\r\n");
  }
  out += "\r\n";
  c.head = std::move(out);
  return c;
}

}  // namespace helpsearch
