// Scale-out on Xapian's own pieces, on loopback: shards served by
// xapian-tcpsrv behind a stub file, read replicas kept by xapian-replicate.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cluster.h"
#include "daemon.h"
#include "indexer.h"
#include "service.h"
#include "shards.h"
#include "support.h"

using namespace helpsearch;
using json = nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Golden {
  std::string kind, locale, query;
};

std::vector<Golden> golden_queries() {
  std::ifstream in(test::source_dir() + "/tests/relevance/golden.tsv");
  std::vector<Golden> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Golden g;
    std::getline(fields, g.kind, '\t');
    std::getline(fields, g.locale, '\t');
    std::getline(fields, g.query, '\t');
    out.push_back(g);
  }
  return out;
}

/// A sharded index of data/ (helpsearch-index --shards n), built once per n.
std::string sharded_index(unsigned n) {
  IndexOptions opt;
  opt.db = test::temp_dir() + "/sharded";
  opt.sources = {test::source_dir() + "/data"};
  opt.shards = n;
  std::ostringstream out, err;
  if (run_index(opt, out, err) != kExitOk) throw std::runtime_error("indexing data/ into shards failed: " + err.str());
  return opt.db;
}

/// A stub file of remote lines, beside the sharded index (so its spelling/ is found).
std::string remote_stub(const std::string& dir, const std::vector<int>& ports) {
  std::ofstream out(dir + "/remote.stub");
  for (int p : ports) out << "remote 127.0.0.1:" << p << '\n';
  return dir + "/remote.stub";
}

/// "key key key" of a search's top 10.
std::string top10(Service& s, const std::string& q, const std::string& locale) {
  SearchRequest req;
  req.q = q;
  req.locale = locale;
  req.limit = 10;
  SearchResult r = s.search(req);
  std::string out = r.locale_used + ":";
  for (const Hit& h : r.hits) out += " " + h.key;
  if (!r.corrected.empty()) out += " (corrected " + r.corrected + ")";
  // Facet counts are of the documents the matcher examined (at least 100, and
  // every shard's matcher examines its own): which locales, not how many.
  for (const auto& [l, n] : r.locale_facets) out += " [" + l + "]";
  return out;
}

}  // namespace

TEST_CASE("the indexer places each article in the shard of its key", "[shards]") {
  const std::string dir = sharded_index(2);
  CHECK(stub_shards(dir) == 2);
  Xapian::Database one(test::sample_index()), a(dir + "/shard-0"), b(dir + "/shard-1");
  CHECK(a.get_doccount() > 0);
  CHECK(b.get_doccount() > 0);
  CHECK(a.get_doccount() + b.get_doccount() == one.get_doccount());
  for (unsigned i = 0; i < 2; ++i) {
    Xapian::Database shard(dir + "/shard-" + std::to_string(i));
    CHECK(shard.get_metadata("helpsearch.shard") == std::to_string(i) + "/2");
    for (auto t = shard.allterms_begin("Q"); t != shard.allterms_end("Q"); ++t) CHECK(shard_of((*t).substr(1), 2) == i);
  }
  // The spelling database holds every shard's words, with their frequencies.
  auto words = [](const Xapian::Database& db) {
    std::string s;
    for (auto w = db.spellings_begin(); w != db.spellings_end(); ++w) s += *w + "=" + std::to_string(w.get_termfreq()) + " ";
    return s;
  };
  CHECK(words(Xapian::Database(dir + "/spelling")) == words(one));
  CHECK(words(one).size() > 1000);
  // A later run keeps the count; another count wants --rebuild.
  IndexOptions again;
  again.db = dir;
  again.sources = {test::source_dir() + "/data"};
  std::ostringstream out, err;
  CHECK(run_index(again, out, err) == kExitOk);
  CHECK(out.str().rfind("indexed 0, unchanged 43", 0) == 0);
  again.shards = 3;
  CHECK(run_index(again, out, err) == kExitUsage);
  CHECK(err.str().find("has 2 shards, not 3; run again with --rebuild") != std::string::npos);
}

