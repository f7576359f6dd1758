// The cpp-httplib adapter: the only file that includes httplib.h.
#pragma once

#include <string>

#include "handlers.h"

namespace helpsearch {

/// How the daemon listens.
struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  unsigned threads = 4;
  bool quiet = false;  ///< no per-request log lines
  /// Access-Control-Allow-Origin sent with every answer, so that browser apps
  /// on other origins (an admin portal) can call the API; "" sends none.
  std::string cors_origin = "*";
};

/// Serves the routes until SIGINT or SIGTERM. Returns the process exit status.
int serve(Context& ctx, const ServerOptions& options);

}  // namespace helpsearch
