#include "indexer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <xapian.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "locales.h"
#include "parallel_write.h"
#include "run_lock.h"
#include "schema.h"
#include "shards.h"

namespace fs = std::filesystem;

namespace helpsearch {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// One file that will become (or already is) an article.
struct Entry {
  std::string path;
  std::string key;
  std::string hash;
  std::string stamp;           ///< size and modification time (schema::kSlotFileStamp)
  bool unchanged = false;      ///< same stamp as when indexed: not read again
  /// Pass 1's read of the front matter (bytes of hash), which pass 2 completes.
  std::shared_ptr<const ReadResult> header;
};

/// What the index knows of an indexed file, by path.
struct Known {
  std::string key, hash, stamp;
};

/// A file's problem, to be reported in file order.
struct Problem {
  std::string path;
  int line = 0;
  std::string message;
  bool fatal = true;
};

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open file";
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return buf.str();
}

void report(std::ostream& err, const Problem& p) {
  err << p.path;
  if (p.line > 0) err << ':' << p.line;
  err << (p.fatal ? ": error: " : ": warning: ") << p.message << '\n';
}

/// Analyzers of the calling thread, one per language.
const Analyzer& analyzer_for(const std::string& language) {
  thread_local std::map<std::string, std::unique_ptr<Analyzer>> cache;
  auto& slot = cache[language];
  if (!slot) slot = std::make_unique<Analyzer>(language);
  return *slot;
}

/// Collects *.md files under the sources, each folder's files in name order.
bool collect_files(const std::vector<std::string>& sources, std::vector<std::string>& files,
                   std::ostream& err) {
  for (const auto& source : sources) {
    std::error_code ec;
    const fs::path root = fs::absolute(source, ec).lexically_normal();
    if (fs::is_regular_file(root, ec)) {
      files.push_back(root.string());
      continue;
    }
    if (!fs::is_directory(root, ec)) {
      err << source << ": error: no such file or folder\n";
      return false;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
         it != end; it.increment(ec)) {
      if (ec) break;
      // A folder's README.md describes the folder; it is not a help article.
      if (it->is_regular_file(ec) && it->path().extension() == ".md" && it->path().filename() != "README.md")
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return true;
}

struct Built {
  std::optional<BuiltDocument> doc;
  std::vector<Problem> problems;
};

/// The message of an exception of any kind (Xapian::Error is no std::exception).
std::string describe_current_exception() {
  try {
    throw;
  } catch (const Xapian::Error& e) {
    return e.get_description();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

Built build_one(const Entry& entry, const std::string& default_locale) {
  Built out;
  try {
    std::string error;
    auto content = read_file(entry.path, &error);
    if (!content) {
      out.problems.push_back({entry.path, 0, error});
      return out;
    }
    // The front matter as pass 1 read it, unless the file changed since.
    ReadResult r = entry.header && fnv1a_hex(*content) == entry.hash
                       ? parse_article_body(*content, *entry.header)
                       : parse_article(*content, {entry.path, default_locale});
    if (!r.ok) {
      out.problems.push_back({entry.path, r.line, r.error});
      return out;
    }
    const std::string language = language_of(r.article.locale);
    out.doc = build_document(r.article, entry.hash, analyzer_for(language), analyzer_for("en"));
  } catch (...) {
    out.doc.reset();
    out.problems.push_back({entry.path, 0, "cannot analyze: " + describe_current_exception()});
  }
  return out;
}

std::vector<Built> build_batch(const std::vector<Entry>& entries, size_t begin, size_t end,
                               const std::string& default_locale, unsigned threads) {
  std::vector<Built> out(end - begin);
  threads = std::max(1u, threads);
  std::vector<std::future<void>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t] {
      for (size_t i = begin + t; i < end; i += threads) out[i - begin] = build_one(entries[i], default_locale);
    }));
  }
  for (auto& w : workers) w.get();
  return out;
}

class Progress {
 public:
  Progress(bool enabled, size_t total) : enabled_(enabled), total_(total), start_(Clock::now()) {}
  void update(size_t done, bool force = false) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? done / secs : 0;
    const int width = 30;
    const int filled = total_ ? static_cast<int>(width * done / total_) : width;
    const double eta = rate > 0 ? (total_ - done) / rate : 0;
    std::fprintf(stderr, "\r[%-*s] %zu/%zu files  %.0f files/s  ETA %d:%02d ", width,
                 std::string(filled, '=').c_str(), done, total_, rate, static_cast<int>(eta) / 60,
                 static_cast<int>(eta) % 60);
    if (force) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
  size_t total_;
  Clock::time_point start_, last_;
};

