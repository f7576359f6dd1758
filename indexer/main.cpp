// helpsearch-index: help articles → a Xapian index. See README.md.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <iostream>

#include "indexer.h"
#include "locales.h"

int run(int argc, char** argv) {
  helpsearch::IndexOptions opt;
  std::string show;
  CLI::App app{"helpsearch-index: index help articles (Markdown + YAML front matter) into a Xapian database"};
  app.add_option("--db", opt.db, "database directory (created when missing)")->required();
  app.add_option("sources", opt.sources, "files, or folders searched recursively for *.md");
  app.add_option("--default-locale", opt.default_locale,
                 "locale of files that name none and sit in no locale folder")
      ->capture_default_str();
  app.add_flag("--prune", opt.prune, "delete articles whose files are gone under the sources");
  app.add_flag("--rebuild", opt.rebuild, "start from an empty database");
  app.add_option("--batch", opt.batch, "documents per commit of an incremental run")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--threads", opt.threads, "parsing threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--shards", opt.shards,
                 "write N shards DIR/shard-0..N-1 and the stub DIR/helpsearch.stub (later runs keep the count)")
      ->check(CLI::Range(1, 256));
  app.add_option("--show", show, "print what the index holds for one article key (e.g. ja-JP/app-passwords)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : helpsearch::kExitUsage;
  }
  if (!show.empty()) return helpsearch::show_article(opt.db, show, std::cout, std::cerr);
  if (opt.sources.empty()) {
    std::cerr << "helpsearch-index: error: no SOURCE given (files or folders of *.md)\n"
              << app.help();
    return helpsearch::kExitUsage;
  }
  if (!helpsearch::normalize_locale(opt.default_locale)) {
    std::cerr << "helpsearch-index: error: --default-locale " << opt.default_locale
              << " is not a locale such as en-US\n";
    return helpsearch::kExitUsage;
  }
  opt.progress = isatty(STDERR_FILENO) != 0;
  return helpsearch::run_index(opt, std::cout, std::cerr);
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  }
}
