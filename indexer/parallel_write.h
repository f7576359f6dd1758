// Writing one run's documents into several Xapian databases at once: a
// Xapian writer is single-threaded, so a full build spreads its documents
// over databases of its own, one writer thread each, and merges them at the
// end (merge_databases). Knows nothing of articles: the caller says how
// items are grouped and how one item is written.
#pragma once

#include <xapian.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace helpsearch {

/// Writes one item into the database of its part: write(db, part, item).
using WriteItem = std::function<void(Xapian::WritableDatabase&, size_t, size_t)>;
/// Called once a part's items are all written, before its last commit: finish(db, part).
using FinishPart = std::function<void(Xapian::WritableDatabase&, size_t)>;

/// Writes items 0..count-1 into the databases, one thread per database.
/// Pairs of threads share a run of consecutive items: the first takes them
/// from the run's front, the second from its back, one at a time, until they
/// meet. Both end together however unequal the items' costs, and each keeps
/// to a neighbourhood of items (one locale's vocabulary: a part holding a
/// mixture of all of them writes slower). Which database an item lands in
/// depends on timing; the items of each database form a range of their own.
/// Each database is committed every `batch` items and at its end. done (when
/// given) counts the items written, for a progress bar. The first exception
/// of any thread stops the others (after their current item) and is
/// rethrown here.
void write_parallel(std::vector<Xapian::WritableDatabase>& dbs, size_t count, size_t batch, const WriteItem& write,
                    const FinishPart& finish = nullptr, std::atomic<size_t>* done = nullptr);

/// Compacts the databases at sources into a new database at out (which must
/// not exist), keeping their document IDs (the sources' ranges of IDs must
/// not overlap): the spelling tables are added up, and a metadata key in
/// several sources keeps the value of the source with the lowest IDs.
void merge_databases(const std::vector<std::string>& sources, const std::string& out);

}  // namespace helpsearch
