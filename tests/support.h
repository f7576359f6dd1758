// Test fixtures: the project's data/ folder and an index of it.
#pragma once

#include <string>

namespace helpsearch::test {

/// The project's source folder.
std::string source_dir();

/// A fresh empty folder under the system temp folder, removed at exit.
std::string temp_dir();

/// Path of an index of data/, built once per test process.
const std::string& sample_index();

/// Writes a file (creating parent folders).
void write_file(const std::string& path, const std::string& content);

/// When HELPSEARCH_RECORD_RESPONSES names a file, appends one JSON line
/// {method, path, status, content_type, body} to it: tests/openapi/run.sh
/// checks every recorded answer against the schemas searchd/openapi.json declares.
void record_response(const std::string& method, const std::string& path, int status,
                     const std::string& content_type, const std::string& body);

}  // namespace helpsearch::test