TEST_CASE("searchd over a stub of 2 xapian-tcpsrv shards ranks as over one database", "[shards]") {
  if (!test::have_xapian_tools()) {
    WARN("skipped: xapian-tools is not installed");
    return;
  }
  const std::string dir = sharded_index(2);
  test::TcpShard a(dir + "/shard-0", test::free_port(), test::temp_dir() + "/tcpsrv.log");
  test::TcpShard b(dir + "/shard-1", test::free_port(), test::temp_dir() + "/tcpsrv.log");
  const std::string synonyms = test::source_dir() + "/data/synonyms.txt";
  Service one(ServiceConfig{test::sample_index(), synonyms, {}});
  Service shards(ServiceConfig{remote_stub(dir, {a.port, b.port}), synonyms, {}});
  CHECK(shards.health().shards.size() == 2);
  size_t compared = 0;
  for (const Golden& g : golden_queries()) {
    // Each golden query as asked, in every locale at once, and as typed so far.
    for (const auto& [q, locale] : std::vector<std::pair<std::string, std::string>>{
             {g.query, g.locale}, {g.query, ""}, {g.query.substr(0, g.query.size() * 2 / 3), g.locale}}) {
      INFO(g.kind << " " << locale << " \"" << q << "\"");
      CHECK(top10(shards, q, locale) == top10(one, q, locale));
      ++compared;
    }
  }
  CHECK(compared >= 80);
  // Lookup, suggestions and the article view give the same answers too.
  auto keys = [](const auto& hits) {
    std::string s;
    for (const auto& h : hits) s += h.key + " ";
    return s;
  };
  for (const auto& [id, locale] : std::vector<std::pair<std::string, std::string>>{
           {"500", "zh-TW"}, {"0x80070005", "de-DE"}, {"387", "en-US"}, {"AADSTS50011", ""}}) {
    std::string u1, u2;
    CHECK(keys(shards.lookup(id, locale, &u1)) == keys(one.lookup(id, locale, &u2)));
  }
  for (const auto& [q, locale] : std::vector<std::pair<std::string, std::string>>{
           {"pass", "en-US"}, {"パスワ", "ja-JP"}, {"密", "zh-TW"}, {"re", ""}})
    CHECK(keys(shards.suggest(q, locale, 8)) == keys(one.suggest(q, locale, 8)));
  auto view = shards.article("ja-JP", "app-passwords");
  REQUIRE(view);
  CHECK(view->html == one.article("ja-JP", "app-passwords")->html);
  CHECK(shards.locales() == one.locales());
}

namespace {

/// GET path: status and body (status 0 when there was no answer).
std::pair<int, std::string> get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(15, 0);
  auto r = c.Get(path.c_str());
  return r ? std::make_pair(r->status, r->body) : std::make_pair(0, std::string());
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a shard that stops answering is a 503 naming it, and is taken back", "[shards]") {
  if (!test::have_xapian_tools()) {
    WARN("skipped: xapian-tools is not installed");
    return;
  }
  const std::string dir = sharded_index(2);
  const int port_b = test::free_port();
  test::TcpShard a(dir + "/shard-0", test::free_port(), test::temp_dir() + "/tcpsrv.log");
  auto b = std::make_unique<test::TcpShard>(dir + "/shard-1", port_b, test::temp_dir() + "/tcpsrv.log");
  test::Daemon d(remote_stub(dir, {a.port, port_b}),
                 {"--threads", "2", "--remote-timeout", "1", "--remote-connect-timeout", "1"});
  const std::string name = "127.0.0.1:" + std::to_string(port_b);
  REQUIRE(get(d.port, "/v1/search?q=password").first == 200);

  b->process.stop(true);  // kill -9 the server and its children
  for (const char* path : {"/v1/search?q=password", "/v1/suggest?q=pass", "/v1/articles/en-US/reset-password",
                           "/v1/search?q=mfa&locale=de"}) {
    const auto start = Clock::now();
    const auto [status, body] = get(d.port, path);
    INFO(path << " → " << body);
    CHECK(status == 503);
    CHECK(body.find("\"shard_unavailable\"") != std::string::npos);
    CHECK(body.find(name) != std::string::npos);
    CHECK(seconds_since(start) < 1.0);  // within the configured timeout
    WARN("killed shard: " << path << " answered 503 after " << seconds_since(start) << " s");
  }
  const auto [hstatus, health] = get(d.port, "/healthz");
  CHECK(hstatus == 503);
  const json h = json::parse(health);
  CHECK(h["status"] == "unavailable");
  CHECK(h["shards"][0]["status"] == "ok");
  CHECK(h["shards"][1]["status"] == "unavailable");
  CHECK(h["shards"][1]["name"] == name);
  CHECK(get(d.port, "/metrics").second.find("route=\"search\",kind=\"shard_unavailable\"} 2") != std::string::npos);
  CHECK(count(d.log(), "unavailable") == 1);  // logged once, not per request

