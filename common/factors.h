// Per-article ranking factors held in memory: the value slots that every
// query weighs candidates by (schema::kSlotPrior, schema::kSlotTitleInverse).
// A ValueWeightPostingSource reads and decodes the values table again for
// each query and each place the query uses it; over a local database the
// factors are read once per revision instead, and a posting source walks
// them in memory. Remote shards keep ValueWeightPostingSource: xapian-tcpsrv
// knows no posting source of ours.
#pragma once

#include <xapian.h>

#include <memory>
#include <vector>

namespace helpsearch {

class DocFactors {
 public:
  /// Reads the slots' values of every document of db: one local database
  /// (a set of shards numbers its documents otherwise than each shard).
  explicit DocFactors(const Xapian::Database& db);

  /// A new posting source over slot (the caller releases it): the factors
  /// in memory for the slots held, else a ValueWeightPostingSource.
  Xapian::PostingSource* source(Xapian::valueno slot) const;

  struct Table {
    Xapian::valueno slot = 0;
    std::vector<double> factor;  ///< by docid; 0 = no value (no such document)
    Xapian::doccount count = 0;  ///< documents with a value
    double max = 0;
  };

 private:
  std::vector<std::shared_ptr<const Table>> tables_;
};

}  // namespace helpsearch
