// Client connections between requests: one thread waits on every socket with
// epoll until a whole request head has arrived, so idle keep-alive sockets and
// slow senders cost no worker thread. Deadlines: the whole head within
// head_timeout of its first byte (of the connection's opening for the first
// request), the next request within keep_alive_timeout. No cpp-httplib here.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace helpsearch {

using SteadyClock = std::chrono::steady_clock;

/// Bounds on connections (the README lists them).
struct ConnectionLimits {
  size_t max_connections = 512;                      ///< open at once; beyond: 503 + Retry-After
  std::chrono::milliseconds head_timeout{10000};     ///< whole request head
  std::chrono::milliseconds keep_alive_timeout{5000};  ///< idle time between requests
  size_t max_head_bytes = 32 * 1024;                 ///< a longer head is answered 431
};

/// One client connection. Owned by the waiting set or by one worker at a time.
struct Connection {
  int fd = -1;
  std::string in;        ///< bytes read and not yet used (a head, maybe more)
  size_t requests = 0;   ///< requests answered on it
  SteadyClock::time_point deadline;
  bool started = false;  ///< some bytes of the next head have arrived
  bool lingering = false;  ///< answered with an error: read and drop until the client closes
  size_t dropped = 0;
  std::atomic<size_t>* open = nullptr;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();  ///< closes the socket
};

using ConnectionPtr = std::shared_ptr<Connection>;

/// The waiting set and its thread.
class Connections {
 public:
  /// on_head: a whole head is in `in`; called on the waiting thread, must hand
  /// the connection on quickly. on_expired: the head did not arrive in time
  /// (status 408) or grew past max_head_bytes (431); called on the waiting
  /// thread, must only write a short answer without blocking.
  Connections(ConnectionLimits limits, std::function<void(ConnectionPtr)> on_head,
              std::function<void(Connection&, int status)> on_expired);
  ~Connections();

  /// Takes a freshly accepted socket; false (socket untouched) when
  /// max_connections are open.
  bool admit(int fd);
  /// After an answer on a kept-alive connection: wait for the next head.
  void wait_next(ConnectionPtr c);
  /// After an error answer: half-close, drop what the client still sends
  /// (so it reads the answer rather than a reset), then close.
  void linger(ConnectionPtr c);
  /// Lingers on a socket refused with 503 (so the client reads the 503, not
  /// a reset), outside max_connections but as many at most; false when full.
  bool linger_refused(int fd);
  /// Connections open now.
  size_t open() const { return open_; }
  /// Connections refused because max_connections were open.
  uint64_t refused() const { return refused_; }
  void count_refused() { ++refused_; }
  /// Closes every waiting connection and stops the thread.
  void stop();

 private:
  void add(ConnectionPtr c);
  void loop();
  void on_readable(const ConnectionPtr& c);
  void expire(SteadyClock::time_point now);
  void drop(int fd);

  ConnectionLimits limits_;
  std::function<void(ConnectionPtr)> on_head_;
  std::function<void(Connection&, int)> on_expired_;
  int epoll_ = -1;
  int wake_ = -1;  ///< eventfd that ends epoll_wait on stop
  std::mutex mutex_;
  std::unordered_map<int, ConnectionPtr> waiting_;
  std::atomic<size_t> open_{0};
  std::atomic<size_t> refused_open_{0};  ///< refused sockets lingering
  std::atomic<uint64_t> refused_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace helpsearch
