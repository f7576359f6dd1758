#include "parallel_write.h"

#include <algorithm>
#include <exception>
#include <future>
#include <mutex>

namespace helpsearch {

void write_parallel(std::vector<Xapian::WritableDatabase>& dbs, const std::vector<std::vector<size_t>>& parts,
                    unsigned threads, size_t batch, const WriteItem& write, const FinishPart& finish,
                    std::atomic<size_t>* done) {
  const size_t n = std::min(dbs.size(), parts.size());
  batch = std::max<size_t>(1, batch);
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    try {
      for (size_t k; !stop && (k = next++) < n;) {
        size_t written = 0;
        for (size_t item : parts[k]) {
          if (stop) return;
          write(dbs[k], k, item);
          if (done) ++*done;
          if (++written % batch == 0) dbs[k].commit();
        }
        if (finish) finish(dbs[k], k);
        dbs[k].commit();
      }
    } catch (...) {
      stop = true;
      throw;
    }
  };
  std::vector<std::future<void>> running;
  for (unsigned t = 0; t < std::max(1u, std::min<unsigned>(threads, n)); ++t)
    running.push_back(std::async(std::launch::async, worker));
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

std::vector<std::vector<size_t>> split_consecutive(const std::vector<size_t>& weights, size_t n) {
  std::vector<std::vector<size_t>> parts;
  if (weights.empty() || n == 0) return parts;
  size_t total = 0;
  for (size_t w : weights) total += std::max<size_t>(1, w);
  size_t sum = 0;
  parts.emplace_back();
  for (size_t i = 0; i < weights.size(); ++i) {
    // Part k ends where the running total passes k+1 n-ths of the whole.
    if (!parts.back().empty() && parts.size() < n && sum * n >= total * parts.size()) parts.emplace_back();
    parts.back().push_back(i);
    sum += std::max<size_t>(1, weights[i]);
  }
  return parts;
}

void merge_databases(const std::vector<std::string>& sources, const std::string& out) {
  Xapian::Database all;
  for (const auto& s : sources) all.add_database(Xapian::Database(s));
  all.compact(out);
}

}  // namespace helpsearch
