// searchd's engine without HTTP: Service::search (query building, matching,
// stored fields, snippets) on one thread over a query list. scripts/bench
// prints it beside the daemon's figures, so the HTTP layer's share shows.
//
// usage: helpsearch-engine-bench DB QUERIES [SECONDS | Nx] [ANSWERS]
//   QUERIES: "locale<TAB>query" per line; "2x" runs the list twice instead
//   of for a time (for instruction counts under callgrind, which do not
//   drift with the machine). Prints one JSON object. ANSWERS: a file that
//   gets each query's hits once (key, score, snippet per line), so that two
//   builds can be compared for the same answers (diff).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "service.h"

namespace {

/// Each query's answer, one query a paragraph, for diffing two builds.
void write_answers(helpsearch::Service& service, const std::vector<helpsearch::SearchRequest>& requests,
                   const char* path) {
  std::ofstream out(path);
  for (const auto& r : requests) {
    out << r.locale << '\t' << r.q << '\n';
    for (const auto& hit : service.search(r).hits) {
      char score[32];
      std::snprintf(score, sizeof score, "%.6g", hit.score);
      out << "  " << hit.key << ' ' << score << ' ' << hit.snippet << '\n';
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB QUERIES [SECONDS | Nx] [ANSWERS]\n", argv[0]);
    return 2;
  }
  const std::string limit = argc > 3 ? argv[3] : "10";
  const bool by_passes = !limit.empty() && limit.back() == 'x';
  const double seconds = by_passes ? 0 : std::stod(limit);
  const size_t passes = by_passes ? std::stoul(limit) : 0;
  std::vector<helpsearch::SearchRequest> requests;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    helpsearch::SearchRequest r;
    r.locale = line.substr(0, tab);
    r.q = line.substr(tab + 1);
    requests.push_back(std::move(r));
  }
  if (requests.empty()) {
    std::fprintf(stderr, "%s: no queries in %s\n", argv[0], argv[2]);
    return 2;
  }
  helpsearch::ServiceConfig config;
  config.db = argv[1];
  helpsearch::Service service(config);
  if (argc > 4) write_answers(service, requests, argv[4]);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  size_t n = 0, hits = 0;
  auto more = [&] {
    if (by_passes) return n < passes * requests.size();
    return std::chrono::duration<double>(Clock::now() - start).count() < seconds;
  };
  while (more()) {
    hits += service.search(requests[n % requests.size()]).hits.size();
    ++n;
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"queries\": %zu, \"seconds\": %.3f, \"qps\": %.1f, \"hits\": %zu}\n", n, took, n / took, hits);
  return 0;
}
