// The relevance regression suite: golden queries over data/ (tests/relevance/golden.tsv),
// one per line: kind, locale, query, expected first hit.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "service.h"
#include "support.h"

using namespace helpsearch;

TEST_CASE("golden queries put the expected article first", "[relevance]") {
  Service service(ServiceConfig{test::sample_index(), test::source_dir() + "/data/synonyms.txt", {}});
  std::ifstream in(test::source_dir() + "/tests/relevance/golden.tsv");
  REQUIRE(in);
  std::string line;
  std::map<std::string, std::pair<int, int>> by_kind;  // kind → passed, total
  std::vector<std::string> failures;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string kind, locale, query, expected;
    std::getline(fields, kind, '\t');
    std::getline(fields, locale, '\t');
    std::getline(fields, query, '\t');
    std::getline(fields, expected, '\t');
    SearchRequest req;
    req.q = query;
    req.locale = locale;
    req.facets = false;
    SearchResult r = service.search(req);
    const std::string got = r.hits.empty() ? "(nothing)" : r.hits[0].key;
    auto& k = by_kind[kind];
    ++k.second;
    if (got == expected)
      ++k.first;
    else
      failures.push_back(kind + " " + locale + " \"" + query + "\": expected " + expected + ", got " + got);
  }
  for (const auto& [kind, n] : by_kind) WARN(kind << ": " << n.first << "/" << n.second);
  for (const auto& f : failures) UNSCOPED_INFO(f);
  CHECK(by_kind.size() >= 6);
  CHECK(failures.empty());
}
