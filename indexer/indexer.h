// The indexing run: article files → the Xapian database, incrementally.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

namespace helpsearch {

/// What to index and how.
struct IndexOptions {
  std::string db;                        ///< database directory (created when missing)
  std::vector<std::string> sources;      ///< files, or folders searched recursively for *.md
  std::string default_locale = "en-US";  ///< for files that name no locale
  bool prune = false;    ///< delete articles whose files are gone under the sources
  bool rebuild = false;  ///< start from an empty database
  bool progress = false; ///< draw a progress bar (a terminal is attached)
  size_t batch = 1000;   ///< documents per Xapian commit of an incremental run (a full build writes scratch parts)
  unsigned threads = 2;  ///< parsing and analysis threads
  /// Shards of a sharded index (indexer/shards.h): db is then a folder of
  /// shard-0 … shard-(N-1) and helpsearch.stub. 0 = as the index is (sharded
  /// when its stub lists shards, else one database).
  unsigned shards = 0;
};

/// Counts reported at the end of a run.
struct IndexStats {
  size_t indexed = 0;    ///< new or changed articles written
  size_t unchanged = 0;  ///< articles whose file had not changed
  size_t deleted = 0;    ///< articles pruned
  size_t failed = 0;     ///< files that could not be read as articles
  size_t shadowed = 0;   ///< files whose key a later source also has (the later one wins)
  double seconds = 0;
  // Where the wall time went (seconds; summed over the shards of a sharded
  // index): pass 1 over the files, writing the changed articles (parsing and
  // analysis included), and the merge of a full build's parts.
  double reading_s = 0, writing_s = 0, merging_s = 0;
};

/// Exit status of an indexing run.
enum ExitCode { kExitOk = 0, kExitSomeFailed = 1, kExitUsage = 2 };

/// Runs the indexer. Per-file problems go to err as "path:line: error: reason"
/// and the run goes on; the summary line goes to out. Returns an ExitCode.
int run_index(const IndexOptions& options, std::ostream& out, std::ostream& err,
              IndexStats* stats = nullptr);

/// Prints what the index holds for one article key ("ja-JP/app-passwords") as
/// JSON: IDs, title, values and term counts. Returns an ExitCode.
int show_article(const std::string& db, const std::string& key, std::ostream& out,
                 std::ostream& err);

}  // namespace helpsearch
