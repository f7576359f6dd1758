// helpsearchd's configuration: file and flags through one validation, and the request-head rules.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "config.h"
#include "http_head.h"

using namespace helpsearch;
using json = nlohmann::json;

TEST_CASE("settings are validated in one place, naming the key", "[config]") {
  const std::vector<std::pair<std::string, std::string>> table = {
      // settings → the start of the error, "" when accepted
      {R"({"db": "x"})", ""},
      {R"({"db": "x", "threads": 64, "max_connections": 2000, "head_timeout": 2.5, "keep_alive_timeout": 1})", ""},
      {R"({"db": "x", "threads": -1})", "threads: must be a whole number in 1..1024, got -1"},
      {R"({"db": "x", "threads": 4294967295})", "threads: must be a whole number in 1..1024"},
      {R"({"db": "x", "threads": "8"})", "threads: must be a whole number"},
      {R"({"db": "x", "threads": 2.5})", "threads: must be a whole number"},
      {R"({"db": "x", "max_connections": 0})", "max_connections: must be a whole number in 1..100000"},
      {R"({"db": "x", "backlog": 70000})", "backlog: must be a whole number in 1..65535"},
      {R"({"db": "x", "head_timeout": 0})", "head_timeout: must be a number of seconds"},
      {R"({"db": "x", "listen": "localhost"})", "listen: wants HOST:PORT"},
      {R"({"db": "x", "listen": "127.0.0.1:70000"})", "listen: wants HOST:PORT"},
      {R"({"db": "x", "quiet": "yes"})", "quiet: must be true or false"},
      {R"({"db": "x", "cors_origin": "a\r\nSet-Cookie: x"})", "cors_origin: must not contain control characters"},
      {R"({"db": "x", "fallbacks": {"zh-HK": ["klingon!"]}})", "fallbacks: zh-HK: \"klingon!\" is not a locale"},
      {R"({"db": "x", "thread": 4})", "thread: unknown key"},
      {R"({})", "db: required"},
      {R"({"db": "x", "analytics": false, "admin_token": ""})", ""},
      {R"({"db": "x", "analytics": true, "analytics_db": "/tmp/a.sqlite", "admin_token": "0123456789abcdef",
           "analytics_retention_days": 30, "analytics_max_mb": 50})", ""},
      {R"({"db": "x", "analytics": "on"})", "analytics: must be true or false"},
      {R"({"db": "x", "analytics": true, "admin_token": "0123456789abcdef"})", "analytics_db: required when analytics"},
      {R"({"db": "x", "analytics": true, "analytics_db": "a.sqlite"})", "admin_token: required when analytics"},
      {R"({"db": "x", "admin_token": "short"})", "admin_token: must be 16 to 256 visible ASCII"},
      {R"({"db": "x", "admin_token": "0123456789 abcdef"})", "admin_token: must be 16 to 256 visible ASCII"},
      {R"({"db": "x", "analytics_retention_days": 0})", "analytics_retention_days: must be a whole number in 1..3650"},
      {R"({"db": "x", "analytics_max_mb": 0.5})", "analytics_max_mb: must be a whole number in 1..1000000"},
  };
  for (const auto& [text, expected] : table) {
    DaemonConfig config;
    const std::string error = apply_settings(json::parse(text), &config);
    INFO(text << " → " << error);
    if (expected.empty())
      CHECK(error.empty());
    else
      CHECK(error.rfind(expected, 0) == 0);
  }
  DaemonConfig config;
  REQUIRE(apply_settings(json::parse(R"({"db": "x", "threads": 64, "head_timeout": 2.5})"), &config).empty());
  CHECK(config.server.threads == 64);
  CHECK(config.server.connections.head_timeout.count() == 2500);
  CHECK_FALSE(config.analytics.enabled);  // off unless switched on
  REQUIRE(apply_settings(json::parse(R"({"db": "x", "analytics": true, "analytics_db": "a.sqlite",
      "admin_token": "0123456789abcdef", "analytics_max_mb": 2, "analytics_retention_days": 30})"), &config).empty());
  CHECK(config.analytics.max_bytes == 2u << 20);
  CHECK(config.analytics.retention_days == 30);
  // Flags arrive as text and meet the same rules.
  CHECK(flag_value("-1") == json(-1));
  CHECK(flag_value("abc") == json("abc"));
  CHECK(apply_settings({{"db", "x"}, {"threads", flag_value("0")}}, &config).rfind("threads:", 0) == 0);
}

