#include "cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "daemon.h"

extern char** environ;

namespace helpsearch::test {

ServerProcess::ServerProcess(const std::string& program, const std::vector<std::string>& args,
                             const std::string& log_path) {
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program);
}

void ServerProcess::stop(bool hard) {
  if (pid <= 0) return;
  ::kill(-pid, hard ? SIGKILL : SIGTERM);  // its session: the server and the children it forked
  int status = 0;
  waitpid(pid, &status, 0);
  pid = -1;
}

ServerProcess::~ServerProcess() { stop(); }

bool have_xapian_tools() {
  return access("/usr/bin/xapian-tcpsrv", X_OK) == 0 && access("/usr/bin/xapian-replicate", X_OK) == 0 &&
         access("/usr/bin/xapian-replicate-server", X_OK) == 0;
}

bool wait_for_port(int port) {
  for (int i = 0; i < 500; ++i) {
    const int fd = connect_to(port);
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TcpShard::TcpShard(const std::string& db, int p, const std::string& log_path)
    : port(p),
      process("xapian-tcpsrv", {"--interface", "127.0.0.1", "--port", std::to_string(p), db}, log_path) {
  if (!wait_for_port(port)) throw std::runtime_error("xapian-tcpsrv did not start on port " + std::to_string(port));
}

}  // namespace helpsearch::test
