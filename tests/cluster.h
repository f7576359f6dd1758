// Xapian's own servers as child processes for the shard and replica tests:
// xapian-tcpsrv (a shard over the remote protocol), xapian-replicate-server
// and xapian-replicate. Each runs in its own session (setsid): xapian-tcpsrv
// signals its whole process group when it stops, which must not be the test's.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace helpsearch::test {

/// A program of xapian-tools run until destroyed (SIGTERM to its session).
struct ServerProcess {
  pid_t pid = -1;
  /// Starts program (found on PATH) with args; its output goes to log_path.
  ServerProcess(const std::string& program, const std::vector<std::string>& args, const std::string& log_path);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  /// Stops it now (SIGKILL to its session when hard, else SIGTERM), and waits.
  void stop(bool hard = false);
};

/// True when the xapian-tools programs are installed.
bool have_xapian_tools();

/// Waits until something accepts connections on 127.0.0.1:port (up to 5 s).
bool wait_for_port(int port);

/// xapian-tcpsrv serving db on 127.0.0.1:port.
struct TcpShard {
  int port;
  ServerProcess process;
  TcpShard(const std::string& db, int port, const std::string& log_path);
};

}  // namespace helpsearch::test
