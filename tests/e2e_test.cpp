// End to end: the helpsearchd binary on a free loopback port, queried over HTTP.
#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <httplib.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <thread>

#include "indexer.h"

#include "daemon.h"
#include "support.h"

using json = nlohmann::json;
using helpsearch::test::Daemon;

namespace {

json get_json(httplib::Client& c, const std::string& path, int status = 200) {
  auto r = c.Get(path.c_str());
  REQUIRE(r);
  helpsearch::test::record_response("GET", path, r->status, r->get_header_value("Content-Type"), r->body);
  INFO(path << " → " << r->body);
  CHECK(r->status == status);
  CHECK(r->get_header_value("Content-Type").rfind("application/json", 0) == 0);
  return json::parse(r->body);
}

}  // namespace

TEST_CASE("helpsearchd over HTTP", "[e2e]") {
  Daemon d(helpsearch::test::sample_index(), {"--threads", "2"});
  httplib::Client c("127.0.0.1", d.port);
  c.set_read_timeout(10, 0);

  json zh = get_json(c, "/v1/search?q=%E5%AF%86%E7%A2%BC&locale=zh-TW");  // 密碼
  REQUIRE_FALSE(zh["hits"].empty());
  for (const auto& h : zh["hits"]) CHECK(h["locale"] == "zh-TW");

  json lookup = get_json(c, "/v1/lookup/9000101");
  CHECK(lookup["hits"].size() == 7);

  json code = get_json(c, "/v1/search?q=5.7.750&locale=de-DE");
  REQUIRE_FALSE(code["hits"].empty());
  CHECK(code["hits"][0]["key"] == "de-DE/message-delivery-failures");

  json cjk = get_json(c, "/v1/search?q=%E5%B7%A5%E5%85%B7&locale=zh-TW");  // 工具, inside 測試工具箱
  REQUIRE_FALSE(cjk["hits"].empty());
  CHECK(cjk["hits"][0]["key"] == "zh-TW/onedrive-sync-errors");

  CHECK(get_json(c, "/v1/search?q=x&limit=0", 400)["error"]["code"] == "invalid_limit");
  CHECK(get_json(c, "/v1/search?q=%FF", 400)["error"]["code"] == "invalid_utf8");
  CHECK(get_json(c, "/v1/search?q=", 400)["error"]["code"] == "missing_query");
  CHECK(get_json(c, "/no/such/path", 404)["error"]["code"] == "not_found");

  auto post = c.Post("/v1/search?q=x", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(json::parse(post->body)["error"]["code"] == "method_not_allowed");
  CHECK(get_json(c, "/v1/search?q=" + std::string(9000, 'a'), 414)["error"]["code"] == "uri_too_long");

  auto cors = c.Get("/v1/lookup/500");
  REQUIRE(cors);
  CHECK(cors->get_header_value("Access-Control-Allow-Origin") == "*");

  json api = get_json(c, "/v1/openapi.json");
  CHECK(api["paths"].contains("/v1/lookup/{id}"));

  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);

  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("helpsearch_requests_total") != std::string::npos);
}

