// The search service behind the HTTP layer: plain structs in, plain structs
// out, no HTTP. Requests borrow a database handle from a pool (a
// Xapian::Database is used by one thread at a time); a handle is reopened
// when the index changes, and a new database (a rebuild swapped in) is
// checked for the analyzer fingerprint before it is taken.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <utility>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "document.h"
#include "shards.h"
#include "synonyms.h"

namespace helpsearch {

/// Daemon configuration (command line and --config file).
struct ServiceConfig {
  ServiceConfig(std::string db_dir = {}, std::string synonyms = {},
                std::map<std::string, std::vector<std::string>> fallback_locales = {})
      : db(std::move(db_dir)), synonyms_file(std::move(synonyms)), fallbacks(std::move(fallback_locales)) {}
  std::string db;                 ///< index directory, stub file, or sharded index folder (shards.h)
  std::string synonyms_file;      ///< data/synonyms.txt or "" for none
  /// Extra fallback locales tried after the requested one and before en-US.
  std::map<std::string, std::vector<std::string>> fallbacks;
  /// Where article images are fetched from: "" = searchd's /media/{locale}/{file}
  /// (files of media/ beside the articles), else this URL + "/{locale}/{file}" (a CDN).
  std::string media_base_url;
  size_t max_media_bytes = 10 * 1024 * 1024;  ///< larger image files are not served
  RemoteTimeouts remote;   ///< timeouts of remote shards
  /// Local database whose spelling data corrects typos when shards are remote
  /// ("" = the `spelling` folder beside the stub, if any; see shards.h).
  std::string spelling_db;
};

/// One search hit.
struct Hit {
  std::string key, locale, slug, title;
  std::vector<std::string> ids;
  double score = 0;
  std::string snippet;  ///< HTML-escaped passage with <mark> around matches
};

/// A ranked search.
struct SearchRequest {
  std::string q;
  std::string locale;  ///< canonical locale, "" for all (or for `locales`)
  /// When locale is "": the locales to search first (see default_locales()),
  /// then all of them; empty = all at once.
  std::vector<std::string> locales;
  size_t limit = 10;
  size_t offset = 0;
  bool facets = true;
};

struct SearchResult {
  std::string locale_used;  ///< the locale of the fallback chain that matched ("" = all)
  size_t total = 0;         ///< estimated number of matches
  std::vector<Hit> hits;
  std::map<std::string, size_t> locale_facets;
  std::string suggestion;   ///< "did you mean", "" when none
  /// Typed words in no article, by the spelling correction searched instead.
  std::map<std::string, std::string> corrections;
  std::string corrected;    ///< the query as searched, when corrections were made ("" = as typed)
};

/// One completion of an article title.
struct Completion {
  std::string key, locale, slug, title;
  std::vector<std::string> ids;
};

/// An article for reading.
struct ArticleView {
  StoredArticle stored;  ///< metadata and plain localized text
  std::string html;      ///< rendered Markdown (sxs English stripped, raw HTML omitted)
};

/// What /healthz reports.
struct Health {
  size_t documents = 0;
  std::string uuid;      ///< the database's UUID (a rebuild makes a new one)
  std::string revision;  ///< its revision (restarts at 1 after a rebuild)
  std::string fingerprint;
  std::vector<std::string> locales;
  std::vector<ShardHealth> shards;  ///< each database of the index
  bool ok = true;                   ///< every shard answered
};

/// Index swaps seen since start, for /metrics.
struct IndexEvents {
  uint64_t switched = 0;  ///< new databases taken
  uint64_t refused = 0;   ///< new databases refused: built with another analyzer
};

class TitleIndex;

/// The search service. Thread-safe: every thread gets its own database handle.
class Service {
 public:
  /// Opens the index once to check it. Throws std::runtime_error with a clear
  /// message when it is missing or was built with another analyzer.
  explicit Service(ServiceConfig config);
  ~Service();

