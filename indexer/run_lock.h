// One indexer run at a time per index, and what an interrupted run left.
//
// Xapian's write lock covers a database while it is open for writing, but a
// full build closes the index, writes scratch parts beside it (DIR.part<k>),
// merges them into DIR.compact and swaps that in: a second run in that window
// writes the same parts, and the first then reports every article indexed
// while the index holds only some. RunLock is held for the whole run instead:
// an exclusive flock(2) on DIR.lock, beside the index. The lock file stays (a
// lock file removed on exit races the next run's open); the lock itself ends
// with the process, however it ends.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace helpsearch {

class RunLock {
 public:
  /// Takes the run lock of the index at db, or says why not in *why (another
  /// run holds it: its pid; or the lock file cannot be made).
  static std::unique_ptr<RunLock> take(const std::string& db, std::string* why);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_;
};

/// The lock file of the index at db: "<db>.lock" (trailing slashes of db ignored).
std::string lock_path(const std::string& db);

/// Removes the scratch that a run interrupted before its end leaves beside
/// the database at target: target.part<k>, target.compact, target.rebuild
/// (and that one's parts). Only under the run lock: a running run owns them.
/// Returns the paths removed.
std::vector<std::string> remove_scratch(const std::string& target);

}  // namespace helpsearch