bool under(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& root : roots) {
    if (path == root) return true;
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/')
      return true;
  }
  return false;
}

/// Atomically exchanges two directories, then removes what was at `into`.
bool swap_directories(const std::string& from, const std::string& into, std::ostream& err) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, into.c_str(), RENAME_EXCHANGE) != 0) {
    err << into << ": error: cannot swap in the rebuilt index from " << from << ": " << std::strerror(errno)
        << '\n';
    return false;
  }
  std::error_code ec;
  fs::remove_all(from, ec);
  return true;
}

/// The files of a run by key (a later file with the same key wins).
struct Collected {
  std::vector<Entry> entries;
  std::unordered_map<std::string, size_t> by_key;
};

/// A warning, once per language, for a language written with spaces that has
/// no Snowball stemmer here: its articles are indexed without stems.
void warn_unstemmed(const std::string& path, const std::string& locale, std::set<std::string>& warned,
                    std::vector<Problem>& problems) {
  const std::string language = language_of(locale);
  if (!needs_stemmer(language) || analyzer_for(language).stems() || !warned.insert(language).second) return;
  problems.push_back({path, 0,
                      "no Snowball stemmer for language \"" + language +
                          "\" in this Xapian: its articles are indexed without stems",
                      false});
}

/// Pass 1: validates each file and finds its key. Every failure is the file's own.
/// "<bytes>:<mtime ns>" of a file, or "" when it cannot be read.
std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
}

/// The indexed files of db by path, read from its value streams (no document is opened).
std::unordered_map<std::string, Known> known_files(Xapian::Database& db) {
  auto slot = [&](Xapian::valueno n) {
    std::unordered_map<Xapian::docid, std::string> values;
    for (auto v = db.valuestream_begin(n); v != db.valuestream_end(n); ++v) values.emplace(v.get_docid(), *v);
    return values;
  };
  const auto stamps = slot(schema::kSlotFileStamp);
  if (stamps.empty()) return {};
  auto paths = slot(schema::kSlotSourcePath), locales = slot(schema::kSlotLocale), slugs = slot(schema::kSlotSlug),
       hashes = slot(schema::kSlotContentHash);
  std::unordered_map<std::string, Known> out;
  for (const auto& [docid, stamp] : stamps)
    out[paths[docid]] = Known{locales[docid] + "/" + slugs[docid], hashes[docid], stamp};
  return out;
}

/// What pass 1 learns of one file: its entry, or its problems.
struct Scanned {
  std::optional<Entry> entry;
  std::vector<Problem> problems;  ///< before the stemmer warning of locale
  std::string locale;             ///< of a file read (for warn_unstemmed)
  std::vector<Problem> late;      ///< after it
};

Scanned scan_file(const std::string& path, const IndexOptions& opt, const std::unordered_map<std::string, Known>& known) {
  Scanned out;
  const std::string stamp = file_stamp(path);
  if (auto k = known.find(path); !stamp.empty() && k != known.end() && k->second.stamp == stamp) {
    out.entry = Entry{path, k->second.key, k->second.hash, stamp, true, nullptr};
    return out;
  }
  try {
    std::string error;
    auto content = read_file(path, &error);
    if (!content) {
      out.problems.push_back({path, 0, error});
      return out;
    }
    ReadResult r = parse_article(*content, {path, opt.default_locale}, ParseDepth::kHeader);
    if (!r.ok) {
      out.problems.push_back({path, r.line, r.error});
      return out;
    }
    for (const auto& w : r.article.warnings) out.problems.push_back({path, 0, w, false});
    out.locale = r.article.locale;
    Entry e{path, r.article.key(), fnv1a_hex(*content), stamp, false, nullptr};
    if (e.key.size() + 1 > schema::kMaxTermBytes)
      out.late.push_back({path, 0, "the key " + e.key + " is longer than an index term may be; shorten the file name"});
    else
      out.entry = std::move(e);
    if (out.entry) out.entry->header = std::make_shared<const ReadResult>(std::move(r));
  } catch (...) {
    out.problems.push_back({path, 0, "cannot read: " + describe_current_exception()});
  }
  return out;
}

