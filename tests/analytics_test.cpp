// Query analytics: the store (normalising, refining, clicks, retention, size
// cap, drops, nothing when disabled, no client data) and the admin route.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analytics.h"
#include "handlers.h"
#include "support.h"

using namespace helpsearch;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kNow = 1'800'000'000;  // a fixed "now" in unix seconds
const std::string kToken = "0123456789abcdef-admin";

AnalyticsConfig config_in(const std::string& dir, std::atomic<int64_t>* clock) {
  AnalyticsConfig c;
  c.enabled = true;
  c.path = dir + "/analytics.sqlite";
  c.retention_days = 7;
  c.admin_token = kToken;
  c.clock = [clock] { return clock->load(); };
  return c;
}

/// Rows of the store as "query|locale|hits|clicked" lines, oldest first.
std::string rows(const std::string& path, const std::string& sql = "SELECT query, locale, hits, clicked FROM "
                                                                    "searches ORDER BY at, query") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* t = sqlite3_column_text(st, i);
      out += (i ? "|" : "") + std::string(t ? reinterpret_cast<const char*>(t) : "");
    }
    out += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::string counts(const std::vector<QueryCount>& list) {
  std::string out;
  for (const QueryCount& c : list)
    out += (out.empty() ? "" : " ") + c.query + "[" + std::to_string(c.searches) + "/" +
           std::to_string(c.zero_results) + "/" + std::to_string(c.clicks) + "]";
  return out;
}

}  // namespace

TEST_CASE("queries are counted in one normalised form", "[analytics]") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"  Reset   PASSWORD ", "reset password"},
      {"ＭＦＡ\tSetup", "mfa setup"},
      {"密碼\u3000重設", "密碼 重設"},  // no Han folding: writers see what users typed
      {"   ", ""},
      {std::string(300, 'a'), std::string(200, 'a')},
  };
  for (const auto& [q, expected] : table) CHECK(normalize_query(q) == expected);
  CHECK(valid_query_id("00ab34cd56ef7890"));
  CHECK_FALSE(valid_query_id("00AB34CD56EF7890"));
  CHECK_FALSE(valid_query_id("1234"));
}

TEST_CASE("disabled analytics write nothing", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  AnalyticsConfig c = config_in(dir, &clock);
  c.enabled = false;
  {
    Analytics a(c);
    CHECK(a.record("password", "en-US", 3).empty());
    a.click("00ab34cd56ef7890");
    a.flush();
    CHECK(a.report(7, 10).locales.empty());
    CHECK(a.popular("", 5).empty());
  }
  CHECK_FALSE(fs::exists(c.path));
  CHECK(fs::is_empty(dir));
}

TEST_CASE("searches, refinements and clicks make the report", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  Analytics a(config_in(dir, &clock));
  // Typing "pass" then "password": the second refines the first, one search counts.
  const std::string typed = a.record("pass", "en-US", 2);
  const std::string full = a.record("Password", "en-US", 4, typed);
  REQUIRE(valid_query_id(full));
  a.record("password ", "en-US", 4);
  a.record("PASSWORD", "en-US", 4);
  a.record("vpn", "en-US", 0);
  a.record("vpn", "en-US", 0);
  a.record("outlook", "en-US", 7);
  a.record("パスワード", "ja-JP", 1);
  a.click(full);
  a.click("7fffffffffffffff");  // no such search: nothing changes
  a.flush();
  CHECK(rows(dir + "/analytics.sqlite", "SELECT query, locale, COUNT(*), SUM(clicked) FROM searches "
                                       "GROUP BY locale, query ORDER BY locale, query") ==
        "outlook|en-US|1|0\npassword|en-US|3|1\nvpn|en-US|2|0\nパスワード|ja-JP|1|0\n");
  const AnalyticsReport r = a.report(7, 10);
  REQUIRE(r.locales.size() == 2);
  const LocaleReport& en = r.locales[0];
  CHECK(en.locale == "en-US");
  CHECK(en.searches == 6);
  CHECK(en.zero_result_searches == 2);
  CHECK(en.clicked_searches == 1);
  CHECK(counts(en.top) == "password[3/0/1] vpn[2/2/0] outlook[1/0/0]");
  CHECK(counts(en.zero_results) == "vpn[2/2/0]");
  CHECK(counts(en.no_click) == "outlook[1/0/0]");
  CHECK(counts(r.locales[1].top) == "パスワード[1/0/0]");
  CHECK(a.stats().recorded == 8);
  CHECK(a.stats().clicks == 1);
  // Popular: found something and searched at least kPopularMin times.
  CHECK(a.popular("", 5) == std::vector<std::string>{"password"});
  CHECK(a.popular("ja-JP", 5).empty());
}

