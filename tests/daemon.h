// helpsearchd as a child process on a free loopback port, for end-to-end tests.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace helpsearch::test {

/// A free TCP port on 127.0.0.1.
int free_port();

/// Runs helpsearchd until destroyed (SIGTERM). Its stderr goes to a file.
struct Daemon {
  pid_t pid = -1;
  int port = free_port();
  std::string log_path;  ///< the daemon's stderr

  /// Starts on db with data/synonyms.txt and --quiet, plus extra arguments;
  /// waits until /healthz answers.
  explicit Daemon(const std::string& db, const std::vector<std::string>& extra = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// What the daemon has written on stderr so far.
  std::string log() const;
  /// Its resident set size in kB.
  long rss_kb() const;
};

/// Runs helpsearchd with args to completion (it is expected to exit by
/// itself); returns its exit status, and its stderr in *err.
int run_daemon(const std::vector<std::string>& args, std::string* err);

/// A connected socket to 127.0.0.1:port (-1 on failure).
int connect_to(int port);

/// Sends bytes on a fresh connection and reads until the server closes it or
/// timeout_ms passes.
std::string http_exchange(int port, const std::string& bytes, int timeout_ms = 3000);

}  // namespace helpsearch::test
