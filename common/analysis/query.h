// What a person types → one ranked Xapian query, through the same analyzer as
// the indexer. The user syntax is deliberately small and can never fail: plain
// words, "quoted phrases", -exclusions, title: and id:. Anything it cannot
// read is taken as plain words.
//
// Ranking has no cliff between AND and OR: every unit of the query (a word, a
// code, a synonym group, a character pair of a CJK/Thai/Hangul run, a quoted
// phrase) is optional, and an article ranks by how many units it covers,
// weighted by how informative each is (BM25+, whose delta gives every matched
// unit a share of its IDF whatever its frequency in the article). A unit's
// alternatives (exact, stem, title, English source, code forms) add up, each
// scaled by how much it says. Phrases, whole titles and a length prior come
// on top as boosts (OP_AND_MAYBE).
#pragma once

#include <xapian.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
#include "factors.h"
#include "filler.h"
#include "synonyms.h"

namespace helpsearch {

/// One piece of the user's query.
struct QueryClause {
  enum Kind { kPlain, kPhrase, kTitle, kId };
  Kind kind = kPlain;
  bool exclude = false;  ///< written with a leading '-'
  std::string text;
};

/// Splits a query into clauses. Never fails: an unclosed quote runs to the end.
std::vector<QueryClause> parse_user_query(std::string_view query);

/// The Xapian query for one user query, and what the snippet should mark.
struct QueryPlan {
  Xapian::Query query;   ///< ranked: the units' coverage plus the boosts
  Xapian::Query match;   ///< the same matches without the boosts (cheaper, for counting)
  std::vector<std::string> words;  ///< folded words to mark in snippets (corrections included)
  std::vector<std::string> stems;  ///< their stems (localized language)
  std::vector<std::string> runs;   ///< folded runs of scripts without spaces to mark
  std::vector<std::string> spell;  ///< Latin-script words a "did you mean" may replace
  /// Typed words that are in no article, by the correction searched instead.
  std::map<std::string, std::string> corrections;
  bool empty = true;       ///< nothing searchable was typed
};

/// The ranking scheme the plan's weights are made for: BM25+ (see query.h).
Xapian::Weight* ranking_weight();

/// A plan's query is scaled down by this power of two, so that no posting
/// source in it (length prior, title share, fixed bonuses) sits under a
/// scale above 1: Xapian 1.4's ExternalPostList hands the matcher's minimum
/// weight to its source unscaled, and a source scaled up (12 × a prior of at
/// most 1) then ends itself while its articles still belong in the top 10.
/// Scaling by a power of two changes no order; the score is the weight
/// divided by it.
inline constexpr double kWeightScale = 1.0 / (1 << 20);

/// An MSet weight as the score the API reports.
inline double score_of(double weight) { return weight / kWeightScale; }

/// Builds query plans. Holds analyzers, so one per thread.
class QueryBuilder {
 public:
  /// local: analyzer of the searched locale's language; synonyms may be null;
  /// db (may be null) gives term frequencies, spelling corrections and prefix
  /// expansions.
  QueryBuilder(const Analyzer& local, const Analyzer& english, const Synonyms* synonyms,
               const Xapian::Database* db = nullptr);

  /// Whether the searched articles may hold an English source (sxs
  /// translations do; articles written in English do not): when not, the
  /// query leaves the English source field out. Default: they may.
  QueryBuilder& english_source(bool may) {
    english_source_ = may;
    return *this;
  }

  /// Where spelling corrections come from, when not db (a database of remote
  /// shards has no spelling data: searchd gives a local copy). Null = db.
  QueryBuilder& spelling_source(const Xapian::Database* spelling) {
    spelling_ = spelling;
    return *this;
  }

  /// Per-article factors in memory (one local database; see factors.h):
  /// null = the queries read them from the value slots.
  QueryBuilder& factors(const DocFactors* factors) {
    factors_ = factors;
    return *this;
  }

  /// The plan for a user query. The last word is also read as a prefix when
  /// the query does not end in white space (as-you-type).
  QueryPlan build(std::string_view user_query) const;

 private:
  struct Unit;
  struct Context;
  Xapian::Query word_query(const std::string& word, bool title_only) const;
  Xapian::Query phrase_query(const std::vector<Segment>& segs, const char* prefix) const;
  Xapian::Query unit_query(const std::vector<Segment>& segs, size_t begin, size_t end,
                           bool title_only) const;
  Unit word_unit(const std::string& word, bool title_only, bool partial, Context& ctx) const;
  Unit code_unit(const std::vector<std::string>& forms, const Xapian::Query& words) const;
  void add_phrase_boosts(const std::vector<Segment>& segs, double flat, double scale, bool title_only,
                         Context& ctx) const;
  void add_title_start_boost(const std::vector<Segment>& typed, bool partial, Context& ctx) const;
  void add_title_covers(const std::vector<const Unit*>& units, Context& ctx) const;
  void add_run_units(const Segment& run, bool title_only, Context& ctx) const;
  void add_plain_units(const std::vector<Segment>& segs, bool title_only, bool partial_last,
                       Context& ctx) const;
  double frequency(const std::string& term) const;
  Xapian::Query factor(Xapian::valueno slot) const;
  std::string correction(const std::string& word) const;
  Xapian::Query prefix_query(const std::string& prefix, const std::string& word, bool longer = false) const;
  Xapian::Query title_prefix(const char* edge_prefix, const char* prefix, const std::string& w) const;

  const Analyzer& local_;
  const Analyzer& english_;
  const Synonyms* synonyms_;
  const Xapian::Database* db_;
  const Xapian::Database* spelling_ = nullptr;
  const DocFactors* factors_ = nullptr;
  bool english_source_ = true;
  bool in_english_source(const std::vector<Segment>& segs) const;
  bool everywhere(const std::string& term) const;
  /// Completions of unfinished words, by prefix + word: read once per query
  /// however often the query uses them.
  mutable std::map<std::string, Xapian::Query> completions_;
  const FillerWords& filler_;
};

}  // namespace helpsearch