TEST_CASE("rows older than the retention are deleted", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow - 10 * 86400};
  Analytics a(config_in(dir, &clock));  // retention 7 days
  a.record("old query", "en-US", 1);
  a.flush();
  clock = kNow;
  a.record("recent query", "en-US", 1);
  a.flush();  // the writer's hourly retention pass ran after this batch
  CHECK(rows(dir + "/analytics.sqlite", "SELECT query FROM searches ORDER BY at") == "recent query\n");
  CHECK(a.stats().pruned == 1);
  CHECK(counts(a.report(7, 10).locales.at(0).top) == "recent query[1/0/0]");
  clock = kNow + 2 * 86400;
  CHECK(a.report(1, 10).locales.empty());
}

TEST_CASE("the store stays under its size cap, the oldest rows go first", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  AnalyticsConfig c = config_in(dir, &clock);
  c.max_bytes = 1 << 20;
  c.queue_capacity = 1 << 20;
  c.retention_days = 3650;
  Analytics a(c);
  const std::string filler(120, 'x');
  for (int i = 0; i < 30000; ++i) {
    clock = kNow + i;
    a.record("query " + std::to_string(i) + " " + filler, "en-US", static_cast<uint64_t>(i % 3));
  }
  a.flush(30000);
  const uint64_t size = fs::file_size(c.path);
  INFO("file " << size << " bytes, pruned " << a.stats().pruned);
  CHECK(size <= c.max_bytes);
  CHECK(a.stats().pruned > 10000);
  CHECK(a.stats().dropped == 0);
  const std::string newest = rows(c.path, "SELECT MAX(at) - " + std::to_string(kNow) + ", MIN(at) > " +
                                              std::to_string(kNow) + " FROM searches");
  CHECK(newest == "29999|1\n");
}

TEST_CASE("a full queue drops events and counts them, the caller never waits", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  AnalyticsConfig c = config_in(dir, &clock);
  c.queue_capacity = 0;
  Analytics a(c);
  for (int i = 0; i < 5; ++i) CHECK(a.record("password", "en-US", 1).empty());
  a.flush();
  CHECK(a.stats().dropped == 5);
  CHECK(a.stats().recorded == 0);
  CHECK(a.metrics_text().find("helpsearchd_analytics_dropped_total 5\n") != std::string::npos);
}

TEST_CASE("the store holds nothing about the client", "[analytics]") {
  const std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  Analytics a(config_in(dir, &clock));
  a.record("password", "en-US", 1);
  a.flush();
  // Every column there is: no address, agent, referrer or session.
  CHECK(rows(dir + "/analytics.sqlite", "SELECT group_concat(name, ' ') FROM pragma_table_info('searches')") ==
        "id at locale query hits clicked\n");
  CHECK(rows(dir + "/analytics.sqlite", "SELECT group_concat(name, ' ') FROM sqlite_master") ==
        "searches searches_at\n");
  CHECK(rows(dir + "/analytics.sqlite", "PRAGMA journal_mode") == "wal\n");
}

namespace {

struct AdminFixture {
  std::string dir = test::temp_dir();
  std::atomic<int64_t> clock{kNow};
  Service service{ServiceConfig{test::sample_index(), test::source_dir() + "/data/synonyms.txt", {}}};
  Metrics metrics;
  Analytics analytics{config_in(dir, &clock)};
  Context ctx{service, metrics, &analytics};

  /// Calls the route as the HTTP layer does: dispatch, then the one error path.
  Response call(const std::string& name, const Request& in) {
    for (const Route& r : routes())
      if (r.name == name) {
        Request req = in;
        req.id = "test-1";
        Response res = dispatch(ctx, r, req);
        finish_error(ctx, r.name, req.id, res);
        return res;
      }
    FAIL("no route " << name);
    return {};
  }
};

Request with(std::multimap<std::string, std::string> params, std::string authorization = "",
             std::vector<std::string> captures = {}) {
  Request r;
  r.params = std::move(params);
  r.authorization = std::move(authorization);
  r.captures = std::move(captures);
  return r;
}

}  // namespace

