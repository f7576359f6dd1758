// The request head as searchd accepts it, checked before cpp-httplib parses
// it: sizes, header count, methods, no body on a read-only API, no Range.
// Plain strings in and out, no sockets, so every rule is tested alone.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace helpsearch {

/// What a client may send in one request head (the README lists them).
struct HeadLimits {
  size_t max_request_line = 16 * 1024;  ///< bytes of "GET /target HTTP/1.1" → 414
  size_t max_head_bytes = 32 * 1024;    ///< request line and header fields → 431
  size_t max_headers = 64;              ///< header fields → 431
};

/// The verdict on one complete request head.
struct HeadCheck {
  int status = 0;         ///< 0: serve it; otherwise answer this status and close
  std::string code;       ///< error code of the JSON answer ("header_too_large")
  std::string message;    ///< its message, naming the limit
  std::string method;     ///< as sent ("GET"), for logs
  std::string target;     ///< as sent ("/v1/search?q=…"), for logs
  std::string head;       ///< the head to hand to cpp-httplib when status is 0
};

/// Bytes of the head at the start of buf, blank line included; npos while incomplete.
size_t head_length(std::string_view buf);

/// Checks a complete head (as found by head_length) and prepares it for
/// cpp-httplib: Range and If-Range fields are dropped (every answer is
/// dynamic or embedded, so it is sent whole), and percent-escapes of
/// non-ASCII bytes in the target are written as the bytes themselves (the
/// same decoded text in fewer bytes, so a 1,000-character CJK query fits
/// cpp-httplib's fixed 8,192-byte request line).
HeadCheck check_head(std::string_view head, const HeadLimits& limits);

/// The methods the API answers, for Allow.
inline constexpr const char* kAllowedMethods = "GET, HEAD, OPTIONS";

}  // namespace helpsearch
