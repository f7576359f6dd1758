// helpsearchd's configuration: the --config file and the command line meet
// in one JSON object (flags over file) and go through one validation, so a
// bad value is refused the same way whichever way it came, naming its key.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "analytics.h"
#include "http_server.h"
#include "service.h"

namespace helpsearch {

/// Everything the daemon is configured with.
struct DaemonConfig {
  ServiceConfig service;
  ServerOptions server;
  AnalyticsConfig analytics;
};

/// Reads settings ({"db", "listen", "threads", …}, see the README) into
/// config, leaving defaults for absent keys. Returns "" or "KEY: what is
/// wrong" for the first bad or unknown key.
std::string apply_settings(const nlohmann::json& settings, DaemonConfig* config);

/// A command-line value as JSON: a number when it reads as one, else the string.
nlohmann::json flag_value(const std::string& text);

}  // namespace helpsearch