  // A shard that hangs (stopped, not dead) answers nothing: the timeout ends the wait.
  b = std::make_unique<test::TcpShard>(dir + "/shard-1", port_b, test::temp_dir() + "/tcpsrv.log");
  REQUIRE(get(d.port, "/v1/search?q=password").first == 200);  // back without a restart
  CHECK(count(d.log(), "answers again") == 1);
  ::kill(-b->process.pid, SIGSTOP);
  const auto start = Clock::now();
  const auto [status, body] = get(d.port, "/v1/search?q=outlook");
  CHECK(status == 503);
  CHECK(body.find(name) != std::string::npos);
  CHECK(seconds_since(start) < 2.5);  // the answer's timeout, then the probe's connect timeout
  WARN("stopped shard: 503 after " << seconds_since(start) << " s (remote_timeout 1 s)");
  ::kill(-b->process.pid, SIGCONT);
  CHECK(get(d.port, "/v1/search?q=outlook").first == 200);
  CHECK(get(d.port, "/healthz").first == 200);
}

TEST_CASE("searchd on a replica kept by xapian-replicate serves each new revision within 5 s", "[shards]") {
  if (!test::have_xapian_tools()) {
    WARN("skipped: xapian-tools is not installed");
    return;
  }
  // The primary: an index of a copy of data/ that the test edits, with changesets kept for replication.
  const std::string root = test::temp_dir();
  fs::copy(test::source_dir() + "/data", root + "/articles", fs::copy_options::recursive);
  ::setenv("XAPIAN_MAX_CHANGESETS", "10", 1);
  IndexOptions opt;
  opt.db = root + "/primary/index";
  opt.sources = {root + "/articles"};
  std::ostringstream out, err;
  fs::create_directories(root + "/primary");
  REQUIRE(run_index(opt, out, err) == kExitOk);
  const int port = test::free_port();
  test::ServerProcess server("xapian-replicate-server", {"-I", "127.0.0.1", "-p", std::to_string(port), root + "/primary"},
                             root + "/replicate-server.log");
  REQUIRE(test::wait_for_port(port));
  test::ServerProcess client("xapian-replicate", {"-h", "127.0.0.1", "-p", std::to_string(port), "-m", "index", "-i", "1",
                                                  "-r", "1", "-q", root + "/replica"},
                             root + "/replicate.log");
  for (int i = 0; i < 100 && !fs::exists(root + "/replica/XAPIANDB"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  REQUIRE(fs::exists(root + "/replica/XAPIANDB"));
  test::Daemon d(root + "/replica", {"--threads", "4"});

  // A client queries the replica throughout; no request may fail.
  std::atomic<bool> stop{false};
  std::atomic<int> requests{0}, failures{0};
  std::thread load([&] {
    httplib::Client c("127.0.0.1", d.port);
    c.set_read_timeout(10, 0);
    while (!stop) {
      auto r = c.Get("/v1/search?q=password&locale=en-US");
      ++requests;
      if (!r || r->status != 200) ++failures;
    }
  });
  auto seen_within = [&](const std::string& word) {
    const auto start = Clock::now();
    while (seconds_since(start) < 10) {
      const auto [status, body] = get(d.port, "/v1/search?q=" + word + "&locale=en-US");
      if (status == 200 && body.find("en-US/reset-password") != std::string::npos) return seconds_since(start);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 99.0;
  };
  const std::string article = root + "/articles/en-US/reset-password.md";
  auto add_word = [&](const std::string& word) { std::ofstream(article, std::ios::app) << "\n\nSee " << word << ".\n"; };

  add_word("zebraquux");  // an update: replicated as a changeset
  REQUIRE(run_index(opt, out, err) == kExitOk);
  const double update = seen_within("zebraquux");
  add_word("quokkafrob");  // a rebuild: another database, replicated whole
  opt.rebuild = true;
  REQUIRE(run_index(opt, out, err) == kExitOk);
  const double rebuild = seen_within("quokkafrob");
  stop = true;
  load.join();
  WARN("replica: update seen after " << update << " s, rebuild after " << rebuild << " s; " << requests << " requests, "
                                     << failures << " failed");
  CHECK(update < 5);
  CHECK(rebuild < 5);
  CHECK(failures == 0);
  CHECK(requests > 10);
  ::unsetenv("XAPIAN_MAX_CHANGESETS");
}
