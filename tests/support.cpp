#include "support.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "indexer.h"

namespace fs = std::filesystem;

namespace helpsearch::test {
namespace {

struct Cleanup {
  std::vector<std::string> dirs;
  ~Cleanup() {
    for (const auto& d : dirs) {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  }
};

Cleanup& cleanup() {
  static Cleanup c;
  return c;
}

}  // namespace

std::string source_dir() { return HELPSEARCH_SOURCE_DIR; }

std::string temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "helpsearch-test-XXXXXX").string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  cleanup().dirs.emplace_back(buf.data());
  return buf.data();
}

const std::string& sample_index() {
  static const std::string path = [] {
    IndexOptions opt;
    opt.db = temp_dir() + "/index";
    opt.sources = {source_dir() + "/data"};
    std::ostringstream out, err;
    if (run_index(opt, out, err) != kExitOk) throw std::runtime_error("indexing data/ failed: " + err.str());
    return opt.db;
  }();
  return path;
}

void write_file(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

void record_response(const std::string& method, const std::string& path, int status,
                     const std::string& content_type, const std::string& body) {
  const char* file = std::getenv("HELPSEARCH_RECORD_RESPONSES");
  if (!file || !*file) return;
  static std::mutex mutex;
  const std::lock_guard<std::mutex> lock(mutex);
  std::ofstream out(file, std::ios::app);
  out << nlohmann::json{{"method", method}, {"path", path}, {"status", status},
                        {"content_type", content_type}, {"body", body}}
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
      << "\n";
}

}  // namespace helpsearch::test
