#include "factors.h"

#include <algorithm>
#include <cstdint>

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

/// The articles that earn title cover parts, with the sum of what they earn,
/// in docid order (see DocFactors::title_covers).
class CoverSource : public Xapian::PostingSource {
 public:
  CoverSource(std::shared_ptr<const DocFactors::Table> inverse, std::vector<DocFactors::CoverPart> parts)
      : inverse_(std::move(inverse)), parts_(std::move(parts)) {}

  Xapian::doccount get_termfreq_min() const override { return count(); }
  Xapian::doccount get_termfreq_est() const override { return count(); }
  Xapian::doccount get_termfreq_max() const override { return count(); }

  void init(const Xapian::Database& db) override {
    // Each part's bonus once per article whose title holds one of its terms,
    // added up by docid; then the articles in docid order.
    const std::vector<double>& inverse = inverse_->factor;
    // Scratch by docid, all zero between calls (only the touched entries are reset).
    thread_local std::vector<double> weight;
    thread_local std::vector<uint16_t> seen;  // the last part that counted the article
    if (weight.size() < inverse.size()) {
      weight.resize(inverse.size(), 0.0);
      seen.resize(inverse.size(), 0);
    }
    std::vector<Xapian::docid> touched;
    for (size_t k = 0; k < parts_.size(); ++k) {
      const DocFactors::CoverPart& part = parts_[k];
      const auto mark = static_cast<uint16_t>(k + 1);
      for (const std::string& term : part.terms) {
        for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
          const Xapian::docid did = *p;
          if (did >= inverse.size() || seen[did] == mark) continue;
          if (seen[did] == 0) touched.push_back(did);
          seen[did] = mark;
          weight[did] += part.of_title * inverse[did] + part.of_query;
        }
      }
    }
    std::sort(touched.begin(), touched.end());
    docs_.clear();
    double max = 0;
    docs_.reserve(touched.size());
    for (Xapian::docid did : touched) {
      docs_.emplace_back(did, weight[did]);
      max = std::max(max, weight[did]);
      weight[did] = 0;
      seen[did] = 0;
    }
    set_maxweight(max);
    at_ = 0;
    started_ = false;
  }
  void next(double) override {
    if (started_) ++at_;
    started_ = true;
  }
  void skip_to(Xapian::docid did, double) override {
    started_ = true;
    while (at_ < docs_.size() && docs_[at_].first < did) ++at_;
  }
  bool at_end() const override { return at_ >= docs_.size(); }
  Xapian::docid get_docid() const override { return docs_[at_].first; }
  double get_weight() const override { return docs_[at_].second; }
  CoverSource* clone() const override { return new CoverSource(inverse_, parts_); }
  std::string get_description() const override {
    return "helpsearch::CoverSource(" + std::to_string(parts_.size()) + " parts)";
  }

 private:
  Xapian::doccount count() const { return static_cast<Xapian::doccount>(docs_.size()); }

  std::shared_ptr<const DocFactors::Table> inverse_;
  std::vector<DocFactors::CoverPart> parts_;
  std::vector<std::pair<Xapian::docid, double>> docs_;
  size_t at_ = 0;
  bool started_ = false;
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

Xapian::PostingSource* DocFactors::title_covers(std::vector<CoverPart> parts) const {
  for (const auto& t : tables_) {
    if (t->slot == schema::kSlotTitleInverse) return new CoverSource(t, std::move(parts));
  }
  return nullptr;
}

}  // namespace helpsearch