/// Pass 1 over all files, on opt.threads threads; the outcomes in file order.
std::vector<Scanned> scan_files(const std::vector<std::string>& files, const IndexOptions& opt,
                                const std::unordered_map<std::string, Known>& known) {
  std::vector<Scanned> out(files.size());
  const unsigned threads = std::max(1u, opt.threads);
  std::vector<std::future<void>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.push_back(std::async(std::launch::async, [&, t] {
      for (size_t i = t; i < files.size(); i += threads) out[i] = scan_file(files[i], opt, known);
    }));
  }
  for (auto& w : workers) w.get();
  return out;
}

Collected collect_entries(const std::vector<std::string>& files, const IndexOptions& opt,
                          const std::unordered_map<std::string, Known>& known, IndexStats& stats, std::ostream& err) {
  Collected c;
  std::vector<Problem> problems;
  std::set<std::string> warned;
  auto add = [&](Entry e) {
    if (auto it = c.by_key.find(e.key); it != c.by_key.end()) {
      c.entries[it->second] = std::move(e);
      ++stats.shadowed;
    } else {
      c.by_key.emplace(e.key, c.entries.size());
      c.entries.push_back(std::move(e));
    }
  };
  std::vector<Scanned> scanned = scan_files(files, opt, known);
  for (size_t i = 0; i < files.size(); ++i) {
    Scanned& f = scanned[i];
    problems.insert(problems.end(), f.problems.begin(), f.problems.end());
    try {
      if (!f.locale.empty()) warn_unstemmed(files[i], f.locale, warned, problems);
    } catch (...) {
      problems.push_back({files[i], 0, "cannot read: " + describe_current_exception()});
      continue;
    }
    problems.insert(problems.end(), f.late.begin(), f.late.end());
    if (f.entry) add(std::move(*f.entry));
  }
  for (const auto& p : problems) {
    report(err, p);
    if (p.fatal) ++stats.failed;
  }
  return c;
}

/// The entries whose file changed (bytes or path) since they were indexed.
std::vector<Entry> select_changed(Xapian::WritableDatabase& db, const std::vector<Entry>& entries,
                                  IndexStats& stats) {
  std::vector<Entry> changed;
  for (const auto& e : entries) {
    if (e.unchanged) {
      ++stats.unchanged;
      continue;
    }
    Xapian::PostingIterator it = db.postlist_begin(schema::kKey + e.key);
    if (it != db.postlist_end(schema::kKey + e.key)) {
      Xapian::Document doc = db.get_document(*it);
      if (doc.get_value(schema::kSlotContentHash) == e.hash && doc.get_value(schema::kSlotSourcePath) == e.path) {
        ++stats.unchanged;
        continue;
      }
    }
    changed.push_back(e);
  }
  return changed;
}

/// The spelling words of the article under a key term (none when there is none).
std::vector<std::string> indexed_spelling(Xapian::WritableDatabase& db, const std::string& key_term) {
  Xapian::PostingIterator it = db.postlist_begin(key_term);
  if (it == db.postlist_end(key_term)) return {};
  return spelling_words(db.get_document(*it));
}

/// Spelling words and how many articles have each, gathered to be added at once.
using SpellingCounts = std::unordered_map<std::string, Xapian::termcount>;

/// Writes one built article, then moves the spelling table from its old
/// version's words to its own (or, given spelling, counts its words there
/// instead). Into a new database (fresh_did > 0) the document goes as that
/// number. A Xapian error that the document causes is the file's failure
/// (in problems), and changes nothing.
bool write_one(Xapian::WritableDatabase& db, const Entry& entry, const BuiltDocument& built,
               Xapian::docid fresh_did, std::vector<Problem>& problems, SpellingCounts* spelling = nullptr) {
  const bool fresh = fresh_did > 0;
  const std::string key_term = schema::kKey + entry.key;
  try {
    // Into a new database each key comes once (collect_entries keeps one file a key): nothing to replace.
    const std::vector<std::string> old_words = fresh ? std::vector<std::string>{} : indexed_spelling(db, key_term);
    Xapian::Document doc = built.doc;
    doc.add_value(schema::kSlotFileStamp, entry.stamp);
    if (fresh)
      db.replace_document(fresh_did, doc);
    else
      db.replace_document(key_term, doc);
    for (const auto& w : old_words) db.remove_spelling(w);
    for (const auto& w : built.spelling) {
      if (spelling)
        ++(*spelling)[w];
      else
        db.add_spelling(w);
    }
    return true;
  } catch (const Xapian::InvalidArgumentError& e) {
    problems.push_back({entry.path, 0, "cannot index: " + e.get_description()});
    return false;
  }
}

