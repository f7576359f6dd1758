#include "config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <thread>

#include "locales.h"

namespace helpsearch {

unsigned ServerOptions::default_threads() { return std::max(8u, 4 * std::thread::hardware_concurrency()); }
namespace {

using json = nlohmann::json;

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

std::string whole(const json& v, long long lo, long long hi, long long* out) {
  if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi)
    return "must be a whole number in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + shown(v);
  *out = v.get<long long>();
  return "";
}

std::string seconds(const json& v, double lo, double hi, std::chrono::milliseconds* out) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi) {
    char range[64];
    std::snprintf(range, sizeof range, "%g..%g", lo, hi);
    return std::string("must be a number of seconds in ") + range + ", got " + shown(v);
  }
  *out = std::chrono::milliseconds(std::llround(v.get<double>() * 1000));
  return "";
}

/// seconds() into whole milliseconds (the remote protocol's timeouts).
std::string seconds(const json& v, double lo, double hi, unsigned* out_ms) {
  std::chrono::milliseconds ms{};
  std::string e = seconds(v, lo, hi, &ms);
  if (e.empty()) *out_ms = static_cast<unsigned>(ms.count());
  return e;
}

std::string text(const json& v, std::string* out) {
  if (!v.is_string()) return "must be a string, got " + shown(v);
  *out = v.get<std::string>();
  return "";
}

std::string boolean(const json& v, bool* out) {
  if (!v.is_boolean()) return "must be true or false, got " + shown(v);
  *out = v.get<bool>();
  return "";
}

/// A bearer token: "" (none) or 16 to 256 visible ASCII characters.
std::string token(const json& v, std::string* out) {
  if (std::string e = text(v, out); !e.empty()) return e;
  if (out->empty()) return "";
  bool visible = true;
  for (unsigned char c : *out) visible = visible && c > 0x20 && c < 0x7f;
  if (!visible || out->size() < 16 || out->size() > 256)
    return "must be 16 to 256 visible ASCII characters (no spaces), e.g. from: openssl rand -hex 24";
  return "";
}

std::string listen(const json& v, ServerOptions* opt) {
  std::string s;
  if (std::string e = text(v, &s); !e.empty()) return e;
  const size_t colon = s.rfind(':');
  const std::string port = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (colon == std::string::npos || colon == 0 || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 || std::stoi(port) > 65535)
    return "wants HOST:PORT with a port in 1..65535, got " + shown(v);
  opt->host = s.substr(0, colon);
  opt->port = std::stoi(port);
  return "";
}

std::string fallbacks(const json& v, ServiceConfig* cfg) {
  if (!v.is_object()) return "must be an object such as {\"zh-HK\": [\"zh-TW\"]}";
  cfg->fallbacks.clear();
  for (const auto& [from, to] : v.items()) {
    auto key = normalize_locale(from);
    if (!key) return "\"" + from + "\" is not a locale such as zh-HK";
    if (!to.is_array()) return from + " must map to an array of locales";
    for (const json& t : to) {
      auto loc = t.is_string() ? normalize_locale(t.get<std::string>()) : std::nullopt;
      if (!loc) return from + ": " + shown(t) + " is not a locale such as zh-TW";
      cfg->fallbacks[*key].push_back(*loc);
    }
  }
  return "";
}

}  // namespace

std::string take_credentials(const char* directory, json* settings) {
  const auto given = settings->find("admin_token");
  if (!directory || !*directory || (given != settings->end() && !(given->is_string() && given->get<std::string>().empty())))
    return "";
  const std::string path = std::string(directory) + "/admin_token";
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";  // no such credential
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) return "";
  std::string checked;
  if (std::string e = token(json(value), &checked); !e.empty()) return "admin_token (credential " + path + "): " + e;
  (*settings)["admin_token"] = value;
  return "";
}

json flag_value(const std::string& text) {
  json v = json::parse(text, nullptr, false);
  return !v.is_discarded() && v.is_number() ? v : json(text);
}

