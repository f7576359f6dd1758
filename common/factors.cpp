#include "factors.h"

#include <algorithm>

#include "schema.h"

namespace helpsearch {
namespace {

/// The documents of a table with their factors as weights, in docid order.
class FactorSource : public Xapian::PostingSource {
 public:
  explicit FactorSource(std::shared_ptr<const DocFactors::Table> table) : table_(std::move(table)) {}

  Xapian::doccount get_termfreq_min() const override { return table_->count; }
  Xapian::doccount get_termfreq_est() const override { return table_->count; }
  Xapian::doccount get_termfreq_max() const override { return table_->count; }

  void init(const Xapian::Database&) override {
    did_ = 0;
    set_maxweight(table_->max);
  }
  void next(double) override { settle(did_ + 1); }
  void skip_to(Xapian::docid did, double) override { settle(std::max(did, did_ + (did_ == 0 ? 1 : 0))); }
  bool check(Xapian::docid did, double) override {
    if (did > did_) settle(did);  // as skip_to: at did when it has a factor, else after it
    return true;
  }
  bool at_end() const override { return did_ >= table_->factor.size(); }
  Xapian::docid get_docid() const override { return did_; }
  double get_weight() const override { return did_ < table_->factor.size() ? table_->factor[did_] : 0; }
  FactorSource* clone() const override { return new FactorSource(table_); }
  std::string get_description() const override {
    return "helpsearch::FactorSource(slot=" + std::to_string(table_->slot) + ")";
  }

 private:
  /// The first document from did on that has a factor.
  void settle(Xapian::docid did) {
    const auto& f = table_->factor;
    while (did < f.size() && f[did] == 0) ++did;
    did_ = did;
  }

  std::shared_ptr<const DocFactors::Table> table_;
  Xapian::docid did_ = 0;
};

}  // namespace

DocFactors::DocFactors(const Xapian::Database& db) {
  for (Xapian::valueno slot : {schema::kSlotPrior, schema::kSlotTitleInverse}) {
    auto t = std::make_shared<Table>();
    t->slot = slot;
    t->factor.assign(static_cast<size_t>(db.get_lastdocid()) + 1, 0.0);
    for (auto v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
      const double f = Xapian::sortable_unserialise(*v);
      if (f <= 0 || v.get_docid() >= t->factor.size()) continue;  // a factor of 0 adds nothing
      t->factor[v.get_docid()] = f;
      t->max = std::max(t->max, f);
      ++t->count;
    }
    tables_.push_back(std::move(t));
  }
}

Xapian::PostingSource* DocFactors::source(Xapian::valueno slot) const {
  for (const auto& t : tables_) {
    if (t->slot == slot) return new FactorSource(t);
  }
  return new Xapian::ValueWeightPostingSource(slot);
}

}  // namespace helpsearch
