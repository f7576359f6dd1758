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

/// Takes the admin token from the systemd credential "admin_token" (the file
/// admin_token in directory, $CREDENTIALS_DIRECTORY: LoadCredential= of the
/// unit hands it over readable by the service alone) when settings give none.
/// Returns "" (taken, or no such credential) or what is wrong with it.
std::string take_credentials(const char* directory, nlohmann::json* settings);

/// A command-line value as JSON: a number when it reads as one, else the string.
nlohmann::json flag_value(const std::string& text);

}  // namespace helpsearch