TEST_CASE("every route and error answer of openapi.json, for its schema check", "[e2e][openapi]") {
  Daemon d(helpsearch::test::sample_index(), {"--threads", "2"});
  httplib::Client c("127.0.0.1", d.port);
  c.set_read_timeout(10, 0);
  auto get = [&](const std::string& path, int status) {
    auto r = c.Get(path.c_str());
    REQUIRE(r);
    INFO(path << " → " << r->body);
    CHECK(r->status == status);
    helpsearch::test::record_response("GET", path, r->status, r->get_header_value("Content-Type"), r->body);
  };
  get("/v1/search?q=password", 200);
  get("/v1/search?q=pasword&locale=en-US&limit=3&offset=1&facets=0", 200);
  get("/v1/search?q=zzzqqq&locale=ja", 200);
  get("/v1/search?q=x&limit=0", 400);
  get("/v1/search?q=x&offset=x", 400);
  get("/v1/search?q=x&locale=xx-YY", 400);
  get("/v1/search?q=%FF", 400);
  get("/v1/search", 400);
  get("/v1/lookup/500", 200);
  get("/v1/lookup/9000101?locale=de-DE", 200);
  get("/v1/lookup/424242", 404);
  get("/v1/lookup/" + std::string(65, '1'), 400);
  get("/v1/suggest?q=pass&limit=3", 200);
  get("/v1/suggest?q=pass&limit=51", 400);
  get("/v1/articles/en-US/app-passwords", 200);
  get("/v1/articles/de_de/reset-password", 200);
  get("/v1/articles/en-US/nothing-here", 404);
  get("/v1/articles/x!/y", 400);
  get("/healthz", 200);
  get("/metrics", 200);
  get("/v1/openapi.json", 200);
  get("/", 200);
  get("/?q=password&locale=en-US&embed=1", 200);
  get("/no/such/path", 404);
  auto post = c.Post("/v1/search?q=x", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  helpsearch::test::record_response("POST", "/v1/search?q=x", post->status, post->get_header_value("Content-Type"),
                                    post->body);
  get("/v1/search?q=" + std::string(9000, 'a'), 414);
  // A head with too many fields: answered before any route, as raw HTTP.
  std::string many = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  const std::string raw = helpsearch::test::http_exchange(d.port, many + "\r\n");
  REQUIRE(raw.rfind("HTTP/1.1 431", 0) == 0);
  const size_t body = raw.find("\r\n\r\n");
  REQUIRE(body != std::string::npos);
  helpsearch::test::record_response("GET", "/healthz", 431, "application/json", raw.substr(body + 4));
}

TEST_CASE("a re-index is picked up without a restart and no request fails meanwhile", "[e2e]") {
  namespace fs = std::filesystem;
  const std::string root = helpsearch::test::temp_dir();
  fs::copy(helpsearch::test::source_dir() + "/data", root + "/data", fs::copy_options::recursive);
  helpsearch::IndexOptions opt;
  opt.db = root + "/db";
  opt.sources = {root + "/data"};
  opt.batch = 5;
  std::ostringstream out, err;
  REQUIRE(helpsearch::run_index(opt, out, err) == helpsearch::kExitOk);

  Daemon d(opt.db, {"--threads", "2"});
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_failure;  // written by the client thread before it counts the failure
  std::thread client([&] {
    httplib::Client c("127.0.0.1", d.port);
    while (!stop) {
      auto r = c.Get("/v1/search?q=password&locale=de-DE");
      if (r && r->status == 200) {
        ++ok;
        continue;
      }
      if (failed == 0) first_failure = r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error());
      ++failed;
    }
  });
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 10; ++i) {
      helpsearch::test::write_file(root + "/data/en-US/new-" + std::to_string(round) + "-" + std::to_string(i) + ".md",
                                   "---\ntitle: Quokka " + std::to_string(i) + "\n---\n# Quokka guide " +
                                       std::to_string(round) + "\n\nPassword tips for quokkas.\n");
    }
    INFO(err.str());
    REQUIRE(helpsearch::run_index(opt, out, err) == helpsearch::kExitOk);
  }
  httplib::Client c("127.0.0.1", d.port);
  json j = get_json(c, "/v1/search?q=quokka&locale=en-US&limit=50");
  CHECK(j["total"] == 30);
  const int before_swap = ok;

  // A rebuild is written beside the index and swapped in whole, while the client goes on.
  fs::remove_all(root + "/data/en-US");
  opt.rebuild = true;
  REQUIRE(helpsearch::run_index(opt, out, err) == helpsearch::kExitOk);
  CHECK_FALSE(fs::exists(opt.db + ".rebuild"));
  // The client's requests reach the new database too.
  for (int i = 0; i < 100 && get_json(c, "/healthz")["documents"] != 36; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const int at_swap = ok;
  for (int i = 0; i < 400 && ok < at_swap + 20; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  client.join();
  INFO(first_failure);
  CHECK(failed == 0);
  CHECK(before_swap > 0);
  CHECK(ok > at_swap);
  CHECK(get_json(c, "/v1/search?q=quokka")["total"] == 0);
  CHECK(get_json(c, "/healthz")["documents"] == 36);
}

TEST_CASE("article images: served from media/ beside the articles, or from a configured base URL", "[e2e]") {
  {
    Daemon d(helpsearch::test::sample_index(), {"--threads", "2", "--max-media-bytes", "300"});
    httplib::Client c("127.0.0.1", d.port);
    c.set_read_timeout(10, 0);
    const std::string html = get_json(c, "/v1/articles/en-US/reset-password")["html"];
    CHECK(html.find("<img src=\"/media/en-US/reset-password-pane.png\" alt=\"The Reset password pane in the admin "
                    "center\" loading=\"lazy\">") != std::string::npos);
    auto img = c.Get("/media/en-US/reset-password-pane.png");
    REQUIRE(img);
    helpsearch::test::record_response("GET", "/media/en-US/reset-password-pane.png", img->status,
                                      img->get_header_value("Content-Type"), img->body);
    CHECK(img->status == 200);
    CHECK(img->get_header_value("Content-Type") == "image/png");
    CHECK(img->body.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    CHECK(img->get_header_value("Cache-Control") == "public, max-age=86400");
    const std::string etag = img->get_header_value("ETag");
    REQUIRE_FALSE(etag.empty());
    auto again = c.Get("/media/en-US/reset-password-pane.png", {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    // No path escapes, no other files, nothing larger than max_media_bytes.
    CHECK(get_json(c, "/media/en-US/missing.png", 404)["error"]["code"] == "not_found");
    CHECK(get_json(c, "/media/en-US/..%2F..%2Fsynonyms.txt", 404)["error"]["code"] == "not_found");
    CHECK(get_json(c, "/media/en-US/reset-password.md", 404)["error"]["code"] == "not_found");
    CHECK(get_json(c, "/media/xx-YY/reset-password-pane.png", 404)["error"]["code"] == "not_found");
    CHECK(get_json(c, "/media/not%20a%20locale/x.png", 400)["error"]["code"] == "unknown_locale");
    CHECK(get_json(c, "/media/en-US/onedrive-error-icon.png", 403)["error"]["code"] == "media_too_large");
  }
  Daemon d(helpsearch::test::sample_index(), {"--threads", "2", "--media-base-url", "https://cdn.example.com/help/"});
  {
    httplib::Client page("127.0.0.1", d.port);
    auto icon = page.Get("/favicon.ico");  // the page links it: no 404 in the browser's console
    REQUIRE(icon);
    helpsearch::test::record_response("GET", "/favicon.ico", icon->status, icon->get_header_value("Content-Type"),
                                      icon->body);
    CHECK(icon->status == 200);
    CHECK(icon->get_header_value("Content-Type") == "image/svg+xml");
  }
  httplib::Client c("127.0.0.1", d.port);
  const std::string html = get_json(c, "/v1/articles/de-DE/app-passwords")["html"];
  CHECK(html.find("<img src=\"https://cdn.example.com/help/de-DE/app-password-add.png\"") != std::string::npos);
}
