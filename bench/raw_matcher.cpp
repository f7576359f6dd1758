// The raw Xapian matcher: what one thread gets out of Xapian 1.4 on a plain
// n-gram index (omindex's, or any TermGenerator index with FLAG_CJK_NGRAM),
// with no HTTP, no analysis of ours and no snippets: parse the query as a
// user of Xapian would (QueryParser defaults plus FLAG_CJK_NGRAM, as the
// `xapian` anchor of the reference evaluation does), match the top 10, read
// each hit's document data. scripts/bench divides searchd's
// throughput by this program's.
//
// usage: helpsearch-raw-matcher DB QUERIES [SECONDS]
//   QUERIES: one query per line (UTF-8); the list is walked round and round
//   for SECONDS (default 10). Prints one JSON object.
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

/// As the evaluation's anchor does: the default flags, else n-grams alone, else nothing.
Xapian::Query parse(Xapian::QueryParser& qp, const std::string& q, unsigned flags) {
  try {
    return qp.parse_query(q, flags);
  } catch (const Xapian::QueryParserError&) {
  }
  try {
    return qp.parse_query(q, Xapian::QueryParser::FLAG_CJK_NGRAM);
  } catch (const Xapian::QueryParserError&) {
    return Xapian::Query();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB QUERIES [SECONDS]\n", argv[0]);
    return 2;
  }
  const double seconds = argc > 3 ? std::stod(argv[3]) : 10.0;
  std::vector<std::string> queries;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) queries.push_back(line);
  if (queries.empty()) {
    std::fprintf(stderr, "%s: no queries in %s\n", argv[0], argv[2]);
    return 2;
  }
  try {
    Xapian::Database db(argv[1]);
    Xapian::Enquire enquire(db);
    Xapian::QueryParser qp;
    qp.set_database(db);
    const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM;
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    size_t n = 0, hits = 0, bytes = 0;
    while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
      const std::string& q = queries[n % queries.size()];
      enquire.set_query(parse(qp, q, flags));
      Xapian::MSet mset = enquire.get_mset(0, 10);
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        bytes += it.get_document().get_data().size();
        ++hits;
      }
      ++n;
    }
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("{\"queries\": %zu, \"seconds\": %.3f, \"qps\": %.1f, \"hits\": %zu, \"data_bytes\": %zu}\n", n, took,
                n / took, hits, bytes);
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.get_description().c_str());
    return 1;
  }
  return 0;
}
