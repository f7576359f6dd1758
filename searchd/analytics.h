// Query analytics for content writers: what users search, what finds
// nothing, what is never opened. Searches and clicks are queued by the
// request threads (a bounded queue: a full queue drops the event and counts
// it, the search never waits) and written in batches by one writer thread
// into a SQLite database in WAL mode, kept under a size cap and a retention
// in days. Rows hold the normalised query, its locale, its hit count and
// whether a result was opened; nothing about the client (no address, no
// agent). Disabled, it writes nothing and opens no file.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace helpsearch {

/// The analytics settings (config keys analytics, analytics_db, …).
struct AnalyticsConfig {
  bool enabled = false;           ///< analytics: record searches and clicks
  std::string path;               ///< analytics_db: the SQLite file
  int retention_days = 90;        ///< analytics_retention_days: older rows are deleted
  uint64_t max_bytes = 100ULL << 20;  ///< analytics_max_mb: the oldest rows go beyond it
  std::string admin_token;        ///< admin_token: bearer token of /v1/admin/*
  size_t queue_capacity = 8192;   ///< events waiting for the writer before drops
  /// Unix seconds now; tests set it to move time.
  std::function<int64_t()> clock;
};

/// One query of a report: how often it was searched, found nothing, was clicked.
struct QueryCount {
  std::string query;
  uint64_t searches = 0;
  uint64_t zero_results = 0;  ///< searches of it that found nothing
  uint64_t clicks = 0;        ///< searches of it after which a result was opened
};

/// A locale's share of a report.
struct LocaleReport {
  std::string locale;
  uint64_t searches = 0, zero_result_searches = 0, clicked_searches = 0;
  std::vector<QueryCount> top;           ///< most searched
  std::vector<QueryCount> zero_results;  ///< most searched among those that found nothing
  std::vector<QueryCount> no_click;      ///< most searched among those with hits but never opened
};

/// What GET /v1/admin/queries answers.
struct AnalyticsReport {
  int days = 0;
  int64_t since = 0;  ///< unix seconds of the window's start
  std::vector<LocaleReport> locales;  ///< by searches, most first
};

/// Counters for /metrics.
struct AnalyticsStats {
  uint64_t recorded = 0, clicks = 0, dropped = 0, write_errors = 0, pruned = 0, db_bytes = 0;
};

/// A query as counted: NFKC case-folded, spaces collapsed and trimmed, at most 200 bytes.
std::string normalize_query(const std::string& q);

/// True for a query ID as record() hands them out (16 lower-case hex digits).
bool valid_query_id(const std::string& id);

class Analytics {
 public:
  /// Opens (creates) the database when enabled and starts the writer.
  /// Throws std::runtime_error naming the file when it cannot be opened.
  explicit Analytics(AnalyticsConfig config);
  /// Writes what is queued, then stops the writer.
  ~Analytics();
  Analytics(const Analytics&) = delete;
  Analytics& operator=(const Analytics&) = delete;

  bool enabled() const { return config_.enabled; }
  const AnalyticsConfig& config() const { return config_; }

  /// Queues a search (the raw query; normalised by the writer). refines: the
  /// ID of an earlier search this one replaces (typing went on), "" for none.
  /// Returns the search's query ID, "" when disabled or dropped.
  std::string record(const std::string& q, const std::string& locale, uint64_t hits,
                     const std::string& refines = "");
  /// Queues a click: a result of the search with this ID was opened.
  void click(const std::string& query_id);
  /// Waits until everything queued before the call is written (at most timeout_ms).
  void flush(int timeout_ms = 5000);
  /// Top queries of the last days, per locale, limit per list.
  AnalyticsReport report(int days, size_t limit);
  /// Queries searched at least kPopularMin times in the last 30 days that
  /// found articles, most searched first, in locale ("" = any); cached for 5 minutes.
  std::vector<std::string> popular(const std::string& locale, size_t limit);
  /// Fewer searches than this and a query is never shown as popular (it may be private).
  static constexpr uint64_t kPopularMin = 3;
  AnalyticsStats stats() const;
  /// The counters as Prometheus text.
  std::string metrics_text() const;

 private:
  struct Event {
    enum Kind { kSearch, kClick } kind = kSearch;
    uint64_t id = 0;
    uint64_t refines = 0;
    int64_t at = 0;
    std::string query, locale;
    uint64_t hits = 0;
  };
  int64_t now() const;
  bool push(Event e);
  void run();
  void write(std::vector<Event>& batch);
  void prune();
  void enforce_cap();
  uint64_t file_bytes() const;

  AnalyticsConfig config_;
  sqlite3* db_ = nullptr;  ///< the writer's connection
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Event> queue_;
  uint64_t queued_ = 0, written_ = 0;  ///< events accepted / handled by the writer (under mutex_)
  bool stop_ = false;
  bool urgent_ = false;  ///< flush() waits: write without gathering
  int64_t last_prune_ = 0;
  std::string last_error_;
  std::atomic<uint64_t> recorded_{0}, clicks_{0}, dropped_{0}, write_errors_{0}, pruned_{0};
  std::mutex popular_mutex_;
  int64_t popular_at_ = 0;
  AnalyticsReport popular_;  ///< the 30-day report behind popular()
  std::thread writer_;
};

}  // namespace helpsearch
