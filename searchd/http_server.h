// The cpp-httplib adapter: the only file that includes httplib.h.
#pragma once

#include <string>

#include "connections.h"
#include "handlers.h"
#include "http_head.h"

namespace helpsearch {

/// How the daemon listens (defaults are the README's).
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  /// Worker threads. A worker serves one request at a time and never waits
  /// for a client to send (that happens in Connections): the matcher's work
  /// is what they share, so four per core (at least 8) keep the cores busy
  /// while a few answers wait on slow readers. Each holds its own database
  /// handle and analyzers (a few MB).
  unsigned threads = default_threads();
  static unsigned default_threads();
  int backlog = 1024;                ///< listen(2) backlog
  size_t keep_alive_requests = 1000;  ///< answers on one connection before it is closed
  ConnectionLimits connections;
  HeadLimits head;
  bool quiet = false;  ///< no per-request log lines (faults are still logged)
  /// Access-Control-Allow-Origin sent with every answer, so that browser apps
  /// on other origins (an admin portal) can call the API; "" sends none.
  std::string cors_origin = "*";
};

/// Serves the routes until SIGINT or SIGTERM. Returns the process exit status
/// (2 when the address cannot be bound, for instance another daemon has it).
int serve(Context& ctx, const ServerOptions& options);

}  // namespace helpsearch
