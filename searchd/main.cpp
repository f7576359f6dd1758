// helpsearchd: the JSON search API and the search page. See README.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <thread>

#include "http_server.h"

namespace {

bool split_listen(const std::string& listen, helpsearch::ServerOptions& opt) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  opt.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  opt.port = std::stoi(port);
  return opt.port > 0 && opt.port < 65536 && !opt.host.empty();
}

}  // namespace

int run(int argc, char** argv) {
  helpsearch::ServiceConfig config;
  helpsearch::ServerOptions server;
  std::string listen = "127.0.0.1:8080", config_file;
  unsigned threads = std::max(2u, std::thread::hardware_concurrency() * 2);
  CLI::App app{"helpsearchd: ranked, locale-filtered search over a helpsearch index, as JSON over HTTP"};
  app.add_option("--db", config.db, "index directory built by helpsearch-index")->required();
  auto* listen_opt = app.add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
  auto* threads_opt = app.add_option("--threads", threads, "worker threads")->check(CLI::Range(1, 256));
  app.add_option("--config", config_file,
                 "JSON file: {\"listen\", \"threads\", \"synonyms\", \"fallbacks\": {\"zh-HK\": [\"zh-TW\"]}, \"quiet\", \"cors_origin\"}");
  auto* syn_opt = app.add_option("--synonyms", config.synonyms_file, "synonyms file (one group per line, '|' between)");
  app.add_flag("--quiet", server.quiet, "no per-request log lines");
  auto* cors_opt = app.add_option("--cors-origin", server.cors_origin,
                                  "Access-Control-Allow-Origin for browser apps on other origins; '' for none")
                       ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (!config_file.empty()) {
    std::ifstream in(config_file);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!in || j.is_discarded() || !j.is_object()) {
      std::cerr << "helpsearchd: error: cannot read " << config_file << " as a JSON object\n";
      return 2;
    }
    try {
      if (j.contains("listen") && listen_opt->count() == 0) listen = j["listen"].get<std::string>();
      if (j.contains("threads") && threads_opt->count() == 0) threads = j["threads"].get<unsigned>();
      if (j.contains("synonyms") && syn_opt->count() == 0) config.synonyms_file = j["synonyms"].get<std::string>();
      if (j.contains("quiet")) server.quiet = server.quiet || j["quiet"].get<bool>();
      if (j.contains("cors_origin") && cors_opt->count() == 0) server.cors_origin = j["cors_origin"].get<std::string>();
      if (j.contains("fallbacks"))
        config.fallbacks = j["fallbacks"].get<std::map<std::string, std::vector<std::string>>>();
    } catch (const nlohmann::json::exception& e) {
      std::cerr << "helpsearchd: error: " << config_file << ": " << e.what() << '\n';
      return 2;
    }
  }
  if (!split_listen(listen, server)) {
    std::cerr << "helpsearchd: error: --listen wants HOST:PORT, got " << listen << '\n';
    return 2;
  }
  server.threads = threads;
  try {
    helpsearch::Service service(config);
    helpsearch::Metrics metrics;
    helpsearch::Context ctx{service, metrics};
    return helpsearch::serve(ctx, server);
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
