#include "analytics.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <stdexcept>

#include "log.h"
#include "text.h"

namespace helpsearch {
namespace {

constexpr size_t kBatch = 1000;            // events per transaction
constexpr std::chrono::milliseconds kGather{200};  // the writer waits this long for a batch to fill
constexpr int64_t kPruneEvery = 3600;      // seconds between retention passes
constexpr size_t kMaxQueryBytes = 200;     // of a normalised query

const char* kSchema =
    "CREATE TABLE IF NOT EXISTS searches("
    " id INTEGER PRIMARY KEY,"   // the query ID handed to the client (random)
    " at INTEGER NOT NULL,"      // unix seconds
    " locale TEXT NOT NULL,"     // the locale searched (or matched), 'all' for all
    " query TEXT NOT NULL,"      // normalize_query()
    " hits INTEGER NOT NULL,"    // estimated matches
    " clicked INTEGER NOT NULL DEFAULT 0);"  // 1 once a result was opened
    "CREATE INDEX IF NOT EXISTS searches_at ON searches(at);";

/// A prepared statement, finalized on scope exit.
struct Statement {
  sqlite3_stmt* s = nullptr;
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(s); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw std::runtime_error(message);
  }
}

int64_t pragma(sqlite3* db, const char* sql) {
  Statement st(db, sql);
  return sqlite3_step(st.s) == SQLITE_ROW ? sqlite3_column_int64(st.s, 0) : 0;
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

uint64_t parse_id(const std::string& id) {
  return valid_query_id(id) ? std::stoull(id, nullptr, 16) : 0;
}

/// The first `limit` of `all` that pass `keep`, by `key` descending, then query.
std::vector<QueryCount> top_of(const std::vector<QueryCount>& all, size_t limit, bool (*keep)(const QueryCount&),
                               uint64_t (*key)(const QueryCount&)) {
  std::vector<QueryCount> out;
  for (const QueryCount& c : all)
    if (keep(c)) out.push_back(c);
  std::sort(out.begin(), out.end(), [key](const QueryCount& a, const QueryCount& b) {
    return key(a) != key(b) ? key(a) > key(b) : a.query < b.query;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace

std::string normalize_query(const std::string& q) {
  const std::string folded = fold_case(sanitize_utf8(q));
  std::string out;
  bool space = false;
  for (size_t i = 0; i < folded.size(); ++i) {
    const bool is_space = std::string_view(" \t\n\r\f\v").find(folded[i]) != std::string_view::npos ||
                          folded.compare(i, 3, "\xE3\x80\x80") == 0;
    if (is_space) {
      if (folded.compare(i, 3, "\xE3\x80\x80") == 0) i += 2;
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += folded[i];
  }
  return std::string(utf8_truncate(out, kMaxQueryBytes));
}

bool valid_query_id(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Analytics::Analytics(AnalyticsConfig config) : config_(std::move(config)) {
  if (!config_.enabled) return;
  if (sqlite3_open_v2(config_.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error("analytics_db " + config_.path + ": " + message);
  }
  try {
    sqlite3_busy_timeout(db_, 2000);
    // auto_vacuum before the first table, so that deleted rows give the file back.
    exec(db_, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
              "PRAGMA journal_size_limit=4194304;");
    exec(db_, kSchema);
  } catch (const std::exception& e) {
    sqlite3_close(db_);
    throw std::runtime_error("analytics_db " + config_.path + ": " + e.what());
  }
  writer_ = std::thread([this] { run(); });
}

Analytics::~Analytics() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
  sqlite3_close(db_);
}

int64_t Analytics::now() const {
  if (config_.clock) return config_.clock();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Analytics::push(Event e) {
  size_t waiting = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= config_.queue_capacity) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(e));
    ++queued_;
    waiting = queue_.size();
  }
  // The writer sleeps on an empty queue, then gathers: only the first event and a full batch wake it.
  if (waiting == 1 || waiting == kBatch) wake_.notify_one();
  return true;
}

std::string Analytics::record(const std::string& q, const std::string& locale, uint64_t hits,
                              const std::string& refines) {
  if (!config_.enabled) return "";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  Event e;
  e.id = (rng() >> 1) | 1;  // positive in SQLite's signed 64 bits, never 0
  e.refines = parse_id(refines);
  e.at = now();
  e.query = q;
  e.locale = locale;
  e.hits = hits;
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(e.id));
  if (!push(std::move(e))) return "";
  return id;
}

void Analytics::click(const std::string& query_id) {
  if (!config_.enabled) return;
  Event e;
  e.kind = Event::kClick;
  e.id = parse_id(query_id);
  if (e.id != 0) push(std::move(e));
}

void Analytics::flush(int timeout_ms) {
  if (!config_.enabled) return;
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = queued_;
  urgent_ = true;
  wake_.notify_all();
  done_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return written_ >= target; });
}

void Analytics::run() {
  prune();
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait_for(lock, std::chrono::seconds(60), [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) break;
    // Gather a batch: one transaction per kGather, not one per search.
    wake_.wait_for(lock, kGather, [this] { return stop_ || urgent_ || queue_.size() >= kBatch; });
    urgent_ = false;
    std::vector<Event> batch;
    while (!queue_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    if (!batch.empty()) write(batch);
    if (now() - last_prune_ >= kPruneEvery) prune();
    lock.lock();
    written_ += batch.size();
    done_.notify_all();
  }
}

void Analytics::write(std::vector<Event>& batch) {
  try {
    exec(db_, "BEGIN");
    Statement insert(db_, "INSERT OR IGNORE INTO searches(id, at, locale, query, hits) VALUES (?, ?, ?, ?, ?)");
    Statement drop(db_, "DELETE FROM searches WHERE id = ? AND clicked = 0");
    Statement clicked(db_, "UPDATE searches SET clicked = 1 WHERE id = ?");
    for (Event& e : batch) {
      if (e.kind == Event::kClick) {
        sqlite3_bind_int64(clicked.s, 1, static_cast<int64_t>(e.id));
        sqlite3_step(clicked.s);
        if (sqlite3_changes(db_) > 0) ++clicks_;
        sqlite3_reset(clicked.s);
        continue;
      }
      if (e.refines != 0) {
        sqlite3_bind_int64(drop.s, 1, static_cast<int64_t>(e.refines));
        sqlite3_step(drop.s);
        sqlite3_reset(drop.s);
      }
      const std::string query = normalize_query(e.query);
      if (query.empty()) continue;
      sqlite3_bind_int64(insert.s, 1, static_cast<int64_t>(e.id));
      sqlite3_bind_int64(insert.s, 2, e.at);
      sqlite3_bind_text(insert.s, 3, e.locale.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert.s, 4, query.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert.s, 5, static_cast<int64_t>(e.hits));
      if (sqlite3_step(insert.s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
      sqlite3_reset(insert.s);
      ++recorded_;
    }
    exec(db_, "COMMIT");
    enforce_cap();
    last_error_.clear();
  } catch (const std::exception& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    ++write_errors_;
    // One log line per kind of failure, not one per batch while it lasts.
    if (last_error_ != e.what()) log_line(std::string("error: analytics: ") + config_.path + ": " + e.what());
    last_error_ = e.what();
  }
}

void Analytics::prune() {
  last_prune_ = now();
  try {
    Statement del(db_, "DELETE FROM searches WHERE at < ?");
    sqlite3_bind_int64(del.s, 1, last_prune_ - int64_t{config_.retention_days} * 86400);
    if (sqlite3_step(del.s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    if (const int n = sqlite3_changes(db_); n > 0) {
      pruned_ += static_cast<uint64_t>(n);
      exec(db_, "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);");
    }
  } catch (const std::exception& e) {
    ++write_errors_;
    log_line(std::string("error: analytics: retention: ") + e.what());
  }
}

void Analytics::enforce_cap() {
  // The oldest rows go, a tenth at least per pass, until the file fits.
  for (int pass = 0; pass < 8 && file_bytes() > config_.max_bytes; ++pass) {
    const int64_t rows = pragma(db_, "SELECT COUNT(*) FROM searches");
    if (rows == 0) break;
    const double used = static_cast<double>(file_bytes() - static_cast<uint64_t>(pragma(db_, "PRAGMA freelist_count")) *
                                                               static_cast<uint64_t>(pragma(db_, "PRAGMA page_size")));
    const double keep = std::min(0.9, 0.85 * static_cast<double>(config_.max_bytes) / std::max(used, 1.0));
    Statement del(db_, "DELETE FROM searches WHERE id IN (SELECT id FROM searches ORDER BY at LIMIT ?)");
    sqlite3_bind_int64(del.s, 1, std::max<int64_t>(1, rows - static_cast<int64_t>(static_cast<double>(rows) * keep)));
    if (sqlite3_step(del.s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db_));
    pruned_ += static_cast<uint64_t>(sqlite3_changes(db_));
    exec(db_, "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);");
  }
}

uint64_t Analytics::file_bytes() const {
  return static_cast<uint64_t>(pragma(db_, "PRAGMA page_count")) * static_cast<uint64_t>(pragma(db_, "PRAGMA page_size"));
}

AnalyticsReport Analytics::report(int days, size_t limit) {
  AnalyticsReport out;
  out.days = days;
  out.since = now() - int64_t{days} * 86400;
  if (!config_.enabled) return out;
  flush(2000);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(config_.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("analytics_db " + config_.path + ": " + message);
  }
  std::map<std::string, std::vector<QueryCount>> by_locale;
  try {
    sqlite3_busy_timeout(db, 2000);
    Statement st(db, "SELECT locale, query, COUNT(*), SUM(hits = 0), SUM(clicked) FROM searches WHERE at >= ?"
                     " GROUP BY locale, query");
    sqlite3_bind_int64(st.s, 1, out.since);
    int rc;
    while ((rc = sqlite3_step(st.s)) == SQLITE_ROW)
      by_locale[column_text(st.s, 0)].push_back({column_text(st.s, 1), static_cast<uint64_t>(sqlite3_column_int64(st.s, 2)),
                                                 static_cast<uint64_t>(sqlite3_column_int64(st.s, 3)),
                                                 static_cast<uint64_t>(sqlite3_column_int64(st.s, 4))});
    if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  for (const auto& [locale, all] : by_locale) {
    LocaleReport r;
    r.locale = locale;
    for (const QueryCount& c : all) {
      r.searches += c.searches;
      r.zero_result_searches += c.zero_results;
      r.clicked_searches += c.clicks;
    }
    r.top = top_of(all, limit, [](const QueryCount&) { return true; }, [](const QueryCount& c) { return c.searches; });
    r.zero_results = top_of(all, limit, [](const QueryCount& c) { return c.zero_results > 0; },
                            [](const QueryCount& c) { return c.zero_results; });
    r.no_click = top_of(all, limit, [](const QueryCount& c) { return c.clicks == 0 && c.zero_results < c.searches; },
                        [](const QueryCount& c) { return c.searches; });
    out.locales.push_back(std::move(r));
  }
  std::stable_sort(out.locales.begin(), out.locales.end(),
                   [](const LocaleReport& a, const LocaleReport& b) { return a.searches > b.searches; });
  return out;
}

std::vector<std::string> Analytics::popular(const std::string& locale, size_t limit) {
  if (!config_.enabled) return {};
  std::lock_guard<std::mutex> lock(popular_mutex_);
  if (popular_at_ == 0 || now() - popular_at_ >= 300) {
    popular_ = report(30, 100);
    popular_at_ = now();
  }
  std::map<std::string, uint64_t> counts;
  for (const LocaleReport& l : popular_.locales)
    if (locale.empty() || l.locale == locale)
      for (const QueryCount& c : l.top)
        if (c.searches - c.zero_results >= kPopularMin) counts[c.query] += c.searches;
  std::vector<std::pair<std::string, uint64_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && i < limit; ++i) out.push_back(ranked[i].first);
  return out;
}

AnalyticsStats Analytics::stats() const {
  AnalyticsStats s{recorded_, clicks_, dropped_, write_errors_, pruned_, 0};
  if (config_.enabled) {
    if (FILE* f = std::fopen(config_.path.c_str(), "rb")) {
      std::fseek(f, 0, SEEK_END);
      s.db_bytes = static_cast<uint64_t>(std::ftell(f));
      std::fclose(f);
    }
  }
  return s;
}

std::string Analytics::metrics_text() const {
  const AnalyticsStats s = stats();
  std::string out;
  auto line = [&out](const char* name, const char* type, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(v) + "\n";
  };
  line("helpsearchd_analytics_recorded_total", "counter", "Searches written to the analytics store.", s.recorded);
  line("helpsearchd_analytics_clicks_total", "counter", "Opened results written to the analytics store.", s.clicks);
  line("helpsearchd_analytics_dropped_total", "counter", "Events dropped because the writer's queue was full.",
       s.dropped);
  line("helpsearchd_analytics_write_errors_total", "counter", "Failed writes to the analytics store.",
       s.write_errors);
  line("helpsearchd_analytics_pruned_total", "counter", "Rows deleted by retention or the size cap.", s.pruned);
  line("helpsearchd_analytics_db_bytes", "gauge", "Size of the analytics database file.", s.db_bytes);
  return out;
}

}  // namespace helpsearch
