// searchd under hostile traffic, over real sockets: idle and slow clients,
// oversized heads, odd methods, faults. Each case is bounded in time.
#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "daemon.h"
#include "support.h"

using namespace helpsearch::test;
using json = nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string get(int port, const std::string& target, const std::string& headers = "") {
  return http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + headers + "\r\n");
}

std::string body_of(const std::string& answer) {
  const size_t at = answer.find("\r\n\r\n");
  return at == std::string::npos ? "" : answer.substr(at + 4);
}

bool has_header(const std::string& answer, const std::string& line) {
  return answer.substr(0, answer.find("\r\n\r\n")).find("\r\n" + line) != std::string::npos;
}

/// A copy of the sample index the test may break.
std::string index_copy() {
  const std::string dir = temp_dir() + "/db";
  fs::copy(sample_index(), dir, fs::copy_options::recursive);
  return dir;
}

}  // namespace

TEST_CASE("256 idle sockets and 16 slowloris clients do not slow a normal client", "[abuse]") {
  Daemon d(sample_index(), {"--threads", "2"});
  std::vector<int> idle, slow;
  for (int i = 0; i < 256; ++i) idle.push_back(connect_to(d.port));
  for (int i = 0; i < 16; ++i) {
    slow.push_back(connect_to(d.port));
    send(slow.back(), "GET /v1/search?q=x HTTP/1.1\r\n", 29, MSG_NOSIGNAL);
  }
  std::atomic<bool> stop{false};
  std::thread drip([&] {
    while (!stop) {
      for (int fd : slow) send(fd, "X", 1, MSG_NOSIGNAL);  // a header byte at a time
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  httplib::Client c("127.0.0.1", d.port);
  c.set_read_timeout(5, 0);
  double worst = 0;
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    const auto start = Clock::now();
    auto r = c.Get(i % 2 ? "/v1/search?q=password&locale=en-US" : "/v1/suggest?q=pass&locale=en-US");
    worst = std::max(worst, std::chrono::duration<double>(Clock::now() - start).count());
    if (r && r->status == 200) ++ok;
  }
  stop = true;
  drip.join();
  for (int fd : idle) close(fd);
  for (int fd : slow) close(fd);
  std::printf("abuse: 256 idle + 16 slowloris open, 100 requests: %d answered 200, slowest %.1f ms\n", ok,
              worst * 1000);
  CHECK(ok == 100);
  CHECK(worst < 1.0);
}

TEST_CASE("connections beyond the cap get a fast 503, slow heads time out with 408", "[abuse]") {
  {
    Daemon d(sample_index(), {"--max-connections", "8"});
    std::vector<int> idle;
    for (int i = 0; i < 8; ++i) idle.push_back(connect_to(d.port));
    // The daemon counts a socket once its accept loop has taken it: under a
    // loaded machine that may lag the client's connect, so ask until it has.
    std::string refused;
    double slowest = 0;
    for (int attempt = 0; attempt < 50; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const auto start = Clock::now();
      refused = get(d.port, "/healthz");
      slowest = std::max(slowest, std::chrono::duration<double>(Clock::now() - start).count());
      if (refused.rfind("HTTP/1.1 503", 0) == 0) break;
    }
    CHECK(slowest < 1.0);
    INFO("refused: " << refused);
    CHECK(refused.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(has_header(refused, "Retry-After: 1"));
    CHECK(json::parse(body_of(refused))["error"]["code"] == "overloaded");
    for (int fd : idle) close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    CHECK(get(d.port, "/healthz").rfind("HTTP/1.1 200", 0) == 0);
  }
  // A head still incomplete after head_timeout is answered 408 and closed.
  Daemon d(sample_index(), {"--head-timeout", "1"});
  const int slow = connect_to(d.port);
  send(slow, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  char buf[512] = {};
  timeval tv{5, 0};
  setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto start = Clock::now();
  const ssize_t n = recv(slow, buf, sizeof buf - 1, 0);
  CHECK(n > 0);
  CHECK(std::string(buf).rfind("HTTP/1.1 408", 0) == 0);
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 4);
  close(slow);
}

TEST_CASE("oversized heads get 431 and cost no memory", "[abuse]") {
  Daemon d(sample_index());
  const long before = d.rss_kb();
  const std::string big = http_exchange(d.port, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(1 << 20, 'a') +
                                               "\r\n\r\n", 5000);
  CHECK(big.rfind("HTTP/1.1 431", 0) == 0);
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": y\r\n";
  const std::string too_many = http_exchange(d.port, many + "\r\n");
  CHECK(too_many.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(json::parse(body_of(too_many))["error"]["message"] == "the request has more than 64 header fields");
  const long after = d.rss_kb();
  std::printf("abuse: 1 MB header → %s; RSS %ld kB before, %ld kB after\n", big.substr(0, 12).c_str(), before,
              after);
  CHECK(after - before < 100 * 1024);
}

TEST_CASE("strict HTTP: bodies, methods, OPTIONS, HEAD, Range", "[abuse]") {
  Daemon d(sample_index());
  // A GET with a body is refused, not read as a second request.
  const std::string smuggled = http_exchange(
      d.port, "GET /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 27\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
  CHECK(smuggled.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(smuggled.find("HTTP/1.1", 8) == std::string::npos);
  CHECK(json::parse(body_of(smuggled))["error"]["code"] == "body_not_allowed");

  // POST and PUT without a body: 405 with Allow at once.
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
    const auto start = Clock::now();
    const std::string r = http_exchange(d.port, std::string(method) + " /v1/search?q=x HTTP/1.1\r\nHost: t\r\n\r\n");
    INFO(method << " → " << r);
    CHECK(r.rfind("HTTP/1.1 405", 0) == 0);
    CHECK(has_header(r, "Allow: GET, HEAD, OPTIONS"));
    CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 1.0);
  }

  // CORS preflight.
  const std::string pre = http_exchange(d.port,
                                   "OPTIONS /v1/search HTTP/1.1\r\nHost: t\r\nOrigin: https://portal.example\r\n"
                                   "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-app\r\n"
                                   "Connection: close\r\n\r\n");
  CHECK(pre.rfind("HTTP/1.1 204", 0) == 0);
  CHECK(has_header(pre, "Access-Control-Allow-Origin: *"));
  CHECK(has_header(pre, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS"));
  CHECK(has_header(pre, "Access-Control-Allow-Headers: x-app"));

  // HEAD where GET exists: the headers, no body.
  const std::string head = http_exchange(d.port, "HEAD /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(body_of(head).empty());

  // Range is ignored: the page comes whole, and many ranges cannot multiply it.
  const std::string whole = get(d.port, "/");
  const std::string ranged = get(d.port, "/", "Range: bytes=0-10,0-10,0-10,0-10\r\n");
  CHECK(ranged.rfind("HTTP/1.1 200", 0) == 0);
  CHECK_FALSE(has_header(ranged, "Content-Range"));
  CHECK(body_of(ranged).size() == body_of(whole).size());

  // Keep-alive and pipelining still work.
  const std::string two = http_exchange(d.port,
                                   "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                                   "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(two.find("HTTP/1.1 200", 1) != std::string::npos);
}

TEST_CASE("query limits are counted as documented; unknown locales are refused", "[abuse]") {
  Daemon d(sample_index());
  std::string cjk, emoji;
  for (int i = 0; i < 1000; ++i) cjk += "%E5%AF%86";        // 密
  for (int i = 0; i < 1000; ++i) emoji += "%F0%9F%99%82";   // 🙂
  CHECK(get(d.port, "/v1/search?q=" + cjk + "&locale=zh-TW").rfind("HTTP/1.1 200", 0) == 0);
  CHECK(get(d.port, "/v1/search?q=" + emoji).rfind("HTTP/1.1 200", 0) == 0);
  const std::string over = get(d.port, "/v1/search?q=" + cjk + "%E5%AF%86&locale=zh-TW");
  CHECK(over.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(json::parse(body_of(over))["error"]["message"] == "q is longer than 1000 characters");

  const std::string xx = get(d.port, "/v1/search?q=password&locale=xx-YY");
  CHECK(xx.rfind("HTTP/1.1 400", 0) == 0);
  const json e = json::parse(body_of(xx))["error"];
  CHECK(e["code"] == "unknown_locale");
  CHECK(e["message"].get<std::string>().find("known locales: de-DE, en-US, ja-JP, ko-KR, th-TH, zh-CN, zh-TW") !=
        std::string::npos);
  CHECK(get(d.port, "/v1/search?q=password&locale=el").rfind("HTTP/1.1 400", 0) == 0);
  CHECK(get(d.port, "/v1/search?q=password&locale=all").rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("faults are visible: a Xapian::Error is a logged, counted JSON 500; log lines cannot be forged",
          "[abuse]") {
  const std::string db = index_copy();
  Daemon d(db);
  CHECK(get(d.port, "/v1/search?q=password&locale=en-US").rfind("HTTP/1.1 200", 0) == 0);
  // The index folder is replaced by one with no database in it.
  fs::rename(db, db + ".gone");
  fs::create_directory(db);
  const std::string fault = get(d.port, "/v1/search?q=password&locale=en-US");
  CHECK(fault.rfind("HTTP/1.1 500", 0) == 0);
  const json e = json::parse(body_of(fault))["error"];
  CHECK(e["code"] == "internal");
  const std::string id = e["request_id"];
  CHECK(has_header(fault, "X-Request-Id: " + id));
  const std::string metrics = body_of(get(d.port, "/metrics"));
  CHECK(metrics.find("helpsearchd_errors_total{route=\"search\",kind=\"internal\"} 1") != std::string::npos);
  const std::string log = d.log();
  CHECK(log.find("error: " + id + " GET /v1/search (search): Xapian::Database") != std::string::npos);

  // A %0a in the path is escaped in the log, not a line of its own.
  fs::remove(db);
  fs::rename(db + ".gone", db);
  get(d.port, "/x%0aforged%20line%0d");
  get(d.port, "/v1/search?q=x&locale=xx-YY");
  const std::string after = d.log();
  CHECK(after.find("\nforged") == std::string::npos);
  const std::string m = body_of(get(d.port, "/metrics"));
  CHECK(m.find("helpsearchd_errors_total{route=\"unrouted\",kind=\"not_found\"} 1") != std::string::npos);
  CHECK(m.find("helpsearchd_errors_total{route=\"search\",kind=\"unknown_locale\"} 1") != std::string::npos);
}

TEST_CASE("configuration errors and a busy port exit 2 with a message naming the cause", "[abuse]") {
  const std::string dir = temp_dir();
  write_file(dir + "/bad.json", R"({"threads": -1})");
  std::string err;
  CHECK(run_daemon({"--db", sample_index(), "--config", dir + "/bad.json"}, &err) == 2);
  CHECK(err.find("threads: must be a whole number in 1..1024, got -1") != std::string::npos);
  CHECK(run_daemon({"--db", sample_index(), "--max-connections", "lots"}, &err) == 2);
  CHECK(err.find("max_connections:") != std::string::npos);

  Daemon first(sample_index());
  const auto start = Clock::now();
  CHECK(run_daemon({"--db", sample_index(), "--listen", "127.0.0.1:" + std::to_string(first.port)}, &err) == 2);
  CHECK(err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port)) != std::string::npos);
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 5);
}

TEST_CASE("the listen backlog is the configured one", "[abuse]") {
  Daemon d(sample_index(), {"--backlog", "777"});
  FILE* ss = popen(("ss -Hltn 'sport = :" + std::to_string(d.port) + "' 2>/dev/null").c_str(), "r");
  REQUIRE(ss);
  char line[512] = {};
  const bool got = fgets(line, sizeof line, ss) != nullptr;
  pclose(ss);
  if (!got) {
    WARN("ss (iproute2) is not available; backlog not checked");
    return;
  }
  CHECK(std::string(line).find(" 777 ") != std::string::npos);
}
