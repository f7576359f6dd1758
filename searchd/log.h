// The daemon's log: one line per event on stderr.
#pragma once

#include <string>

namespace helpsearch {

/// Writes one line on stderr with control characters and invalid UTF-8
/// escaped, so nothing a client sends can forge or split a line.
void log_line(const std::string& line);

/// text with control characters and backslashes written as \\xNN, invalid UTF-8 replaced.
std::string log_escape(const std::string& text);

}  // namespace helpsearch