TEST_CASE("the admin token can come from a systemd credential, readable by the service alone", "[config]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "helpsearch-credentials-test";
  std::filesystem::create_directories(dir);
  auto credential = [&](const std::string& text) { std::ofstream(dir / "admin_token", std::ios::binary) << text; };
  const std::string token = "0123456789abcdef0123";
  auto taken = [&](json settings, std::string* error) {
    *error = take_credentials(dir.c_str(), &settings);
    DaemonConfig config;
    if (error->empty()) *error = apply_settings(settings, &config);
    return config.analytics.admin_token;
  };
  std::string error;
  credential(token + "\n");  // as `openssl rand -hex 24 > file` writes it
  CHECK(taken(json{{"db", "x"}, {"analytics", true}, {"analytics_db", "a.sqlite"}}, &error) == token);
  CHECK(error.empty());
  CHECK(taken(json{{"db", "x"}, {"admin_token", ""}}, &error) == token);
  // The configuration's own token wins; no directory or no file takes nothing.
  CHECK(taken(json{{"db", "x"}, {"admin_token", "fedcba9876543210"}}, &error) == "fedcba9876543210");
  json settings{{"db", "x"}};
  CHECK(take_credentials(nullptr, &settings).empty());
  CHECK(!settings.contains("admin_token"));
  credential("");
  CHECK(taken(json{{"db", "x"}}, &error).empty());
  CHECK(error.empty());
  // A bad credential is refused, naming where it came from.
  credential("short");
  taken(json{{"db", "x"}}, &error);
  CHECK(error.rfind("admin_token (credential " + (dir / "admin_token").string() + "): must be 16 to 256", 0) == 0);
  std::filesystem::remove_all(dir);
  settings = json{{"db", "x"}};
  CHECK(take_credentials(dir.c_str(), &settings).empty());
  CHECK(!settings.contains("admin_token"));
}

TEST_CASE("request heads: limits, methods, no body, no Range", "[config]") {
  const HeadLimits limits;
  auto check = [&](const std::string& head) { return check_head(head, limits); };
  CHECK(head_length("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET") == 27);
  CHECK(head_length("GET / HTTP/1.1\r\nHost: x\r\n") == std::string::npos);

  struct Case {
    std::string head;
    int status;
    std::string code;
  };
  std::string many_headers = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many_headers += "X-" + std::to_string(i) + ": y\r\n";
  const std::vector<Case> cases = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, ""},
      {"HEAD /healthz HTTP/1.0\r\n\r\n", 0, ""},
      {"OPTIONS /v1/search HTTP/1.1\r\nOrigin: http://a\r\n\r\n", 0, ""},
      {"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 0, ""},
      {"POST /v1/search HTTP/1.1\r\n\r\n", 405, "method_not_allowed"},
      {"DELETE / HTTP/1.1\r\n\r\n", 405, "method_not_allowed"},
      {"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 400, "body_not_allowed"},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "body_not_allowed"},
      {"GET / HTTP/2.0\r\n\r\n", 400, "bad_request"},
      {"GET /\r\n\r\n", 400, "bad_request"},
      {"GET / HTTP/1.1\r\n folded\r\n\r\n", 400, "bad_request"},
      {"GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n", 400, "bad_request"},
      {many_headers + "\r\n", 431, "too_many_headers"},
      {"GET / HTTP/1.1\r\nX: " + std::string(40000, 'a') + "\r\n\r\n", 431, "header_too_large"},
      {"GET /" + std::string(17000, 'a') + " HTTP/1.1\r\n\r\n", 414, "uri_too_long"},
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414, "uri_too_long"},
  };
  for (const Case& c : cases) {
    const HeadCheck h = check(c.head);
    INFO(c.head.substr(0, 80));
    CHECK(h.status == c.status);
    CHECK(h.code == c.code);
  }
  // Range and If-Range are dropped; the rest is kept.
  CHECK(check("GET / HTTP/1.1\r\nRange: bytes=0-1\r\nHost: x\r\nIf-Range: y\r\n\r\n").head ==
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  // 1,000 CJK characters escaped are 9,000 bytes: written as UTF-8 they fit cpp-httplib's line.
  std::string q;
  for (int i = 0; i < 1000; ++i) q += "%E5%AF%86";
  const HeadCheck cjk = check("GET /v1/search?q=" + q + "%20%26 HTTP/1.1\r\n\r\n");
  REQUIRE(cjk.status == 0);
  CHECK(cjk.head.size() < 3100);
  CHECK(cjk.head.find("%20%26 HTTP/1.1") != std::string::npos);  // ASCII escapes stay
}