/// Counts and reports one file's outcome, in file order.
void tally(const std::vector<Problem>& problems, bool built, bool written, IndexStats& stats, std::ostream& err) {
  for (const auto& p : problems) {
    report(err, p);
    if (p.fatal) ++stats.failed;
  }
  if (!built) return;
  if (written)
    ++stats.indexed;
  else
    ++stats.failed;
}

/// Pass 2: builds the changed articles on worker threads and writes them in
/// batches, one Xapian commit each.
void write_batches(Xapian::WritableDatabase& db, const std::vector<Entry>& changed, const IndexOptions& opt,
                   IndexStats& stats, std::ostream& err) {
  Progress progress(opt.progress, changed.size());
  const size_t batch = std::max<size_t>(1, opt.batch);
  const std::string fingerprint = Analyzer::fingerprint();
  std::future<std::vector<Built>> next;
  if (!changed.empty())
    next = std::async(std::launch::async, build_batch, std::cref(changed), 0, std::min(batch, changed.size()),
                      opt.default_locale, opt.threads);
  for (size_t begin = 0; begin < changed.size(); begin += batch) {
    const size_t end = std::min(begin + batch, changed.size());
    std::vector<Built> built = next.get();
    if (end < changed.size())
      next = std::async(std::launch::async, build_batch, std::cref(changed), end,
                        std::min(end + batch, changed.size()), opt.default_locale, opt.threads);
    db.begin_transaction();
    db.set_metadata(schema::kMetaAnalyzer, fingerprint);
    db.set_metadata(schema::kMetaSchema, schema::kSchemaVersion);
    for (size_t i = 0; i < built.size(); ++i) {
      const bool written = built[i].doc && write_one(db, changed[begin + i], *built[i].doc, 0, built[i].problems);
      tally(built[i].problems, built[i].doc.has_value(), written, stats, err);
      progress.update(begin + i + 1);
    }
    db.commit_transaction();
    progress.update(end, end == changed.size());
  }
}

/// Documents a scratch part takes between flushes. Xapian's inverter holds
/// the postings of unflushed documents in sorted maps whose lookups miss the
/// CPU caches as they grow: on ../shared/corpus/sxs a full build takes 14%
/// less time with 100 than with 1,000, and 70 MB less memory.
constexpr size_t kPartFlush = 100;

/// Block size of a scratch part's tables (Glass's largest): the parts'
/// B-trees split and seek less, and take fewer reads and writes, than with
/// the default 8 KB: a full build of ../shared/corpus/sxs 9.6 s against
/// 10.25 s wall, 1.2 s against 1.9 s system time (three alternating runs).
/// The merged index keeps the default block size (what searches read).
constexpr int kScratchBlock = 65536;

/// The databases a full build writes in parallel, beside target: "<target>.part<k>".
std::vector<std::string> part_paths(const std::string& target, size_t n) {
  std::vector<std::string> paths;
  for (size_t k = 0; k < n; ++k) paths.push_back(target + ".part" + std::to_string(k));
  return paths;
}

