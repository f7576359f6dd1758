// helpsearchd: the JSON search API and the search page. See README.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "config.h"

namespace {

/// Raises the open-files limit to what max_connections needs; "" or why not.
std::string ensure_file_limit(size_t max_connections) {
  const rlim_t needed = static_cast<rlim_t>(max_connections) + 64;  // the index, logs, listener
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= needed) return "";
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed)
    return "max_connections: " + std::to_string(max_connections) + " needs " + std::to_string(needed) +
           " open files, the limit is " + std::to_string(lim.rlim_max);
  lim.rlim_cur = needed;
  return setrlimit(RLIMIT_NOFILE, &lim) == 0 ? "" : "max_connections: cannot raise the open-files limit";
}

}  // namespace

int run(int argc, char** argv) {
  // Every setting, from the file and from flags, lands in one JSON object and
  // is validated once (config.cpp); flags win.
  CLI::App app{"helpsearchd: ranked, locale-filtered search over a helpsearch index, as JSON over HTTP"};
  std::string config_file;
  app.add_option("--config", config_file, "JSON file with any of the settings below (underscores: max_connections)");
  struct Flag {
    const char* name;
    const char* key;
    const char* help;
    std::string value;
  };
  std::vector<Flag> flags = {
      {"--db", "db", "index directory built by helpsearch-index, or a Xapian stub file of shards (required)", ""},
      {"--remote-timeout", "remote_timeout", "seconds a remote shard may take to answer (10)", ""},
      {"--remote-connect-timeout", "remote_connect_timeout", "seconds to connect to a remote shard (2)", ""},
      {"--spelling-db", "spelling_db", "local database of spelling data for remote shards (spelling/ beside the stub)", ""},
      {"--listen", "listen", "HOST:PORT to listen on (127.0.0.1:8080)", ""},
      {"--threads", "threads", "worker threads, 1..1024 (4 per core, at least 8)", ""},
      {"--max-connections", "max_connections", "open connections before 503, 1..100000 (512)", ""},
      {"--backlog", "backlog", "listen backlog, 1..65535 (1024)", ""},
      {"--head-timeout", "head_timeout", "seconds to send a whole request head (10)", ""},
      {"--keep-alive-timeout", "keep_alive_timeout", "idle seconds before a kept-alive connection closes (5)", ""},
      {"--keep-alive-requests", "keep_alive_requests", "answers per connection (1000)", ""},
      {"--synonyms", "synonyms", "synonyms file (one group per line, '|' between)", ""},
      {"--media-base-url", "media_base_url", "URL that article images are fetched from ('' = searchd's /media/)", ""},
      {"--max-media-bytes", "max_media_bytes", "largest image file served, bytes (10485760)", ""},
      {"--cors-origin", "cors_origin", "Access-Control-Allow-Origin for browser apps on other origins; '' for none (*)",
       ""},
  };
  std::vector<CLI::Option*> given;
  for (Flag& f : flags) given.push_back(app.add_option(f.name, f.value, f.help));
  bool quiet = false;
  auto* quiet_flag = app.add_flag("--quiet", quiet, "no per-request log lines");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json settings = nlohmann::json::object();
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    settings = nlohmann::json::parse(in, nullptr, false);
    if (!in || settings.is_discarded() || !settings.is_object()) {
      std::cerr << "helpsearchd: error: cannot read " << config_file << " as a JSON object\n";
      return 2;
    }
  }
  for (size_t i = 0; i < flags.size(); ++i)
    if (given[i]->count() > 0) settings[flags[i].key] = helpsearch::flag_value(flags[i].value);
  if (quiet_flag->count() > 0) settings["quiet"] = quiet;

  helpsearch::DaemonConfig config;
  std::string error = helpsearch::take_credentials(std::getenv("CREDENTIALS_DIRECTORY"), &settings);
  if (error.empty()) error = helpsearch::apply_settings(settings, &config);
  if (error.empty()) error = ensure_file_limit(config.server.connections.max_connections);
  if (!error.empty()) {
    std::cerr << "helpsearchd: error: " << error << '\n';
    return 2;
  }
  try {
    helpsearch::Service service(config.service);
    helpsearch::Metrics metrics;
    helpsearch::Analytics analytics(config.analytics);
    if (analytics.enabled()) metrics.add_source([&analytics] { return analytics.metrics_text(); });
    helpsearch::Context ctx{service, metrics, &analytics};
    return helpsearch::serve(ctx, config.server);
  } catch (const std::exception& e) {
    std::cerr << "helpsearchd: error: " << e.what() << '\n';
    return 2;
  }
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
}
