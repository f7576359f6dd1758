#include "connections.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "http_head.h"

namespace helpsearch {
namespace {

constexpr auto kLinger = std::chrono::seconds(2);  // how long an error answer waits for the client to close
constexpr size_t kLingerBytes = 8 * 1024 * 1024;   // what it drops meanwhile at most
constexpr auto kTick = std::chrono::milliseconds(100);  // deadline resolution

}  // namespace

Connection::~Connection() {
  // Uncounted before closed: a client that saw the close may connect again at
  // once and must find its slot free.
  if (open) --*open;
  if (fd >= 0) ::close(fd);
}

Connections::Connections(ConnectionLimits limits, std::function<void(ConnectionPtr)> on_head,
                         std::function<void(Connection&, int)> on_expired)
    : limits_(limits), on_head_(std::move(on_head)), on_expired_(std::move(on_expired)) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot create the connection poller");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  thread_ = std::thread([this] { loop(); });
}

Connections::~Connections() {
  stop();
  ::close(epoll_);
  ::close(wake_);
}

bool Connections::admit(int fd) {
  if (open_ >= limits_.max_connections || stopping_) return false;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto c = std::make_shared<Connection>();
  c->fd = fd;
  c->open = &open_;
  ++open_;
  c->deadline = SteadyClock::now() + limits_.head_timeout;
  add(std::move(c));
  return true;
}

bool Connections::linger_refused(int fd) {
  if (refused_open_ >= limits_.max_connections || stopping_) return false;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto c = std::make_shared<Connection>();
  c->fd = fd;
  c->open = &refused_open_;
  ++refused_open_;
  linger(std::move(c));
  return true;
}

void Connections::wait_next(ConnectionPtr c) {
  c->started = !c->in.empty();
  c->deadline = SteadyClock::now() + (c->started ? limits_.head_timeout : limits_.keep_alive_timeout);
  add(std::move(c));
}

void Connections::linger(ConnectionPtr c) {
  ::shutdown(c->fd, SHUT_WR);
  c->lingering = true;
  c->in.clear();
  c->in.shrink_to_fit();
  c->deadline = SteadyClock::now() + kLinger;
  add(std::move(c));
}

void Connections::add(ConnectionPtr c) {
  if (stopping_) return;  // dropping the last reference closes it
  const int fd = c->fd;
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_[fd] = std::move(c);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void Connections::drop(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  waiting_.erase(fd);
}

void Connections::stop() {
  if (stopping_.exchange(true)) return;
  const uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) { /* the 100 ms tick ends the wait anyway */ }
  if (thread_.joinable()) thread_.join();
  std::unordered_map<int, ConnectionPtr> closing;
  std::lock_guard<std::mutex> lock(mutex_);
  closing.swap(waiting_);
}

void Connections::loop() {
  std::vector<epoll_event> events(256);
  auto last_scan = SteadyClock::now();
  while (!stopping_) {
    const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                             static_cast<int>(kTick.count()));
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_) continue;
      ConnectionPtr c;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = waiting_.find(events[i].data.fd);
        if (it != waiting_.end()) c = it->second;
      }
      if (c) on_readable(c);
    }
    const auto now = SteadyClock::now();
    if (now - last_scan >= kTick) {
      expire(now);
      last_scan = now;
    }
  }
}

void Connections::on_readable(const ConnectionPtr& c) {
  char buf[16 * 1024];
  if (c->lingering) {
    for (;;) {
      const ssize_t got = ::recv(c->fd, buf, sizeof buf, 0);
      if (got > 0 && (c->dropped += static_cast<size_t>(got)) <= kLingerBytes) continue;
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
      drop(c->fd);  // the client closed, failed, or sends too much
      return;
    }
  }
  bool closed = false;
  while (c->in.size() <= limits_.max_head_bytes) {
    const ssize_t got = ::recv(c->fd, buf, sizeof buf, 0);
    if (got > 0) {
      c->in.append(buf, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    closed = got == 0 || errno != EAGAIN;
    break;
  }
  if (!c->started && !c->in.empty()) {
    c->started = true;
    // The first head's deadline runs from the connection's opening; a later
    // head's from its first byte.
    if (c->requests > 0) c->deadline = SteadyClock::now() + limits_.head_timeout;
  }
  if (head_length(c->in) != std::string::npos) {
    drop(c->fd);
    on_head_(c);
  } else if (c->in.size() > limits_.max_head_bytes) {
    drop(c->fd);
    on_expired_(*c, 431);
    linger(c);
  } else if (closed) {
    drop(c->fd);
  }
}

void Connections::expire(SteadyClock::time_point now) {
  std::vector<ConnectionPtr> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [fd, c] : waiting_)
      if (now >= c->deadline) expired.push_back(c);
  }
  for (const ConnectionPtr& c : expired) {
    drop(c->fd);
    if (c->lingering || c->in.empty()) continue;  // closed when the last reference goes
    on_expired_(*c, 408);
    linger(c);
  }
}

}  // namespace helpsearch
