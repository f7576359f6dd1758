// What a person types → Xapian queries, through the same analyzer as the
// indexer. The user syntax is deliberately small and can never fail: plain
// words, "quoted phrases", -exclusions, title: and id:. Anything it cannot
// read is taken as plain words.
#pragma once

#include <xapian.h>

#include <string>
#include <string_view>
#include <vector>

#include "analyzer.h"
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

/// The Xapian queries for one user query, and what the snippet should mark.
struct QueryPlan {
  Xapian::Query strict;    ///< every plain word or run required (AND), with ranking boosts
  Xapian::Query relaxed;   ///< any of them (OR), the fallback when strict finds nothing
  Xapian::Query strict_match;   ///< strict without the ranking boosts: the same matches, cheaper
  Xapian::Query relaxed_match;  ///< relaxed without the ranking boosts
  std::vector<std::string> words;  ///< folded words to mark in snippets
  std::vector<std::string> stems;  ///< their stems (localized language)
  std::vector<std::string> runs;   ///< folded runs of scripts without spaces to mark
  std::vector<std::string> spell;  ///< Latin-script words a spelling suggestion may replace
  bool empty = true;       ///< nothing searchable was typed
};

/// Builds query plans. Holds analyzers, so one per thread.
class QueryBuilder {
 public:
  /// local: analyzer of the searched locale's language; synonyms may be null.
  QueryBuilder(const Analyzer& local, const Analyzer& english, const Synonyms* synonyms);

  /// The plan for a user query.
  QueryPlan build(std::string_view user_query) const;

 private:
  Xapian::Query word_query(const std::string& word, bool title_only) const;
  Xapian::Query run_query(const Segment& run, bool title_only) const;
  Xapian::Query unit_query(const std::vector<Segment>& segs, size_t begin, size_t end,
                           bool title_only) const;
  Xapian::Query phrase_query(const std::vector<Segment>& segs, const char* prefix) const;
  /// expanded: synonym groups already expanded in this query (each once, a few at most).
  std::vector<Xapian::Query> plain_units(const std::vector<Segment>& segs, bool title_only,
                                         std::vector<const void*>* expanded) const;

  const Analyzer& local_;
  const Analyzer& english_;
  const Synonyms* synonyms_;
};

}  // namespace helpsearch
