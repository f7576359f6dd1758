// Load while the index changes: wrk (64 connections, 30 s) against helpsearchd
// while helpsearch-index updates the index, then while it rebuilds it.
// Tagged [.slow]: run by scripts/bench (ctest -L slow), not by scripts/test.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <thread>

#include "daemon.h"
#include "support.h"

using namespace helpsearch::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int run(const std::string& command, std::string* output = nullptr) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  while (fgets(buf, sizeof buf, p))
    if (output) *output += buf;
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

long count(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? std::stol(m[1].str()) : 0;
}

}  // namespace

TEST_CASE("wrk against searchd while the index is updated and rebuilt: no errors", "[.slow]") {
  if (run("command -v wrk >/dev/null") != 0) {
    WARN("wrk is not installed (scripts/bench installs it); skipped");
    return;
  }
  const std::string root = temp_dir();
  fs::copy(source_dir() + "/data", root + "/data", fs::copy_options::recursive);
  const std::string db = root + "/db";
  const std::string index = std::string(HELPSEARCH_BIN_DIR) + "/helpsearch-index --db " + db + " ";
  REQUIRE(run(index + root + "/data 2>&1") == 0);
  Daemon d(db);
  write_file(root + "/mix.lua", R"(
local paths = {"/v1/search?q=password&locale=en-US", "/v1/suggest?q=pass&locale=en-US",
               "/v1/search?q=%E5%AF%86%E7%A2%BC&locale=zh-TW", "/v1/suggest?q=%E3%83%91%E3%82%B9&locale=ja-JP",
               "/v1/search?q=mfa%20sign%20in&locale=de-DE", "/v1/lookup/500"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
)");
  std::string wrk_out;
  std::thread load([&] {
    run("wrk -t2 -c64 -d30s --timeout 5s -s " + root + "/mix.lua http://127.0.0.1:" + std::to_string(d.port) +
            "/ 2>&1",
        &wrk_out);
  });

  const auto start = Clock::now();
  int updates = 0, rebuilds = 0;
  double worst_lag = 0;
  for (int round = 0; Clock::now() - start < std::chrono::seconds(28); ++round) {
    const bool rebuild = Clock::now() - start >= std::chrono::seconds(14);
    const std::string title = "Quokka care " + std::to_string(round);
    write_file(root + "/data/en-US/quokka.md", "---\ntitle: " + title + "\n---\n# " + title + "\n\nPassword tips.\n");
    REQUIRE(run(index + (rebuild ? "--rebuild " : "--prune ") + root + "/data 2>&1") == 0);
    (rebuild ? rebuilds : updates)++;
    // Suggestions reflect the new title within a second.
    const auto swapped = Clock::now();
    bool seen = false;
    while (!seen && Clock::now() - swapped < std::chrono::seconds(3)) {
      const std::string r = http_exchange(d.port, "GET /v1/suggest?q=quokka%20care%20" + std::to_string(round) +
                                                      "&locale=en-US HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
      seen = r.find("\"title\":\"" + title + "\"") != std::string::npos;
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(seen);
    worst_lag = std::max(worst_lag, std::chrono::duration<double>(Clock::now() - swapped).count());
  }
  load.join();
  // What went wrong, if anything: the daemon's error counters and fault lines.
  const std::string metrics = http_exchange(d.port, "GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  for (size_t at = metrics.find("\nhelpsearchd_errors_total{"); at != std::string::npos;
       at = metrics.find("\nhelpsearchd_errors_total{", at + 1))
    std::printf("%s\n", metrics.substr(at + 1, metrics.find('\n', at + 1) - at - 1).c_str());
  std::printf("%s", d.log().c_str());
  const long requests = count(wrk_out, R"((\d+) requests in)");
  const long non2xx = count(wrk_out, R"(Non-2xx or 3xx responses: (\d+))");
  std::smatch m;
  long socket_errors = 0;
  if (std::regex_search(wrk_out, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")))
    for (int i = 1; i <= 4; ++i) socket_errors += std::stol(m[i].str());
  std::printf("%s\nload: %d updates, %d rebuilds; %ld requests, %ld non-2xx, %ld socket errors; "
              "new titles suggested within %.0f ms of the swap\n",
              wrk_out.c_str(), updates, rebuilds, requests, non2xx, socket_errors, worst_lag * 1000);
  CHECK(requests > 0);
  CHECK(non2xx == 0);
  CHECK(socket_errors == 0);
  CHECK(rebuilds > 0);
  CHECK(worst_lag < 1.0);
}
