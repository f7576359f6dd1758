#include "handlers.h"




#include <sys/stat.h>

#include <cxxabi.h>
#include <nlohmann/json.hpp>
#include <xapian.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <typeinfo>

#include "locales.h"
#include "text.h"

namespace helpsearch {
namespace {

using json = nlohmann::json;
constexpr size_t kMaxQueryChars = 1000;  // Unicode characters (code points) of q
constexpr size_t kMaxQueryWords = 32;    // words of q, separated by spaces
}  // namespace

Response json_response(const json& j, int status) {
  Response r;
  r.status = status;
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

const std::string* param(const Request& req, const std::string& key) {
  auto it = req.params.find(key);
  return it == req.params.end() ? nullptr : &it->second;
}

bool size_param(const Request& req, const std::string& key, size_t fallback, size_t lo, size_t hi,
                size_t* out, Response* error) {
  const std::string* v = param(req, key);
  if (!v) {
    *out = fallback;
    return true;
  }
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos) {
    *error = error_response(400, "invalid_" + key, key + " must be a whole number in " + range);
    return false;
  }
  const size_t n = std::stoul(*v);
  if (n < lo || n > hi) {
    *error = error_response(400, "invalid_" + key, key + " must be in " + range);
    return false;
  }
  *out = n;
  return true;
}

namespace {

/// Reads the optional locale parameter into its canonical form ("" = all).
/// A locale given explicitly must have articles in the index, itself or
/// through its fallbacks before en-US; otherwise 400 with the known ones.
bool locale_param(Context& ctx, const Request& req, std::string* out, Response* error) {
  const std::string* v = param(req, "locale");
  out->clear();
  if (!v || v->empty() || *v == "all") return true;
  auto canonical = normalize_locale(*v);
  if (!canonical) {
    *error = error_response(400, "unknown_locale",
                            "locale \"" + sanitize_utf8(*v) + "\" is not a locale such as ja-JP, ja or ja_jp");
    return false;
  }
  if (!ctx.service.serves(*canonical)) {
    std::string known;
    for (const std::string& l : ctx.service.locales()) known += (known.empty() ? "" : ", ") + l;
    *error = error_response(400, "unknown_locale",
                            "the index has no articles for locale " + *canonical + "; known locales: " + known +
                                " (or all)");
    return false;
  }
  *out = *canonical;
  return true;
}

/// Words of a query: runs of characters between spaces (ASCII or U+3000).
size_t word_count(const std::string& q) {
  size_t words = 0;
  bool in_word = false;
  for (size_t i = 0; i < q.size(); ++i) {
    bool space = std::string_view(" \t\n\r\f\v").find(q[i]) != std::string_view::npos;
    if (q.compare(i, 3, "\xE3\x80\x80") == 0) {
      space = true;
      i += 2;
    }
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

/// Reads the required text parameter q.
bool text_param(const Request& req, std::string* out, Response* error) {
  const std::string* v = param(req, "q");
  if (!v || v->find_first_not_of(" \t\r\n") == std::string::npos) {
    *error = error_response(400, "missing_query", "q is required and must not be empty");
    return false;
  }
  if (invalid_utf8_offset(*v) != std::string::npos) {
    *error = error_response(400, "invalid_utf8", "q is not valid UTF-8");
    return false;
  }
  if (utf8_length(*v) > kMaxQueryChars) {
    *error = error_response(400, "query_too_long",
                            "q is longer than " + std::to_string(kMaxQueryChars) + " characters");
    return false;
  }
  if (word_count(*v) > kMaxQueryWords) {
    *error = error_response(400, "query_too_long",
                            "q has more than " + std::to_string(kMaxQueryWords) + " words");
    return false;
  }
  *out = *v;
  return true;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// Hands a first page of results to the analytics; its query ID or null.
json record_search(Context& ctx, const SearchRequest& s, const SearchResult& r, const std::string& refines) {
  if (!ctx.analytics || !ctx.analytics->enabled() || s.offset > 0) return nullptr;
  std::string locale = !r.locale_used.empty() ? r.locale_used
                       : !s.locale.empty()    ? s.locale
                       : !s.locales.empty()   ? s.locales.front()
                                              : "all";
  const std::string id = ctx.analytics->record(s.q, locale, r.total, refines);
  return id.empty() ? json(nullptr) : json(id);
}

json hit_json(const Hit& h) {
  return {{"key", h.key},     {"locale", h.locale}, {"slug", h.slug},       {"title", h.title},
          {"ids", h.ids},     {"score", h.score},   {"snippet", h.snippet}};
}

}  // namespace

Response error_response(int status, const std::string& code, const std::string& message) {
  Response r = json_response({{"error", {{"code", code}, {"message", message}}}}, status);
  r.error = code;
  r.message = message;
  return r;
}

Response dispatch(Context& ctx, const Route& route, const Request& req) {
  std::string kind, what;
  try {
    return route.handler(ctx, req);
  } catch (const ShardUnavailable& e) {
    // Logged once by the service when the shard went away, not per request.
    Response r = error_response(503, "shard_unavailable", e.what());
    r.headers.emplace_back("Retry-After", "1");
    return r;
  } catch (const Xapian::Error& e) {
    kind = std::string("Xapian::") + e.get_type();
    what = e.get_msg();
  } catch (const std::exception& e) {
    int status = 0;
    char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
    kind = status == 0 && name ? name : typeid(e).name();
    std::free(name);
    what = e.what();
  } catch (...) {
    kind = "unknown exception";
  }
  log_line("error: " + req.id + " " + req.method + " " + req.path + " (" + route.name + "): " + kind + ": " + what);
  return error_response(500, "internal", "the request failed (request " + req.id + "); see the daemon's log");
}

void finish_error(Context& ctx, const std::string& route, const std::string& request_id, Response& res) {
  if (res.error.empty()) return;
  res.body = json_response({{"error", {{"code", res.error}, {"message", res.message}, {"request_id", request_id}}}})
                 .body;
  ctx.metrics.error(route, res.error);
}

std::string new_request_id() {
  static const unsigned prefix = std::random_device{}();
  static std::atomic<uint64_t> next{1};
  char id[40];
  std::snprintf(id, sizeof id, "%08x-%llu", prefix, static_cast<unsigned long long>(next++));
  return id;
}

Response get_search(Context& ctx, const Request& req) {
  const auto start = std::chrono::steady_clock::now();
  SearchRequest s;
  Response error;
  if (!text_param(req, &s.q, &error) || !locale_param(ctx, req, &s.locale, &error) ||
      !size_param(req, "limit", 10, 1, 100, &s.limit, &error) ||
      !size_param(req, "offset", 0, 0, 10000, &s.offset, &error))
    return error;
  if (const std::string* f = param(req, "facets")) s.facets = *f != "0" && *f != "false";
  const std::string* refines = param(req, "refines");
  if (refines && !valid_query_id(*refines))
    return error_response(400, "invalid_refines", "refines must be a query_id: 16 hexadecimal digits");
  const std::string* asked = param(req, "locale");
  if (!asked || asked->empty()) s.locales = ctx.service.default_locales(s.q, req.accept_language);
  SearchResult r = ctx.service.search(s);
  if (r.total == 0) ctx.metrics.zero_result();
  json hits = json::array();
  for (const Hit& h : r.hits) hits.push_back(hit_json(h));
  json j = {{"query", s.q},
            {"locale", s.locale.empty() ? json(nullptr) : json(s.locale)},
            {"locale_used", r.locale_used.empty() ? json(nullptr) : json(r.locale_used)},
            {"total", r.total},
            {"offset", s.offset},
            {"limit", s.limit},
            {"hits", hits},
            {"facets", {{"locale", r.locale_facets}}},
            {"corrected", r.corrected.empty() ? json(nullptr) : json(r.corrected)},
            {"suggestion", r.suggestion.empty() ? json(nullptr) : json(r.suggestion)}};
  j["query_id"] = record_search(ctx, s, r, refines ? *refines : "");
  j["took_ms"] = ms_since(start);
  return json_response(j);
}

Response get_lookup(Context& ctx, const Request& req) {
  const std::string id = req.captures.empty() ? "" : req.captures[0];
  std::string locale;
  Response error;
  if (id.empty() || id.size() > 64 || invalid_utf8_offset(id) != std::string::npos)
    return error_response(400, "invalid_id", "the custom ID must be 1 to 64 characters of UTF-8");
  if (!locale_param(ctx, req, &locale, &error)) return error;
  std::string used;
  std::vector<Hit> hits = ctx.service.lookup(id, locale, &used);
  if (hits.empty())
    return error_response(404, "not_found", "no article carries the custom ID " + id +
                                                (locale.empty() ? "" : " in " + locale + " or its fallbacks"));
  json list = json::array();
  for (const Hit& h : hits) list.push_back(hit_json(h));
  return json_response({{"id", id},
                        {"locale", locale.empty() ? json(nullptr) : json(locale)},
                        {"locale_used", used.empty() ? json(nullptr) : json(used)},
                        {"total", hits.size()},
                        {"hits", list}});
}

Response get_suggest(Context& ctx, const Request& req) {
  const auto start = std::chrono::steady_clock::now();
  std::string q, locale;
  size_t limit = 8;
  Response error;
  if (!text_param(req, &q, &error) || !locale_param(ctx, req, &locale, &error) ||
      !size_param(req, "limit", 8, 1, 50, &limit, &error))
    return error;
  json list = json::array();
  for (const Completion& c : ctx.service.suggest(q, locale, limit))
    list.push_back({{"key", c.key}, {"locale", c.locale}, {"slug", c.slug}, {"title", c.title}, {"ids", c.ids}});
  json j = {{"query", q}, {"locale", locale.empty() ? json(nullptr) : json(locale)}, {"suggestions", list}};
  j["took_ms"] = ms_since(start);
  return json_response(j);
}

Response get_article(Context& ctx, const Request& req) {
  if (req.captures.size() < 2) return error_response(404, "not_found", "no such article");
  auto locale = normalize_locale(req.captures[0]);
  const std::string& slug = req.captures[1];
  if (!locale) return error_response(400, "unknown_locale", "\"" + sanitize_utf8(req.captures[0]) + "\" is not a locale");
  if (slug.empty() || slug.find('/') != std::string::npos || invalid_utf8_offset(slug) != std::string::npos)
    return error_response(404, "not_found", "no such article");
  const std::string* qid = param(req, "qid");
  if (qid && !valid_query_id(*qid))
    return error_response(400, "invalid_qid", "qid must be a query_id of /v1/search: 16 hexadecimal digits");
  auto a = ctx.service.article(*locale, slug);
  if (!a) return error_response(404, "not_found", "no article " + *locale + "/" + slug);
  if (qid && ctx.analytics) ctx.analytics->click(*qid);  // a result of that search was opened
  const StoredArticle& st = a->stored;
  return json_response({{"key", st.key},
                        {"locale", st.locale},
                        {"slug", st.slug},
                        {"title", st.title},
                        {"en_title", st.en_title},
                        {"description", st.description},
                        {"ids", st.ids},
                        {"date", st.date},
                        {"topic", st.topic},
                        {"service", st.service},
                        {"html", a->html},
                        {"text", st.text}});
}

/// The content type of an image file name, or "" when it names no image served.
std::string image_type(const std::string& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".png", "image/png"},   {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},   {".webp", "image/webp"}, {".svg", "image/svg+xml"}};
  // A bare file name: letters, digits, '.', '-', '_', not starting with '.'.
  if (file.empty() || file.size() > 128 || file[0] == '.' ||
      file.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
    return "";
  std::string lower = file;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (auto [ext, type] : kTypes)
    if (lower.size() > std::strlen(ext) && lower.compare(lower.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return type;
  return "";
}

/// An image of media/ beside the articles: cached by ETag, never a path outside.
Response get_media(Context& ctx, const Request& req) {
  if (req.captures.size() < 2) return error_response(404, "not_found", "no such image");
  auto locale = normalize_locale(req.captures[0]);
  if (!locale) return error_response(400, "unknown_locale", "\"" + sanitize_utf8(req.captures[0]) + "\" is not a locale");
  const std::string& file = req.captures[1];
  const std::string type = image_type(file);
  if (type.empty()) return error_response(404, "not_found", "\"" + sanitize_utf8(file) + "\" names no image file");
  const std::optional<std::string> path = ctx.service.media_path(*locale, file);
  struct stat st {};
  if (!path || ::stat(path->c_str(), &st) != 0) return error_response(404, "not_found", "no image " + *locale + "/" + file);
  if (static_cast<size_t>(st.st_size) > ctx.service.config().max_media_bytes)
    return error_response(403, "media_too_large", "the image is larger than max_media_bytes (" +
                                                      std::to_string(ctx.service.config().max_media_bytes) + ")");
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1000000000ULL + st.st_mtim.tv_nsec);
  Response r;
  r.content_type = type;
  r.headers = {{"ETag", etag}, {"Cache-Control", "public, max-age=86400"}, {"X-Content-Type-Options", "nosniff"}};
  if (type == "image/svg+xml") r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  if (req.if_none_match == etag) {
    r.status = 304;
    return r;
  }
  std::ifstream in(*path, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return error_response(404, "not_found", "no image " + *locale + "/" + file);
  r.body = body.str();
  return r;
}

json shard_json(const ShardHealth& s) {
  json j = {{"name", s.name}, {"status", s.ok ? "ok" : "unavailable"}, {"documents", s.documents}};
  if (s.ok) {
    j["uuid"] = s.uuid;
    j["revision"] = s.revision;
    if (!s.place.empty()) j["shard"] = s.place;
  } else {
    j["error"] = s.error;
  }
  return j;
}

Response get_healthz(Context& ctx, const Request&) {
  Health h = ctx.service.health();
  json shards = json::array();
  for (const ShardHealth& s : h.shards) shards.push_back(shard_json(s));
  if (!h.ok)  // some shard does not answer: a load balancer takes this searchd out
    return json_response({{"status", "unavailable"}, {"documents", h.documents}, {"shards", shards}}, 503);
  return json_response({{"status", "ok"},
                        {"documents", h.documents},
                        {"uuid", h.uuid},
                        {"revision", h.revision},
                        {"analyzer", h.fingerprint},
                        {"locales", h.locales},
                        {"shards", shards}});
}

Response get_metrics(Context& ctx, const Request&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = ctx.metrics.render();
  const IndexEvents ev = ctx.service.index_events();
  r.body += "# HELP helpsearchd_index_reopens_total New index databases taken (a rebuild swapped in).\n"
            "# TYPE helpsearchd_index_reopens_total counter\n"
            "helpsearchd_index_reopens_total " + std::to_string(ev.switched) + "\n"
            "# HELP helpsearchd_index_refused_total New index databases refused (another analyzer's).\n"
            "# TYPE helpsearchd_index_refused_total counter\n"
            "helpsearchd_index_refused_total " + std::to_string(ev.refused) + "\n";
  return r;
}

Response get_openapi(Context&, const Request&) {
  Response r;
  r.body = openapi_document();
  return r;
}

Response get_index_page(Context&, const Request&) {
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = index_page();
  return r;
}

/// The page's icon: a magnifier, as SVG (browsers take it at /favicon.ico too).
Response get_favicon(Context&, const Request&) {
  Response r;
  r.content_type = "image/svg+xml";
  r.headers = {{"Cache-Control", "public, max-age=86400"}};
  r.body =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><circle cx=\"13\" cy=\"13\" r=\"9\" "
      "fill=\"none\" stroke=\"#0067b8\" stroke-width=\"4\"/><path d=\"M20 20l9 9\" stroke=\"#0067b8\" "
      "stroke-width=\"4\" stroke-linecap=\"round\"/></svg>";
  return r;
}

const std::vector<Route>& routes() {
  static const std::vector<Route> table = {
      {"search", R"(/v1/search)", "/v1/search", get_search},
      {"lookup", R"(/v1/lookup/([^/]+))", "/v1/lookup/{id}", get_lookup},
      {"suggest", R"(/v1/suggest)", "/v1/suggest", get_suggest},
      {"article", R"(/v1/articles/([^/]+)/([^/]+))", "/v1/articles/{locale}/{slug}", get_article},
      {"media", R"(/media/([^/]+)/([^/]+))", "/media/{locale}/{file}", get_media},
      {"healthz", R"(/healthz)", "/healthz", get_healthz},
      {"metrics", R"(/metrics)", "/metrics", get_metrics},
      {"openapi", R"(/v1/openapi.json)", "/v1/openapi.json", get_openapi},
      {"popular", R"(/v1/popular)", "/v1/popular", get_popular},
      {"admin_queries", R"(/v1/admin/queries)", "/v1/admin/queries", get_admin_queries},
      {"page", R"(/)", "/", get_index_page},
      {"favicon", R"(/favicon\.ico)", "/favicon.ico", get_favicon},
  };
  return table;
}

}  // namespace helpsearch
