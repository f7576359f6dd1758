// End to end: helpsearchd with query analytics on, over HTTP; every answer is
// recorded for tests/openapi's schema checks.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "daemon.h"
#include "support.h"

using json = nlohmann::json;

namespace {

const std::string kToken = "e2e-admin-token-0123456789";

/// GETs path with extra headers, records the answer, checks its status.
json get(httplib::Client& c, const std::string& path, int status, const httplib::Headers& headers = {}) {
  auto r = c.Get(path.c_str(), headers);
  REQUIRE(r);
  helpsearch::test::record_response("GET", path, r->status, r->get_header_value("Content-Type"), r->body);
  INFO(path << " → " << r->body);
  CHECK(r->status == status);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("helpsearchd records queries and reports them to the admin token", "[e2e][analytics]") {
  const std::string dir = helpsearch::test::temp_dir();
  const std::string db = dir + "/analytics.sqlite";
  helpsearch::test::write_file(dir + "/config.json", json{{"analytics", true},
                                                          {"analytics_db", db},
                                                          {"analytics_retention_days", 30},
                                                          {"analytics_max_mb", 8},
                                                          {"admin_token", kToken}}
                                                         .dump());
  helpsearch::test::Daemon d(helpsearch::test::sample_index(), {"--threads", "2", "--config", dir + "/config.json"});
  httplib::Client c("127.0.0.1", d.port);
  c.set_read_timeout(10, 0);

  const json typed = get(c, "/v1/search?q=pass&locale=en-US", 200);
  REQUIRE(typed["query_id"].is_string());
  const json s = get(c, "/v1/search?q=password&locale=en-US&refines=" + typed["query_id"].get<std::string>(), 200);
  REQUIRE(s["query_id"].is_string());
  REQUIRE_FALSE(s["hits"].empty());
  const std::string key = s["hits"][0]["key"];
  get(c, "/v1/articles/" + key + "?qid=" + s["query_id"].get<std::string>(), 200);
  get(c, "/v1/articles/" + key + "?qid=zz", 400);
  get(c, "/v1/search?q=password&refines=123", 400);
  for (int i = 0; i < 3; ++i) get(c, "/v1/search?q=Password%20&locale=en-US", 200);
  get(c, "/v1/search?q=qqxqzzy&locale=de-DE", 200);

  get(c, "/v1/admin/queries", 401);
  get(c, "/v1/admin/queries", 403, {{"Authorization", "Bearer not-the-token-at-all"}});
  get(c, "/v1/admin/queries?days=0", 400, {{"Authorization", "Bearer " + kToken}});
  const json report = get(c, "/v1/admin/queries?days=7", 200, {{"Authorization", "Bearer " + kToken}});
  REQUIRE(report["locales"].size() == 2);
  CHECK(report["locales"][0]["locale"] == "en-US");
  CHECK(report["locales"][0]["top"].dump() == R"([{"clicks":1,"query":"password","searches":4,"zero_results":0}])");
  CHECK(report["locales"][1]["zero_results"][0]["query"] == "qqxqzzy");
  CHECK(get(c, "/v1/popular?locale=en-US", 200)["queries"] == json::array({"password"}));
  get(c, "/v1/popular?limit=0", 400);

  auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("helpsearchd_analytics_recorded_total 6") != std::string::npos);
  CHECK(m->body.find("helpsearchd_analytics_clicks_total 1") != std::string::npos);
  CHECK(m->body.find("helpsearchd_errors_total{route=\"admin_queries\",kind=\"unauthorized\"} 1") !=
        std::string::npos);
  // The store: WAL mode, and nothing of the client (the daemon saw 127.0.0.1 on every request).
  CHECK(std::filesystem::exists(db + "-wal"));
  std::ifstream in(db, std::ios::binary), wal(db + "-wal", std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf() << wal.rdbuf();
  CHECK(bytes.str().find("127.0.0.1") == std::string::npos);
  CHECK(bytes.str().find("password") != std::string::npos);
}

TEST_CASE("helpsearchd without analytics records nothing", "[e2e][analytics]") {
  const std::string dir = helpsearch::test::temp_dir();
  helpsearch::test::write_file(dir + "/config.json",
                               json{{"analytics", false}, {"analytics_db", dir + "/a.sqlite"}}.dump());
  helpsearch::test::Daemon d(helpsearch::test::sample_index(), {"--threads", "2", "--config", dir + "/config.json"});
  httplib::Client c("127.0.0.1", d.port);
  CHECK(get(c, "/v1/search?q=password", 200)["query_id"].is_null());
  get(c, "/v1/admin/queries", 404, {{"Authorization", "Bearer " + kToken}});
  CHECK(get(c, "/v1/popular", 200)["queries"].empty());
  CHECK_FALSE(std::filesystem::exists(dir + "/a.sqlite"));
}
