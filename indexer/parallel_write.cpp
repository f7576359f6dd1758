#include "parallel_write.h"

#include <algorithm>
#include <exception>
#include <future>
#include <memory>
#include <mutex>

namespace helpsearch {

namespace {

/// A run of items that two threads take from either end.
class Run {
 public:
  Run(size_t begin, size_t end) : front_(begin), back_(end) {}
  /// The next item from the front (or the back), false once the ends met.
  bool take(bool from_back, size_t* item) {
    std::lock_guard<std::mutex> lock(mu_);
    if (front_ >= back_) return false;
    *item = from_back ? --back_ : front_++;
    return true;
  }

 private:
  std::mutex mu_;
  size_t front_, back_;
};

}  // namespace

void write_parallel(std::vector<Xapian::WritableDatabase>& dbs, size_t count, size_t batch, const WriteItem& write,
                    const FinishPart& finish, std::atomic<size_t>* done) {
  batch = std::max<size_t>(1, batch);
  const size_t parts = std::min(dbs.size(), count);
  if (parts == 0) return;
  std::vector<std::unique_ptr<Run>> runs;
  const size_t nruns = (parts + 1) / 2;
  for (size_t r = 0; r < nruns; ++r) runs.push_back(std::make_unique<Run>(count * r / nruns, count * (r + 1) / nruns));
  std::atomic<bool> stop{false};
  auto worker = [&](size_t part) {
    try {
      Xapian::WritableDatabase& db = dbs[part];
      Run& run = *runs[part / 2];
      size_t written = 0, item = 0;
      while (!stop && run.take(part % 2 == 1, &item)) {
        write(db, part, item);
        if (done) ++*done;
        if (++written % batch == 0) db.commit();
      }
      if (stop) return;
      if (finish) finish(db, part);
      db.commit();
    } catch (...) {
      stop = true;
      throw;
    }
  };
  std::vector<std::future<void>> running;
  for (size_t part = 0; part < parts; ++part) running.push_back(std::async(std::launch::async, worker, part));
  std::exception_ptr first;
  for (auto& r : running) {
    try {
      r.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

void merge_databases(const std::vector<std::string>& sources, const std::string& out) {
  Xapian::Database all;
  for (const auto& s : sources) all.add_database(Xapian::Database(s));
  all.compact(out, Xapian::DBCOMPACT_NO_RENUMBER);
}

}  // namespace helpsearch
