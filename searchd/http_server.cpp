#include "http_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <regex>
#include <thread>

#include "log.h"

namespace helpsearch {
namespace {

using Clock = std::chrono::steady_clock;

// How long a worker waits for a client to take an answer (or, never in
// practice, to send more of a request than the head Connections read).
constexpr int kIoTimeoutMs = 5000;

/// A connection as cpp-httplib reads it: first the bytes Connections read
/// (the checked head), then the socket, waited on with poll.
class ConnectionStream : public httplib::Stream {
 public:
  explicit ConnectionStream(Connection& c) : c_(c) {}

  bool is_readable() const override { return pos_ < c_.in.size() || wait(POLLIN); }
  bool is_writable() const override { return wait(POLLOUT); }
  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < c_.in.size()) {
      const size_t n = std::min(size, c_.in.size() - pos_);
      std::memcpy(ptr, c_.in.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    return wait(POLLIN) ? ::recv(c_.fd, ptr, size, 0) : -1;
  }
  ssize_t write(const char* ptr, size_t size) override {
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::send(c_.fd, ptr + done, size - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
      } else if (n < 0 && errno != EINTR && !(errno == EAGAIN && wait(POLLOUT))) {
        return -1;
      }
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override { address(::getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address(::getsockname, ip, port); }
  // Only read by cpp-httplib's guard for select(2), which this stream does not use.
  socket_t socket() const override { return c_.fd < FD_SETSIZE ? c_.fd : 0; }

  /// Bytes of the buffer cpp-httplib has read.
  size_t consumed() const { return pos_; }

 private:
  bool wait(short events) const {
    pollfd p{c_.fd, events, 0};
    int n;
    while ((n = ::poll(&p, 1, kIoTimeoutMs)) < 0 && errno == EINTR) {}
    return n > 0;
  }
  template <class F>
  void address(F get, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    char text[INET6_ADDRSTRLEN] = "";
    port = 0;
    if (get(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    }
    ip = text;
  }

  Connection& c_;
  size_t pos_ = 0;
};

/// The accept loop hands each socket straight to Server::process_and_close_socket
/// (which only admits it), so no thread is tied to a connection.
class InlineQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

/// SO_REUSEADDR (a restart binds at once) but not cpp-httplib's SO_REUSEPORT,
/// which lets a second daemon bind the same port and take half the traffic.
void socket_options(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

Request to_request(const httplib::Request& req) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  for (size_t i = 1; i < req.matches.size(); ++i) r.captures.push_back(req.matches[i].str());
  r.accept_language = req.get_header_value("Accept-Language");
  r.if_none_match = req.get_header_value("If-None-Match");
  r.authorization = req.get_header_value("Authorization");
  r.id = new_request_id();
  return r;
}

/// The daemon: cpp-httplib parses and routes; the connection handling around
/// it (admission, waiting for heads, head checks, keep-alive) is ours.
class Daemon : public httplib::Server {
 public:
  Daemon(Context& ctx, const ServerOptions& opt)
      : ctx_(ctx),
        opt_(opt),
        workers_(opt.threads),
        connections_(
            opt.connections, [this](ConnectionPtr c) { workers_.enqueue([this, c] { serve_connection(c); }); },
            [this](Connection& c, int status) { answer_expired(c, status); }) {
    new_task_queue = [] { return new InlineQueue; };
    set_socket_options(socket_options);
    set_tcp_nodelay(true);  // accepted sockets inherit it: no Nagle delay on kept-alive answers
    // Only what cpp-httplib advertises in Keep-Alive: the connection loop is ours.
    set_keep_alive_timeout(std::max<time_t>(1, opt.connections.keep_alive_timeout.count() / 1000));
    set_keep_alive_max_count(opt.keep_alive_requests);
    if (!opt.cors_origin.empty()) set_default_headers({{"Access-Control-Allow-Origin", opt.cors_origin}});
    for (const Route& route : routes()) {
      Get(route.pattern, [this, &route](const httplib::Request& req, httplib::Response& res) {
        const auto start = Clock::now();
        Request r = to_request(req);
        Response out = dispatch(ctx_, route, r);
        finish(route.name, r, out, start, res);
      });
      Options(route.pattern, [this](const httplib::Request& req, httplib::Response& res) { options(req, res); });
    }
    // Also called after a handler answered 4xx or 5xx: those have their body.
    set_error_handler(HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return HandlerResponse::Unhandled;
      Request r = to_request(req);
      Response out = res.status == 404 ? error_response(404, "not_found", "no route for " + req.method + " " + req.path)
                                       : error_response(res.status, "bad_request", "the request could not be read as HTTP");
      finish("unrouted", r, out, Clock::now(), res);
      return HandlerResponse::Handled;
    }));
    set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
      Request r = to_request(req);
      log_line("error: " + r.id + " " + req.method + " " + req.path + ": exception outside the handlers");
      finish("unrouted", r, error_response(500, "internal", "the request failed; see the daemon's log"), Clock::now(),
             res);
    });
    ctx_.metrics.add_source([this] {
      return "# HELP helpsearchd_connections_open Client connections open.\n"
             "# TYPE helpsearchd_connections_open gauge\n"
             "helpsearchd_connections_open " + std::to_string(connections_.open()) + "\n"
             "# HELP helpsearchd_connections_refused_total Connections answered 503 (max_connections open).\n"
             "# TYPE helpsearchd_connections_refused_total counter\n"
             "helpsearchd_connections_refused_total " + std::to_string(connections_.refused()) + "\n";
    });
  }