/// Pass 2 of a full build: the articles go into opt.threads new databases at
/// once (one thread each, parsing and writing; see write_parallel() for who
/// takes which file), each file as document number its place + 1, so that the
/// merged database numbers them in file order whichever part wrote them;
/// which are then merged by compaction into a new database that replaces
/// target whole. The parts are scratch (no fsync, updated in place): only
/// the merged database must survive a crash, and until it is swapped in,
/// target is what it was.
bool write_fresh(const std::string& target, const std::vector<Entry>& changed, const IndexOptions& opt,
                 IndexStats& stats, std::ostream& err) {
  if (changed.empty()) return true;
  const std::vector<std::string> paths = part_paths(target, std::min<size_t>(std::max(1u, opt.threads), changed.size()));
  std::vector<Xapian::WritableDatabase> dbs;
  std::error_code ec;
  for (const auto& path : paths) {
    fs::remove_all(path, ec);
    dbs.emplace_back(path, Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC | Xapian::DB_DANGEROUS,
                     kScratchBlock);
    dbs.back().set_metadata(schema::kMetaAnalyzer, Analyzer::fingerprint());
    dbs.back().set_metadata(schema::kMetaSchema, schema::kSchemaVersion);
  }
  struct Outcome {
    std::vector<Problem> problems;
    bool built = false, written = false;
  };
  std::vector<Outcome> outcomes(changed.size());
  // A word's entry in the spelling table is rewritten at every commit that
  // adds to it: each part adds its words once, counted, at its end.
  std::vector<SpellingCounts> spelling(paths.size());
  std::atomic<size_t> done{0};
  auto write = [&](Xapian::WritableDatabase& db, size_t part, size_t i) {
    Built b = build_one(changed[i], opt.default_locale);
    outcomes[i].built = b.doc.has_value();
    outcomes[i].written = b.doc && write_one(db, changed[i], *b.doc, static_cast<Xapian::docid>(i + 1), b.problems, &spelling[part]);
    outcomes[i].problems = std::move(b.problems);
  };
  auto finish = [&](Xapian::WritableDatabase& db, size_t part) {
    for (const auto& [word, count] : spelling[part]) db.add_spelling(word, count);
    SpellingCounts().swap(spelling[part]);
  };
  const auto writing = Clock::now();
  auto running = std::async(std::launch::async,
                            [&] { write_parallel(dbs, changed.size(), kPartFlush, write, finish, &done); });
  Progress progress(opt.progress, changed.size());
  while (running.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) progress.update(done);
  running.get();
  progress.update(done, true);
  for (auto& db : dbs) db.close();
  stats.writing_s += seconds_since(writing);
  for (const auto& o : outcomes) tally(o.problems, o.built, o.written, stats, err);
  bool ok = true;
  if (stats.indexed > 0) {
    const std::string merged = target + ".compact";
    fs::remove_all(merged, ec);
    const auto merging = Clock::now();
    merge_databases(paths, merged);
    stats.merging_s += seconds_since(merging);
    ok = swap_directories(merged, target, err);
    fs::remove_all(merged, ec);  // the empty database the parts replaced
  }
  for (const auto& path : paths) fs::remove_all(path, ec);
  return ok;
}

/// Deletes the articles whose files are gone under the sources (and their spelling words).
void prune_missing(Xapian::WritableDatabase& db, const IndexOptions& opt, const Collected& collected,
                   IndexStats& stats) {
  std::vector<std::string> roots;
  for (const auto& s : opt.sources) roots.push_back(fs::absolute(s).lexically_normal().string());
  std::vector<std::string> stale;
  for (auto t = db.allterms_begin(schema::kKey); t != db.allterms_end(schema::kKey); ++t) {
    const std::string key = (*t).substr(1);
    if (collected.by_key.count(key)) continue;
    Xapian::Document doc = db.get_document(*db.postlist_begin(*t));
    const std::string path = doc.get_value(schema::kSlotSourcePath);
    std::error_code ec;
    if (under(path, roots) && !fs::exists(path, ec)) stale.push_back(*t);
  }
  if (stale.empty()) return;
  db.begin_transaction();
  for (const auto& term : stale) {
    const std::vector<std::string> words = indexed_spelling(db, term);
    db.delete_document(term);
    for (const auto& w : words) db.remove_spelling(w);
  }
  db.commit_transaction();
  stats.deleted += stale.size();
}

/// Opens the database a run writes to: the index itself, or for a rebuild
/// of an existing one, a new database beside it. Null (reported) on failure.
std::unique_ptr<Xapian::WritableDatabase> open_target(const IndexOptions& opt, const std::string& target,
                                                      std::ostream& err) {
  try {
    auto db = std::make_unique<Xapian::WritableDatabase>(
        target, opt.rebuild ? Xapian::DB_CREATE_OR_OVERWRITE : Xapian::DB_CREATE_OR_OPEN);
    const std::string stored = db->get_metadata(schema::kMetaAnalyzer);
    if (db->get_doccount() > 0 && stored != Analyzer::fingerprint()) {
      err << opt.db << ": error: the index was built with analyzer \"" << stored << "\", this indexer's is \""
          << Analyzer::fingerprint() << "\"; run again with --rebuild\n";
      return nullptr;
    }
    return db;
  } catch (const Xapian::Error& e) {
    err << opt.db << ": error: cannot open database for writing: " << e.get_description() << '\n';
    return nullptr;
  }
}

