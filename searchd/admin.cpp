// The admin routes: query analytics for content writers, behind the bearer
// token of the config file (admin_token).
#include <nlohmann/json.hpp>

#include <strings.h>

#include <ctime>
#include <optional>

#include "handlers.h"

namespace helpsearch {
namespace {

using json = nlohmann::json;

/// Compares without stopping at the first difference (no timing oracle).
bool same_secret(const std::string& a, const std::string& b) {
  if (b.empty()) return false;
  size_t diff = a.size() ^ b.size();
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i % b.size()]);
  return diff == 0;
}

/// nullopt when the request carries the admin token, else the error answer:
/// 401 without a bearer token, 403 with another one.
std::optional<Response> refuse(const Context& ctx, const Request& req) {
  const std::string scheme = "Bearer ";
  const std::string& h = req.authorization;
  const bool bearer = h.size() > scheme.size() && strncasecmp(h.c_str(), scheme.c_str(), scheme.size()) == 0;
  if (!bearer) {
    Response r = error_response(401, "unauthorized", "this route needs the admin token: Authorization: Bearer TOKEN");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"helpsearch admin\"");
    return r;
  }
  const std::string token = h.substr(scheme.size());
  if (!same_secret(token, ctx.analytics ? ctx.analytics->config().admin_token : ""))
    return error_response(403, "forbidden", "the bearer token is not the admin token");
  return std::nullopt;
}

std::string iso_time(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

json counts_json(const std::vector<QueryCount>& list) {
  json out = json::array();
  for (const QueryCount& c : list)
    out.push_back({{"query", c.query}, {"searches", c.searches}, {"zero_results", c.zero_results}, {"clicks", c.clicks}});
  return out;
}

}  // namespace

Response get_admin_queries(Context& ctx, const Request& req) {
  if (!ctx.analytics || !ctx.analytics->enabled())
    return error_response(404, "analytics_disabled", "query analytics are off (config key analytics)");
  if (auto refused = refuse(ctx, req)) return *refused;
  size_t days = 7, limit = 20;
  Response error;
  if (!size_param(req, "days", 7, 1, 3650, &days, &error) || !size_param(req, "limit", 20, 1, 200, &limit, &error))
    return error;
  const AnalyticsReport report = ctx.analytics->report(static_cast<int>(days), limit);
  json locales = json::array();
  for (const LocaleReport& l : report.locales)
    locales.push_back({{"locale", l.locale},
                       {"searches", l.searches},
                       {"zero_result_searches", l.zero_result_searches},
                       {"clicked_searches", l.clicked_searches},
                       {"top", counts_json(l.top)},
                       {"zero_results", counts_json(l.zero_results)},
                       {"no_click", counts_json(l.no_click)}});
  const AnalyticsStats stats = ctx.analytics->stats();
  return json_response({{"days", report.days},
                        {"since", iso_time(report.since)},
                        {"limit", limit},
                        {"retention_days", ctx.analytics->config().retention_days},
                        {"dropped", stats.dropped},
                        {"locales", locales}});
}

Response get_popular(Context& ctx, const Request& req) {
  size_t limit = 8;
  Response error;
  if (!size_param(req, "limit", 8, 1, 20, &limit, &error)) return error;
  const std::string* locale = param(req, "locale");
  json list = json::array();
  if (ctx.analytics && ctx.analytics->enabled())
    for (const std::string& q : ctx.analytics->popular(locale && *locale != "all" ? *locale : "", limit))
      list.push_back(q);
  return json_response({{"queries", list}});
}

}  // namespace helpsearch