TEST_CASE("admin queries need the bearer token; searches and opened articles are counted", "[analytics]") {
  AdminFixture f;
  const json s = json::parse(f.call("search", with({{"q", "password"}, {"locale", "en-US"}})).body);
  REQUIRE(s["query_id"].is_string());
  const std::string qid = s["query_id"];
  CHECK(f.call("search", with({{"q", "zzqxv"}, {"locale", "en-US"}})).status == 200);
  CHECK(f.call("search", with({{"q", "password"}, {"locale", "en-US"}, {"offset", "10"}})).body.find(
            "\"query_id\":null") != std::string::npos);  // a further page is not another search
  CHECK(f.call("search", with({{"q", "password"}, {"refines", "nope"}})).error == "invalid_refines");
  CHECK(f.call("article", with({{"qid", qid}}, "", {"en-US", "reset-password"})).status == 200);
  CHECK(f.call("article", with({{"qid", "x"}}, "", {"en-US", "reset-password"})).error == "invalid_qid");

  const struct {
    std::string authorization;
    int status;
    std::string code;
  } table[] = {
      {"", 401, "unauthorized"},
      {"Basic YWRtaW46eA==", 401, "unauthorized"},
      {"Bearer wrong-token-of-some-length", 403, "forbidden"},
      {"Bearer " + kToken.substr(0, 10), 403, "forbidden"},
      {"Bearer " + kToken, 200, ""},
      {"bearer " + kToken, 200, ""},
  };
  for (const auto& c : table) {
    const Response r = f.call("admin_queries", with({{"days", "7"}}, c.authorization));
    INFO(c.authorization << " → " << r.body);
    CHECK(r.status == c.status);
    CHECK(r.error == c.code);
    if (c.status == 401) CHECK(r.headers.size() == 1);
    if (!c.code.empty()) CHECK(json::parse(r.body)["error"]["request_id"] == "test-1");
  }
  const json report = json::parse(f.call("admin_queries", with({{"days", "7"}}, "Bearer " + kToken)).body);
  CHECK(report["days"] == 7);
  REQUIRE(report["locales"].size() == 1);
  CHECK(report["locales"][0]["locale"] == "en-US");
  CHECK(report["locales"][0]["top"].dump() ==
        R"([{"clicks":1,"query":"password","searches":1,"zero_results":0},)"
        R"({"clicks":0,"query":"zzqxv","searches":1,"zero_results":1}])");
  CHECK(report["locales"][0]["zero_results"][0]["query"] == "zzqxv");
  CHECK(report["locales"][0]["no_click"].empty());
  CHECK(f.call("admin_queries", with({{"days", "0"}}, "Bearer " + kToken)).error == "invalid_days");
  const std::string m = f.metrics.render();
  CHECK(m.find("helpsearchd_errors_total{route=\"admin_queries\",kind=\"unauthorized\"} 2") != std::string::npos);
  CHECK(m.find("helpsearchd_errors_total{route=\"admin_queries\",kind=\"forbidden\"} 2") != std::string::npos);
}

TEST_CASE("without analytics the admin route is 404 and searches carry no query ID", "[analytics]") {
  Service service{ServiceConfig{test::sample_index(), test::source_dir() + "/data/synonyms.txt", {}}};
  Metrics metrics;
  Analytics off{AnalyticsConfig{}};
  for (Analytics* a : {static_cast<Analytics*>(nullptr), &off}) {
    Context ctx{service, metrics, a};
    for (const Route& r : routes()) {
      Request req;
      req.params = {{"q", "password"}};
      req.authorization = "Bearer " + kToken;
      if (r.name == "admin_queries") CHECK(r.handler(ctx, req).error == "analytics_disabled");
      if (r.name == "search") CHECK(json::parse(r.handler(ctx, req).body)["query_id"].is_null());
      if (r.name == "popular") CHECK(r.handler(ctx, req).body == R"({"queries":[]})");
    }
  }
}