std::string apply_settings(const json& settings, DaemonConfig* config) {
  if (!settings.is_object()) return "the configuration must be a JSON object";
  ServiceConfig& svc = config->service;
  ServerOptions& srv = config->server;
  long long n = 0;
  using Rule = std::function<std::string(const json&)>;
  const std::map<std::string, Rule> rules = {
      {"db", [&](const json& v) { return text(v, &svc.db); }},
      {"synonyms", [&](const json& v) { return text(v, &svc.synonyms_file); }},
      {"fallbacks", [&](const json& v) { return fallbacks(v, &svc); }},
      {"media_base_url",
       [&](const json& v) {
         std::string e = text(v, &svc.media_base_url);
         if (!e.empty()) return e;
         while (!svc.media_base_url.empty() && svc.media_base_url.back() == '/') svc.media_base_url.pop_back();
         if (!svc.media_base_url.empty() && svc.media_base_url.rfind("https://", 0) != 0 &&
             svc.media_base_url.rfind("http://", 0) != 0 && svc.media_base_url.front() != '/')
           return "must be an http(s) URL or a path beginning with /, got " + shown(v);
         return std::string();
       }},
      {"max_media_bytes",
       [&](const json& v) {
         std::string e = whole(v, 1, 1LL << 30, &n);
         if (e.empty()) svc.max_media_bytes = static_cast<size_t>(n);
         return e;
       }},
      {"analytics", [&](const json& v) { return boolean(v, &config->analytics.enabled); }},
      {"analytics_db", [&](const json& v) { return text(v, &config->analytics.path); }},
      {"analytics_retention_days",
       [&](const json& v) {
         std::string e = whole(v, 1, 3650, &n);
         if (e.empty()) config->analytics.retention_days = static_cast<int>(n);
         return e;
       }},
      {"analytics_max_mb",
       [&](const json& v) {
         std::string e = whole(v, 1, 1000000, &n);
         if (e.empty()) config->analytics.max_bytes = static_cast<uint64_t>(n) << 20;
         return e;
       }},
      {"admin_token", [&](const json& v) { return token(v, &config->analytics.admin_token); }},
      {"spelling_db", [&](const json& v) { return text(v, &svc.spelling_db); }},
      {"remote_timeout", [&](const json& v) { return seconds(v, 0.05, 600, &svc.remote.timeout_ms); }},
      {"remote_connect_timeout", [&](const json& v) { return seconds(v, 0.05, 600, &svc.remote.connect_timeout_ms); }},
      {"listen", [&](const json& v) { return listen(v, &srv); }},
      {"threads",
       [&](const json& v) {
         std::string e = whole(v, 1, 1024, &n);
         if (e.empty()) srv.threads = static_cast<unsigned>(n);
         return e;
       }},
      {"max_connections",
       [&](const json& v) {
         std::string e = whole(v, 1, 100000, &n);
         if (e.empty()) srv.connections.max_connections = static_cast<size_t>(n);
         return e;
       }},
      {"backlog",
       [&](const json& v) {
         std::string e = whole(v, 1, 65535, &n);
         if (e.empty()) srv.backlog = static_cast<int>(n);
         return e;
       }},
      {"keep_alive_requests",
       [&](const json& v) {
         std::string e = whole(v, 1, 1000000, &n);
         if (e.empty()) srv.keep_alive_requests = static_cast<size_t>(n);
         return e;
       }},
      {"head_timeout", [&](const json& v) { return seconds(v, 0.1, 600, &srv.connections.head_timeout); }},
      {"keep_alive_timeout",
       [&](const json& v) { return seconds(v, 0.1, 600, &srv.connections.keep_alive_timeout); }},
      {"quiet",
       [&](const json& v) {
         if (!v.is_boolean()) return "must be true or false, got " + shown(v);
         srv.quiet = v.get<bool>();
         return std::string();
       }},
      {"cors_origin",
       [&](const json& v) {
         std::string e = text(v, &srv.cors_origin);
         if (e.empty() && srv.cors_origin.find_first_of("\r\n\t\x7f") != std::string::npos)
           e = "must not contain control characters";
         for (unsigned char ch : srv.cors_origin)
           if (e.empty() && ch < 0x20) e = "must not contain control characters";
         return e;
       }},
  };
  for (const auto& [key, value] : settings.items()) {
    auto rule = rules.find(key);
    if (rule == rules.end()) return key + ": unknown key (known: db, listen, threads, max_connections, backlog, "
                                          "head_timeout, keep_alive_timeout, keep_alive_requests, synonyms, media_base_url, max_media_bytes, "
                                          "fallbacks, quiet, cors_origin, analytics, analytics_db, analytics_retention_days, "
                                          "analytics_max_mb, admin_token, remote_timeout, remote_connect_timeout, spelling_db)";
    if (std::string e = rule->second(value); !e.empty()) return key + ": " + e;
  }
  if (svc.db.empty()) return "db: required (the index directory or stub file)";
  if (config->analytics.enabled && config->analytics.path.empty())
    return "analytics_db: required when analytics is true (the SQLite file, e.g. /var/lib/helpsearch/analytics.sqlite)";
  if (config->analytics.enabled && config->analytics.admin_token.empty())
    return "admin_token: required when analytics is true (the bearer token of /v1/admin/queries)";
  return "";
}

}  // namespace helpsearch