void print_summary(const IndexStats& stats, std::ostream& out) {
  char line[200];
  std::snprintf(line, sizeof line, "indexed %zu, unchanged %zu, deleted %zu, failed %zu in %.1f s", stats.indexed,
                stats.unchanged, stats.deleted, stats.failed, stats.seconds);
  out << line;
  // The phases, for a run that took long enough to ask where the time went.
  if (stats.seconds >= 1) {
    std::snprintf(line, sizeof line, " (reading %.1f s, writing %.1f s", stats.reading_s, stats.writing_s);
    out << line;
    if (stats.merging_s > 0) {
      std::snprintf(line, sizeof line, ", merging %.1f s", stats.merging_s);
      out << line;
    }
    out << ')';
  }
  out << '\n';
  if (stats.shadowed)
    out << "(" << stats.shadowed
        << " files shared a locale/slug with a file in a later source, which was indexed instead)\n";
}

/// One database a run writes: the index itself, or one shard of it.
struct Target {
  std::string path;      ///< where the database lives once the run is over
  std::string write_to;  ///< where the run writes it (path + ".rebuild" for a rebuild of an existing one)
  std::unique_ptr<Xapian::WritableDatabase> db;
  std::vector<Entry> entries;  ///< the run's articles that belong in it
};

/// Opens the databases of a run: one, or each shard of a sharded index
/// (shards > 0). Empty (reported) on failure.
std::vector<Target> open_targets(const IndexOptions& opt, int shards, std::ostream& err) {
  std::vector<Target> targets;
  std::error_code ec;
  if (shards > 0) fs::create_directories(opt.db, ec);
  for (int i = 0; i < std::max(shards, 1); ++i) {
    Target t;
    t.path = shards > 0 ? shard_path(opt.db, static_cast<unsigned>(i)) : opt.db;
    for (const std::string& left : remove_scratch(t.path))
      err << left << ": note: removed what an interrupted run left\n";
    // A rebuild writes a new database beside the old one and swaps the two at
    // the end, so the old index keeps serving (and survives an interruption).
    t.write_to = opt.rebuild && fs::exists(t.path, ec) ? t.path + ".rebuild" : t.path;
    if (t.write_to != t.path) fs::remove_all(t.write_to, ec);
    t.db = open_target(opt, t.write_to, err);
    if (!t.db) return {};
    targets.push_back(std::move(t));
  }
  return targets;
}

/// Metadata of a database the run changed: the change counter (see
/// schema::kMetaChange) and, in a sharded index, its place "i/N".
void stamp_database(Xapian::WritableDatabase& db, bool changed, const std::string& shard) {
  if (changed) {
    const std::string before = db.get_metadata(schema::kMetaChange);
    db.set_metadata(schema::kMetaChange, std::to_string((before.empty() ? 0 : std::stoull(before)) + 1));
  }
  if (!shard.empty() && db.get_metadata(schema::kMetaShard) != shard) db.set_metadata(schema::kMetaShard, shard);
}

/// Writes a target's changed articles, prunes, commits, compacts a new
/// database and swaps a rebuilt one in. False (reported) on failure.
bool finish_target(Target& t, const IndexOptions& opt, const Collected& collected, const std::string& shard,
                   IndexStats& stats, std::ostream& err) {
  Xapian::WritableDatabase& db = *t.db;
  // A first build or a rebuild is written on every thread at once and merged
  // compacted (write_fresh); an update goes through the one transactional writer.
  const bool fresh = db.get_doccount() == 0;
  const size_t indexed = stats.indexed, deleted = stats.deleted;
  const std::vector<Entry> changed = select_changed(db, t.entries, stats);
  if (!fresh) {
    const auto writing = Clock::now();
    write_batches(db, changed, opt, stats, err);
    stats.writing_s += seconds_since(writing);
  }
  if (opt.prune) prune_missing(db, opt, collected, stats);
  if (db.get_doccount() == 0 || db.get_metadata(schema::kMetaAnalyzer).empty()) {
    db.set_metadata(schema::kMetaAnalyzer, Analyzer::fingerprint());
    db.set_metadata(schema::kMetaSchema, schema::kSchemaVersion);
  }
  stamp_database(db, stats.indexed != indexed || stats.deleted != deleted, shard);
  db.commit();
  db.close();
  if (fresh && !changed.empty()) {
    if (!write_fresh(t.write_to, changed, opt, stats, err)) return false;
    Xapian::WritableDatabase merged(t.write_to, Xapian::DB_OPEN);  // the merge holds the parts' metadata only
    stamp_database(merged, stats.indexed != indexed, shard);
    merged.commit();
  }
  return t.write_to == t.path || swap_directories(t.write_to, t.path, err);
}

}  // namespace