  ~Daemon() override {
    stopping_ = true;
    connections_.stop();
    workers_.shutdown();
  }

  /// Binds (no second daemon on the same port), listens with the backlog.
  bool bind(std::string* error) {
    errno = 0;
    if (!bind_to_port(opt_.host, opt_.port)) {
      *error = errno ? std::strerror(errno) : "address not available";
      return false;
    }
    // cpp-httplib listens with a backlog of 5; listen(2) again sets ours.
    if (::listen(svr_sock_, opt_.backlog) != 0) {
      *error = std::strerror(errno);
      return false;
    }
    return true;
  }

 private:
  // Called by cpp-httplib's accept loop for every new socket.
  bool process_and_close_socket(socket_t sock) override {
    if (connections_.admit(sock)) return true;
    connections_.count_refused();
    auto c = std::make_unique<Connection>();
    c->fd = sock;
    answer(*c, "", "", error_response(503, "overloaded", "too many open connections; retry in a second"),
           "Retry-After: 1\r\n", false);
    if (connections_.linger_refused(sock)) {
      c->fd = -1;  // Connections owns the socket now
    } else {
      char drain[4096];
      while (::recv(sock, drain, sizeof drain, MSG_DONTWAIT) > 0) {}
      ::shutdown(sock, SHUT_WR);
    }
    return true;  // c closes the socket if it still has it
  }

  // On a worker: answers every complete head in the buffer, then hands the
  // connection back to wait for the next one.
  void serve_connection(const ConnectionPtr& c) {
    for (;;) {
      const size_t len = head_length(c->in);
      if (len == std::string::npos) return connections_.wait_next(c);
      HeadCheck head = check_head(std::string_view(c->in).substr(0, len), opt_.head);
      if (head.status != 0) {
        answer(*c, head.method, head.target, error_response(head.status, head.code, head.message),
               head.status == 405 ? std::string("Allow: ") + kAllowedMethods + "\r\n" : "", true);
        return connections_.linger(c);
      }
      c->in.replace(0, len, head.head);
      ConnectionStream stream(*c);
      const bool last = ++c->requests >= opt_.keep_alive_requests || stopping_;
      bool closed = false;
      const bool ok = process_request(stream, last, closed, nullptr);
      c->in.erase(0, stream.consumed());
      if (!ok || closed || last) return;  // the last reference closes the socket
    }
  }

  void answer_expired(Connection& c, int status) {
    if (status == 408)
      answer(c, "", "", error_response(408, "request_timeout", "the request head did not arrive in time"), "", false);
    else
      answer(c, "", "", error_response(431, "header_too_large", "the request head is longer than " +
                                                                   std::to_string(opt_.connections.max_head_bytes) +
                                                                   " bytes"),
             "", false);
  }