  SearchResult search(const SearchRequest& request);
  /// Articles carrying a custom ID, ranked by title match then date (newest first).
  std::vector<Hit> lookup(const std::string& id, const std::string& locale, std::string* locale_used);
  std::vector<Completion> suggest(const std::string& q, const std::string& locale, size_t limit);
  std::optional<ArticleView> article(const std::string& locale, const std::string& slug);

  /// The file of an image in media/ beside the articles of locale (file: a
  /// bare file name), or nullopt when none of their folders holds it.
  std::optional<std::string> media_path(const std::string& locale, const std::string& file);

  const ServiceConfig& config() const { return config_; }
  Health health();
  /// Locales that have articles in the index, sorted.
  std::vector<std::string> locales();
  /// True when a search in this canonical locale can find articles: of the
  /// locale itself or of a fallback before the last resort en-US.
  bool serves(const std::string& locale);
  IndexEvents index_events() const { return {switched_, refused_}; }

  /// The locales a search with no locale is meant for: the first locale of
  /// accept_language (an Accept-Language header) that the index has, by tag
  /// or by language; else those whose language writes the query's script
  /// (Hangul → ko, Thai → th, kana → ja, Han → zh and ja); else en-US.
  /// Empty when none of them is in the index (search all).
  std::vector<std::string> default_locales(const std::string& q, const std::string& accept_language);

  /// The fallback chain of a canonical locale under this configuration.
  std::vector<std::string> chain(const std::string& locale) const;

  /// The locale filters a search tries in order (comma-joined sets, "" = all).
  std::vector<std::string> tries(const SearchRequest& request) const;

 public:
  struct Handle;  ///< a database handle of the pool (service.cpp)

 private:
  struct Lease;
  std::unique_ptr<Handle> checkout();
  void checkin(std::unique_ptr<Handle> h);
  void refresh(Handle& h);
  void refuse(const std::string& folder, const std::string& uuid, const std::string& fingerprint);
  template <class F>
  auto with_db(F&& f) -> decltype(f(std::declval<Handle&>()));
  std::shared_ptr<const TitleIndex> titles(Handle& h);
  std::shared_ptr<const TitleIndex> titles();  ///< the current titles, unchecked within kDerivedFresh
  [[noreturn]] void shard_failed(const Xapian::Error& e);
  Health index_health(Handle& h);
  void shard_down(const ShardUnavailable& e);
  void shards_up();
  IndexSpec spec();

  ServiceConfig config_;
  Synonyms synonyms_;
  std::mutex pool_mutex_;  ///< guards the fields down to current_folder_
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Handle>> idle_;
  std::mutex folders_mutex_;
  std::string folders_identity_;
  std::map<std::string, std::set<std::string>> folders_;  ///< folders of each locale's articles
  size_t handles_ = 0;        ///< handles in existence
  std::string refused_folder_;  ///< location_stamp() of the index whose database was refused
  std::string current_folder_;  ///< location_stamp() of the newest database taken
  std::atomic<uint64_t> switched_{0}, refused_{0};
  /// The titles and the locales are derived from the index and shared by
  /// all handles: a request within this long of the last check takes them
  /// as they are, without the stat calls and the reopen of bringing a
  /// handle up to date (a tenth of a completion's cost and more). An update
  /// reaches them this much later than it reaches search results.
  static constexpr std::chrono::milliseconds kDerivedFresh{20};
  std::mutex titles_mutex_;
  std::shared_ptr<const TitleIndex> titles_;  ///< of one database identity (UUID and revision)
  std::chrono::steady_clock::time_point titles_checked_;
  std::mutex shards_mutex_;
  IndexSpec spec_;               ///< the databases --db names, re-read when what it names changes
  std::string spec_stamp_;       ///< location_stamp() when spec_ was read
  std::set<std::string> down_;   ///< shards seen unavailable (logged once until they are back)
  std::atomic<bool> any_down_{false};
  std::mutex locales_mutex_;
  std::string locales_identity_;
  std::vector<std::string> locales_;
  std::chrono::steady_clock::time_point locales_checked_;
};

}  // namespace helpsearch
