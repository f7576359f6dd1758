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
#include <string>
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

  /// A share of the query that a title may hold: articles whose title holds
  /// any of terms earn of_title × the title's inverse length + of_query.
  struct CoverPart {
    std::vector<std::string> terms;
    double of_title = 0;
    double of_query = 0;
  };

  /// A new posting source (the caller releases it) whose weight for an
  /// article is the sum of the parts it earns: what one filtered bonus per
  /// part weighs, read from the parts' title postings once and from the
  /// inverse lengths in memory, instead of by every part at every candidate
  /// of the match. Null when the inverse lengths are not held.
  Xapian::PostingSource* title_covers(std::vector<CoverPart> parts) const;

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
