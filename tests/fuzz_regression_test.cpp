// Inputs the fuzz targets (fuzz/, scripts/fuzz) once crashed on, kept under
// tests/fuzz/<target>/ and replayed here through the same functions, with
// the seeds from data/.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "support.h"
#include "targets.h"

namespace fs = std::filesystem;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// Every regular file under dir (none when it is missing).
std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
  }
  return out;
}

void replay(const std::string& target, const std::function<void(std::string_view)>& run) {
  const fs::path root = helpsearch::test::source_dir();
  std::vector<fs::path> inputs = files_under(root / "tests" / "fuzz" / target);
  for (const auto& seed : files_under(root / "data")) inputs.push_back(seed);
  for (const auto& path : inputs) {
    INFO(path.string());
    const std::string bytes = read_all(path);
    CHECK_NOTHROW(run(bytes));
  }
}

}  // namespace

TEST_CASE("fuzz regressions: the article reader", "[fuzz]") { replay("reader", helpsearch::fuzz::read_article); }

TEST_CASE("fuzz regressions: the analyzer", "[fuzz]") { replay("analyzer", helpsearch::fuzz::analyze); }

TEST_CASE("fuzz regressions: query parsing", "[fuzz]") {
  replay("query", [](std::string_view bytes) {
    // Seeds are whole articles; queries are their lines.
    for (size_t begin = 0; begin < bytes.size();) {
      const size_t end = std::min(bytes.find('\n', begin), bytes.size());
      helpsearch::fuzz::query(bytes.substr(begin, std::min<size_t>(end - begin, 1000)));
      begin = end + 1;
    }
  });
}