  /// The route a request target names, for metrics ("unrouted" when none or not read yet).
  static std::string route_of(const std::string& target) {
    const std::string path = target.substr(0, target.find('?'));
    for (const Route& route : routes())
      if (std::regex_match(path, std::regex(route.pattern))) return route.name;
    return "unrouted";
  }

  /// An error answer made before cpp-httplib saw the request; the connection closes after it.
  void answer(Connection& c, const std::string& method, const std::string& target, Response out,
              const std::string& extra_headers, bool may_block) {
    const std::string id = new_request_id();
    const std::string route = route_of(target);
    finish_error(ctx_, route, id, out);
    ctx_.metrics.observe(route, out.status, 0);
    if (!opt_.quiet) log_line(id + " " + method + " " + target + " " + std::to_string(out.status));
    std::string raw = "HTTP/1.1 " + std::to_string(out.status) + " " + reason(out.status) + "\r\n" +
                      "Content-Type: application/json\r\nContent-Length: " + std::to_string(out.body.size()) +
                      "\r\nConnection: close\r\nX-Request-Id: " + id + "\r\n" + extra_headers;
    if (!opt_.cors_origin.empty()) raw += "Access-Control-Allow-Origin: " + opt_.cors_origin + "\r\n";
    raw += "\r\n";
    if (method != "HEAD") raw += out.body;
    if (may_block) {
      ConnectionStream(c).write(raw.data(), raw.size());
    } else if (::send(c.fd, raw.data(), raw.size(), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      // The client is gone or not reading: it loses a short error answer.
    }
  }

  void options(const httplib::Request& req, httplib::Response& res) {
    res.status = 204;
    res.set_header("Allow", kAllowedMethods);
    if (!opt_.cors_origin.empty()) {
      res.set_header("Access-Control-Allow-Methods", kAllowedMethods);
      const std::string asked = req.get_header_value("Access-Control-Request-Headers");
      if (!asked.empty() && asked.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ") ==
                                std::string::npos)
        res.set_header("Access-Control-Allow-Headers", asked);
      res.set_header("Access-Control-Max-Age", "600");
    }
    ctx_.metrics.observe("options", 204, 0);
  }

  void finish(const std::string& route, const Request& r, Response out, Clock::time_point start,
              httplib::Response& res) {
    finish_error(ctx_, route, r.id, out);
    res.status = out.status;
    res.set_content(out.body, out.content_type.c_str());
    res.set_header("X-Request-Id", r.id);
    for (const auto& [name, value] : out.headers) res.set_header(name.c_str(), value);
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    ctx_.metrics.observe(route, out.status, secs);
    if (!opt_.quiet) {
      char ms[32];
      std::snprintf(ms, sizeof ms, " %d %.1fms", out.status, secs * 1000);
      log_line(r.id + " " + r.method + " " + r.path + ms);
    }
  }

  Context& ctx_;
  const ServerOptions& opt_;
  httplib::ThreadPool workers_;
  Connections connections_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

int serve(Context& ctx, const ServerOptions& opt) {
  // SIGINT/SIGTERM stop the server from a thread of its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  Daemon daemon(ctx, opt);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    daemon.stop();
  });
  std::string error;
  if (!daemon.bind(&error)) {
    std::fprintf(stderr, "helpsearchd: error: cannot listen on %s:%d: %s (is another helpsearchd running there?)\n",
                 opt.host.c_str(), opt.port, error.c_str());
    kill(getpid(), SIGTERM);
    waiter.join();
    return 2;
  }
  std::fprintf(stderr, "helpsearchd: listening on http://%s:%d/ with %u threads, at most %zu connections\n",
               opt.host.c_str(), opt.port, opt.threads, opt.connections.max_connections);
  daemon.listen_after_bind();
  kill(getpid(), SIGTERM);  // wake the waiter if the server stopped by itself
  waiter.join();
  return 0;
}

}  // namespace helpsearch
