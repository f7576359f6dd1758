// The HTTP API as plain functions: a Request struct in, a Response struct
// out, so every endpoint is tested without sockets. http_server.cpp is the
// only file that knows cpp-httplib.
//
// Error policy: expected failures (bad parameters, unknown paths or IDs)
// return a Response carrying a 4xx status and {"error":{"code","message"}};
// exceptions mean a fault: dispatch() turns any of them (Xapian::Error too)
// into a 500 with the same JSON shape and one log line. Every error answer,
// wherever it is made, is stamped with the request ID and counted by route
// and code (finish_error).
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analytics.h"
#include "log.h"
#include "metrics.h"
#include "service.h"

namespace helpsearch {

/// What a handler gets of an HTTP request.
struct Request {
  std::string method = "GET";
  std::string path;
  std::multimap<std::string, std::string> params;  ///< decoded query parameters
  std::vector<std::string> captures;               ///< path parameters, in route order
  std::string accept_language;                     ///< the Accept-Language header, "" when absent
  std::string if_none_match;                       ///< the If-None-Match header, "" when absent
  std::string authorization;                       ///< the Authorization header, "" when absent
  std::string id;                                  ///< request ID, in logs and error answers
};

/// What a handler answers.
struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string error;    ///< error code of an error answer ("invalid_limit"), "" otherwise
  std::string message;  ///< its message
  std::vector<std::pair<std::string, std::string>> headers;  ///< more response headers
};

/// Everything handlers share.
struct Context {
  Service& service;
  Metrics& metrics;
  Analytics* analytics = nullptr;  ///< query analytics, nullptr = none
};

using Handler = std::function<Response(Context&, const Request&)>;

/// One route of the API.
struct Route {
  std::string name;     ///< endpoint label in logs and metrics ("search")
  std::string pattern;  ///< regular expression on the decoded path
  std::string openapi;  ///< path as written in the OpenAPI document
  Handler handler;
};

/// Every route, in one table.
const std::vector<Route>& routes();

/// A JSON answer of j.
Response json_response(const nlohmann::json& j, int status = 200);

/// The query parameter key, nullptr when absent.
const std::string* param(const Request& req, const std::string& key);

/// Reads the integer parameter key in [lo, hi] (fallback when absent); on a
/// bad value sets *error to a 400 invalid_KEY and returns false.
bool size_param(const Request& req, const std::string& key, size_t fallback, size_t lo, size_t hi, size_t* out,
                Response* error);

/// The JSON error response.
Response error_response(int status, const std::string& code, const std::string& message);

/// Calls the route's handler. Any exception becomes a JSON 500 (code
/// "internal") and one log line with the request ID, the exception's class
/// and its message.
Response dispatch(Context& ctx, const Route& route, const Request& req);

/// For an error answer: puts the request ID into its body and counts it in
/// helpsearchd_errors_total{route, kind=code}. Every error answer goes through it.
void finish_error(Context& ctx, const std::string& route, const std::string& request_id, Response& res);

/// A fresh request ID ("5f3a9c1e-42").
std::string new_request_id();

/// GET /v1/search?q=&locale=&limit=&offset=
Response get_search(Context& ctx, const Request& req);
/// GET /v1/lookup/{id}?locale=
Response get_lookup(Context& ctx, const Request& req);
/// GET /v1/suggest?q=&locale=&limit=
Response get_suggest(Context& ctx, const Request& req);
/// GET /v1/articles/{locale}/{slug}
Response get_article(Context& ctx, const Request& req);
/// GET /healthz
Response get_healthz(Context& ctx, const Request& req);
/// GET /metrics
Response get_metrics(Context& ctx, const Request& req);
/// GET /v1/openapi.json
Response get_openapi(Context& ctx, const Request& req);
/// GET /v1/admin/queries?days=&limit= (bearer token): top, zero-result and
/// unclicked queries per locale (admin.cpp)
Response get_admin_queries(Context& ctx, const Request& req);
/// GET /v1/popular?locale=&limit=: often searched queries that find articles
/// (none when analytics are off), for the page's landing view (admin.cpp)
Response get_popular(Context& ctx, const Request& req);
/// GET / — the help search page
Response get_index_page(Context& ctx, const Request& req);

/// The OpenAPI 3.1 document of the API (openapi.json, embedded at build time).
const std::string& openapi_document();

/// The search page (web/index.html, embedded at build time).
const std::string& index_page();

}  // namespace helpsearch
