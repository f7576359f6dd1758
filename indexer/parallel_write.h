// Writing one run's documents into several Xapian databases at once: a
// Xapian writer is single-threaded, so a full build spreads its documents
// over databases of its own, one writer thread each, and merges them at the
// end (merge_databases). Knows nothing of articles: the caller says which
// items go to which database and how one item is written.
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

/// Writes the items of parts[k] into dbs[k], each database committed every
/// `batch` items and once finished. Up to `threads` threads run at once, each
/// taking the next database not yet begun, so a database is only ever
/// written by one thread. done (when given) counts the items written, for a
/// progress bar. The first exception of any thread stops the others (after
/// their current item) and is rethrown here.
void write_parallel(std::vector<Xapian::WritableDatabase>& dbs, const std::vector<std::vector<size_t>>& parts,
                    unsigned threads, size_t batch, const WriteItem& write, const FinishPart& finish = nullptr,
                    std::atomic<size_t>* done = nullptr);

/// Splits items 0..weights.size()-1 into at most n runs of consecutive items
/// of about equal total weight (none empty): databases filled from them and
/// merged in order number the documents as one database written in item
/// order would.
std::vector<std::vector<size_t>> split_consecutive(const std::vector<size_t>& weights, size_t n);

/// Compacts the databases at sources, in this order, into a new database at
/// out (which must not exist): document IDs follow each other (the second
/// source's after the first's last), the spelling tables are added up, and a
/// metadata key in several sources keeps the first source's value.
void merge_databases(const std::vector<std::string>& sources, const std::string& out);

}  // namespace helpsearch
