#include "http_server.h"

#include <httplib.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

namespace helpsearch {
namespace {

void apply(const Response& from, httplib::Response& to) {
  to.status = from.status;
  to.set_content(from.body, from.content_type.c_str());
}

Request to_request(const httplib::Request& req) {
  Request r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  for (size_t i = 1; i < req.matches.size(); ++i) r.captures.push_back(req.matches[i].str());
  r.accept_language = req.get_header_value("Accept-Language");
  return r;
}

}  // namespace

int serve(Context& ctx, const ServerOptions& opt) {
  httplib::Server server;
  const unsigned threads = std::max(1u, opt.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(size_t{64} * 1024);
  // Answers are written in pieces (headers, body): without TCP_NODELAY, Nagle
  // and delayed ACKs add ~40 ms to every kept-alive request.
  server.set_tcp_nodelay(true);
  if (!opt.cors_origin.empty())
    server.set_default_headers({{"Access-Control-Allow-Origin", opt.cors_origin}});

  for (const Route& route : routes()) {
    server.Get(route.pattern, [&ctx, &route, &opt](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      Response out;
      try {
        out = route.handler(ctx, to_request(req));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
        out = error_response(500, "internal", "the search failed; see the daemon's log");
      }
      apply(out, res);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ctx.metrics.observe(route.name, out.status, secs);
      if (!opt.quiet)
        std::fprintf(stderr, "%s %s %d %.1fms\n", req.method.c_str(), req.path.c_str(), out.status, secs * 1000);
    });
  }
  // The API is read-only: other methods on its routes are 405.
  auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
    apply(error_response(405, "method_not_allowed", req.method + " is not allowed here; use GET"), res);
    res.set_header("Allow", "GET, HEAD");
  };
  for (const Route& route : routes()) {
    server.Post(route.pattern, not_allowed);
    server.Put(route.pattern, not_allowed);
    server.Patch(route.pattern, not_allowed);
    server.Delete(route.pattern, not_allowed);
  }
  server.set_error_handler([&ctx, &opt](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    Response out;
    switch (res.status) {
      case 404:
        out = error_response(404, "not_found", "no route for " + req.method + " " + req.path);
        break;
      case 413:
        out = error_response(413, "payload_too_large", "the request body is too large");
        break;
      case 414:
        out = error_response(414, "uri_too_long", "the request line is too long; q takes at most 1,000 characters");
        break;
      default:
        out = error_response(res.status, "bad_request", "the request could not be read as HTTP");
    }
    apply(out, res);
    ctx.metrics.observe("unrouted", out.status, 0);
    if (!opt.quiet) std::fprintf(stderr, "%s %s %d\n", req.method.c_str(), req.path.c_str(), out.status);
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    apply(error_response(500, "internal", "the request failed; see the daemon's log"), res);
  });

  // SIGINT/SIGTERM stop the server from a thread of its own.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
  });

  if (!server.bind_to_port(opt.host, opt.port)) {
    std::fprintf(stderr, "helpsearchd: error: cannot listen on %s:%d (address in use or not available)\n",
                 opt.host.c_str(), opt.port);
    kill(getpid(), SIGTERM);
    waiter.join();
    return 2;
  }
  std::fprintf(stderr, "helpsearchd: listening on http://%s:%d/ with %u threads\n", opt.host.c_str(), opt.port,
               threads);
  server.listen_after_bind();
  kill(getpid(), SIGTERM);  // wake the waiter if the server stopped by itself
  waiter.join();
  return 0;
}

}  // namespace helpsearch