int run_index(const IndexOptions& given, std::ostream& out, std::ostream& err, IndexStats* stats_out) {
  IndexOptions opt = given;
  // "DIR/" is DIR: a run's scratch goes beside the index (DIR.part0), not into it.
  while (opt.db.size() > 1 && opt.db.back() == '/') opt.db.pop_back();
  const auto start = Clock::now();
  IndexStats stats;
  std::vector<std::string> files;
  if (!collect_files(opt.sources, files, err)) return kExitUsage;
  std::string busy;
  const std::unique_ptr<RunLock> lock = RunLock::take(opt.db, &busy);
  if (!lock) {
    err << opt.db << ": error: " << busy << '\n';
    return kExitUsage;
  }
  const int shards = plan_shards(opt.db, opt.shards, opt.rebuild, err);
  if (shards < 0) return kExitUsage;
  std::vector<Target> targets = open_targets(opt, shards, err);
  if (targets.empty()) return kExitUsage;

  std::unordered_map<std::string, Known> known;
  for (Target& t : targets) known.merge(known_files(*t.db));
  Collected collected = collect_entries(files, opt, known, stats, err);
  stats.reading_s = seconds_since(start);
  for (Entry& e : collected.entries)
    targets[shards > 0 ? shard_of(e.key, static_cast<unsigned>(shards)) : 0].entries.push_back(e);
  try {
    const size_t changes = stats.indexed;
    for (size_t i = 0; i < targets.size(); ++i) {
      const std::string shard = shards > 0 ? std::to_string(i) + "/" + std::to_string(shards) : "";
      if (!finish_target(targets[i], opt, collected, shard, stats, err)) return kExitUsage;
    }
    if (shards > 0) {
      write_stub(opt.db, static_cast<unsigned>(shards));
      std::error_code ec;
      if (stats.indexed != changes || stats.deleted > 0 || opt.rebuild || !fs::exists(opt.db + "/" + kSpellingName, ec))
        sync_spelling(opt.db, static_cast<unsigned>(shards), Analyzer::fingerprint());
    }
  } catch (const Xapian::Error& e) {
    err << opt.db << ": error: " << e.get_description() << '\n';
    return kExitUsage;
  }
  stats.seconds = seconds_since(start);
  print_summary(stats, out);
  if (stats_out) *stats_out = stats;
  return stats.failed ? kExitSomeFailed : kExitOk;
}

int show_article(const std::string& path, const std::string& key, std::ostream& out, std::ostream& err) {
  try {
    Xapian::Database db(stub_shards(path) > 0 ? path + "/" + kStubName : path);
    const std::string term = schema::kKey + key;
    Xapian::PostingIterator it = db.postlist_begin(term);
    if (it == db.postlist_end(term)) {
      err << key << ": error: no such article in " << path << '\n';
      return kExitSomeFailed;
    }
    Xapian::Document doc = db.get_document(*it);
    StoredArticle a = read_stored(doc);
    std::map<std::string, size_t> terms_by_prefix;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      const std::string& s = *t;
      size_t n = 0;
      while (n < s.size() && s[n] >= 'A' && s[n] <= 'Z') ++n;
      ++terms_by_prefix[n ? s.substr(0, n) : std::string("(body)")];
    }
    nlohmann::json j = {{"key", a.key},       {"docid", *it},        {"locale", a.locale},
                        {"slug", a.slug},     {"title", a.title},    {"en_title", a.en_title},
                        {"ids", a.ids},       {"date", a.date},      {"topic", a.topic},
                        {"service", a.service}, {"path", a.path},
                        {"content_hash", doc.get_value(schema::kSlotContentHash)},
                        {"terms_by_prefix", terms_by_prefix}};
    out << j.dump(2) << '\n';
    return kExitOk;
  } catch (const Xapian::Error& e) {
    err << path << ": error: " << e.get_description() << '\n';
    return kExitUsage;
  }
}

}  // namespace helpsearch
