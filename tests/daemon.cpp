#include "daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support.h"

extern char** environ;

namespace helpsearch::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
  const std::string bin = std::string(HELPSEARCH_BIN_DIR) + "/helpsearchd";
  std::vector<std::string> all = {bin};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + bin);
  return pid;
}

}  // namespace

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

Daemon::Daemon(const std::string& db, const std::vector<std::string>& extra) {
  log_path = temp_dir() + "/helpsearchd.log";
  // Another test's daemon may take the free port first: then this one exits
  // (busy port) and a /healthz answer would come from the other. Only a
  // daemon that logged its own "listening" line counts; else try a new port.
  for (int tries = 0; tries < 5; ++tries) {
    if (tries > 0) port = free_port();
    std::vector<std::string> args = {"--db", db, "--listen", "127.0.0.1:" + std::to_string(port), "--synonyms",
                                     source_dir() + "/data/synonyms.txt", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = spawn(args, log_path);
    for (int i = 0; i < 200 && pid > 0; ++i) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        break;
      }
      const std::string r = http_exchange(port, "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 1000);
      if (r.rfind("HTTP/1.1 200", 0) == 0 && log().find("listening on") != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid > 0) throw std::runtime_error("helpsearchd did not answer /healthz within 10 s");
  }
  throw std::runtime_error("helpsearchd exited: " + log());
}

Daemon::~Daemon() {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

std::string Daemon::log() const { return slurp(log_path); }

long Daemon::rss_kb() const {
  std::istringstream in(slurp("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

int run_daemon(const std::vector<std::string>& args, std::string* err) {
  const std::string log_path = temp_dir() + "/helpsearchd.err";
  const pid_t pid = spawn(args, log_path);
  int status = 0;
  waitpid(pid, &status, 0);
  *err = slurp(log_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string http_exchange(int port, const std::string& bytes, int timeout_ms) {
  const int fd = connect_to(port);
  if (fd < 0) return "";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  size_t sent = 0;
  std::string got;
  char buf[65536];
  for (;;) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) break;
    pollfd p{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
    if (poll(&p, 1, left) <= 0) break;
    if (p.revents & POLLIN) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    } else if (p.revents & POLLOUT) {
      const ssize_t n = send(fd, bytes.data() + sent, std::min<size_t>(bytes.size() - sent, 65536), MSG_NOSIGNAL);
      if (n <= 0) sent = bytes.size();  // the server stopped reading: read what it answered
      else sent += static_cast<size_t>(n);
    } else {
      break;
    }
  }
  close(fd);
  return got;
}

}  // namespace helpsearch::test
