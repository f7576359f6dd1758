#include "query.h"

#include <algorithm>
#include <set>

#include "codes.h"

#include "schema.h"

namespace helpsearch {
namespace {

// Ranking weights, as factors on the BM25+ weights of terms.
constexpr double kK1 = 1.0;            // BM25 term-frequency saturation
constexpr double kB = 0.3;             // BM25 length normalisation
constexpr double kDelta = 4.0;         // BM25+ share of IDF that any match of a unit earns
constexpr double kStem = 0.5;          // stemmed form of a word, beside its exact form
constexpr double kTitle = 1.5;         // a match in the title instead of the body
constexpr double kEnglish = 0.35;      // a match in the English source of an sxs article
constexpr double kCode = 3.0;          // error codes and other digit-bearing identifiers
constexpr double kPrefix = 0.6;        // completions of an unfinished last word
constexpr double kCorrection = 0.8;    // the spelling correction of a word in no article
constexpr double kFiller = 0.1;        // filler words: weight, never coverage
constexpr double kCodeHeld = 1000.0;   // an article holds a typed error code: it comes first
constexpr double kCustomId = 1000.0;   // typed custom ID: those articles first
constexpr double kCustomIdAmong = 20.0;  // a number among other words: rarely an ID
constexpr double kTitleExact = 200.0;  // the query is the whole title
constexpr double kEnglishTitleExact = 100.0;  // the query is the whole English source title
constexpr double kPhraseBody = 8.0;    // all query words adjacent, in order
constexpr double kPhraseFixed = 40.0;  // ... as a flat bonus too (times the length prior)
constexpr double kAsTyped = 6.0;       // phrase bonuses of the text as typed, filler included
constexpr double kRunPhrase = 2.0;     // a CJK/Thai/Hangul run found as written, in the body
constexpr double kRunPhraseFixed = 15.0;
constexpr double kDictWord = 0.3;      // ICU dictionary word of a CJK run
constexpr double kSynonym = 0.5;       // another member of the word's synonym group
constexpr double kTitleStart = 3.0;    // the query starts a title (as you type)
constexpr double kTitleStartFixed = 240.0;  // ... times the share of the title typed
constexpr double kTitleCover = 120.0;   // ... per share of a title that the query's units cover
constexpr double kQueryCover = 160.0;   // ... per share of the query's characters a title holds
constexpr double kPrior = 12.0;        // the length prior, for every match

// Bounds on the work one query may ask for, like web search engines' word limits.
constexpr size_t kMaxSegments = 32;    // words and runs of a query; the rest is ignored
constexpr size_t kMaxRunChars = 48;    // characters of one run matched as a phrase
constexpr size_t kMaxSynonymGroups = 4;  // synonym groups expanded per query, each once
constexpr size_t kMaxUnits = 40;       // units of one query (run characters pairs included)
constexpr size_t kMaxPhraseTerms = 16;  // terms of a phrase boost: a longer text is checked by its head
constexpr Xapian::termcount kMaxExpansion = 12;  // completions of an unfinished last word
constexpr size_t kMinCorrected = 4;    // shorter words are not spelling-corrected
constexpr size_t kMinPrefix = 2;       // shorter unfinished words are not expanded

bool is_space_at(std::string_view s, size_t i, size_t* width) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
    *width = 1;
    return true;
  }
  if (s.compare(i, 3, "\xE3\x80\x80") == 0) {  // U+3000 ideographic space
    *width = 3;
    return true;
  }
  return false;
}

bool starts_with_ci(std::string_view s, size_t i, std::string_view prefix) {
  if (s.size() - i < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    char c = s[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[k]) return false;
  }
  return true;
}

bool looks_like_code(const std::string& w) {
  bool digit = false, other = false;
  for (char c : w) {
    if (c >= '0' && c <= '9')
      digit = true;
    else
      other = true;
  }
  return digit && other && w.size() >= 5;
}

bool looks_like_number(const std::string& w) {
  return !w.empty() && w.find_first_not_of("0123456789") == std::string::npos;
}

Xapian::Query scaled(double factor, Xapian::Query q) {
  if (q.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, factor);
}

/// Articles carrying a custom ID, all with the same weight: an ID applies to
/// an article or not, whatever the article's length.
Xapian::Query id_query(const std::string& id, double weight = kCustomId) {
  auto* fixed = new Xapian::FixedWeightPostingSource(weight);
  return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()),
                       Xapian::Query(schema::kCustomId + id));
}

Xapian::Query any_of(const std::vector<Xapian::Query>& qs) {
  if (qs.empty()) return Xapian::Query();
  if (qs.size() == 1) return qs.front();
  return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

/// The alternatives of one unit (exact, stem, title, …), empty ones left out.
Xapian::Query best_of(const std::vector<Xapian::Query>& qs) {
  std::vector<Xapian::Query> nonempty;
  for (const auto& q : qs) {
    if (!q.empty()) nonempty.push_back(q);
  }
  if (nonempty.empty()) return Xapian::Query();
  if (nonempty.size() == 1) return nonempty.front();
  // OP_OR, not OP_MAX: Xapian 1.4.22's MaxPostList reads freed memory when
  // the matcher prunes it under OP_AND_MAYBE (seen under valgrind).
  return Xapian::Query(Xapian::Query::OP_OR, nonempty.begin(), nonempty.end());
}

/// A weighted positional query (phrase) that a matcher must check before it
/// adds the weight: Xapian 1.4.22 adds a phrase's weight under OP_OR and
/// OP_AND_MAYBE without checking the positions unless the phrase is driven by
/// a filter (OP_FILTER with everything is the cheapest that does it; it also
/// holds for a phrase that only filters a posting source's weight). The
/// "match all" query is made anew: the shared Query::MatchAll is reference
/// counted without locks, so threads must not share it.
Xapian::Query checked(const Xapian::Query& weighted) {
  if (weighted.empty()) return weighted;
  return Xapian::Query(Xapian::Query::OP_FILTER, weighted, Xapian::Query(std::string()));
}

/// True when q holds a phrase or a near query (positions to check).
bool positional(const Xapian::Query& q) {
  const auto op = q.get_type();
  if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR) return true;
  for (size_t i = 0; i < q.get_num_subqueries(); ++i)
    if (positional(q.get_subquery(i))) return true;
  return false;
}

/// Where q matches: its own weight times `scale` plus a flat `flat` times a
/// per-article factor (the length prior, or a title's inverse length).
/// One query for both, so that q's posting lists are read once.
Xapian::Query with_prior(double scale, const Xapian::Query& q, double flat, const Xapian::Query& factor) {
  if (q.empty()) return q;
  flat = std::min(flat, 1 / kWeightScale);  // under the plan's scale, at most 1 (see kWeightScale)
  const Xapian::Query both(Xapian::Query::OP_AND, scaled(scale, q), scaled(flat, factor));
  return positional(q) ? checked(both) : both;
}

/// Where a title holds a unit: `of_title` times the title's inverse length
/// (the source `inverse`) plus a flat `of_query`, under one filter on the
/// unit's title terms.
Xapian::Query title_cover(double of_title, double of_query, const Xapian::Query& title, const Xapian::Query& inverse) {
  of_title = std::min(of_title, 1 / kWeightScale);  // under the plan's scale, at most 1 (see kWeightScale)
  auto* flat = new Xapian::FixedWeightPostingSource(of_query);
  const Xapian::Query both(Xapian::Query::OP_OR, scaled(of_title, inverse), Xapian::Query(flat->release()));
  const Xapian::Query bonus(Xapian::Query::OP_FILTER, both, title);
  return positional(title) ? checked(bonus) : bonus;
}

/// Adds the terms of q to terms when q matches where any of them is (terms
/// under OR, OP_SYNONYM, OP_MAX or a scale); false when q is anything else.
bool any_terms(const Xapian::Query& q, std::vector<std::string>& terms) {
  switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
      terms.push_back(*q.get_terms_begin());
      return true;
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_MAX:
    case Xapian::Query::OP_SCALE_WEIGHT:
      for (size_t i = 0; i < q.get_num_subqueries(); ++i)
        if (!any_terms(q.get_subquery(i), terms)) return false;
      return q.get_num_subqueries() > 0;
    default:
      return false;
  }
}

/// A folded word with a Latin letter or a digit.
bool latin_or_digit(const std::string& w) {
  return std::any_of(w.begin(), w.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool has_space_at_end(std::string_view q) {
  if (q.empty()) return true;
  const char c = q.back();
  return c == ' ' || c == '\t' || c == '\n' || c == '"' || (q.size() >= 3 && q.substr(q.size() - 3) == "\xE3\x80\x80");
}

bool alphabetic(const std::string& w) {
  for (unsigned char c : w) {
    if (c < 0x80 && !(c >= 'a' && c <= 'z')) return false;
  }
  return true;
}

}  // namespace

Xapian::Weight* ranking_weight() { return new Xapian::BM25PlusWeight(kK1, 0, 1, kB, 0.5, kDelta); }

std::vector<QueryClause> parse_user_query(std::string_view q) {
  std::vector<QueryClause> out;
  size_t i = 0, width = 0;
  while (i < q.size()) {
    if (is_space_at(q, i, &width)) {
      i += width;
      continue;
    }
    QueryClause clause;
    if (q[i] == '-' && i + 1 < q.size() && !is_space_at(q, i + 1, &width) && q[i + 1] != '-') {
      clause.exclude = true;
      ++i;
    }
    if (starts_with_ci(q, i, "title:") && i + 6 < q.size() && !is_space_at(q, i + 6, &width)) {
      clause.kind = QueryClause::kTitle;
      i += 6;
    } else if (starts_with_ci(q, i, "id:") && i + 3 < q.size() && !is_space_at(q, i + 3, &width)) {
      clause.kind = QueryClause::kId;
      i += 3;
    }
    if (q[i] == '"') {
      size_t close = q.find('"', i + 1);
      if (close == std::string_view::npos) close = q.size();
      clause.text = std::string(q.substr(i + 1, close - i - 1));
      if (clause.kind == QueryClause::kPlain) clause.kind = QueryClause::kPhrase;
      i = std::min(close + 1, q.size());
    } else {
      size_t end = i;
      while (end < q.size() && !is_space_at(q, end, &width)) ++end;
      clause.text = std::string(q.substr(i, end - i));
      i = end;
    }
    if (!clause.text.empty()) out.push_back(std::move(clause));
  }
  return out;
}

/// Adjacent plain clauses as one ("AADSTS 50011"), so that the analyzer sees
/// the words side by side: a code split in two, synonyms of several words.
static std::vector<QueryClause> plain_runs(std::vector<QueryClause> clauses) {
  std::vector<QueryClause> out;
  for (QueryClause& c : clauses) {
    const bool plain = c.kind == QueryClause::kPlain && !c.exclude;
    if (plain && !out.empty() && out.back().kind == QueryClause::kPlain && !out.back().exclude)
      out.back().text += " " + c.text;
    else
      out.push_back(std::move(c));
  }
  return out;
}

/// One optional unit of a query: what it weighs and how common it is.
struct QueryBuilder::Unit {
  Xapian::Query weight;  ///< its alternatives, added up
  double frequency = 0;  ///< estimated articles holding it; 0 = none (the unit is dropped)
  bool filler = false;   ///< adds weight only
  Xapian::Query title;   ///< where it is in a title (boolean), for the title's share covered
  double chars = 0;      ///< characters of the query it stands for
  bool pair = false;     ///< a character pair of a run (its run covers the query, not it)
};

/// What build() gathers while it reads the clauses.
struct QueryBuilder::Context {
  QueryPlan& plan;
  std::vector<Unit> units;
  std::vector<Xapian::Query> boosts;
  std::vector<Segment> topic;  ///< the query's topic segments in order, for the phrase boosts
  std::vector<Segment> typed;  ///< the plain and phrase segments as typed (filler too)
  std::vector<const void*> expanded;  ///< synonym groups expanded so far
  bool lone = false;  ///< the query is one word
  std::vector<std::pair<Xapian::Query, double>> runs;  ///< topic runs: in a title as written, characters
};

QueryBuilder::QueryBuilder(const Analyzer& local, const Analyzer& english, const Synonyms* synonyms,
                           const Xapian::Database* db)
    : local_(local), english_(english), synonyms_(synonyms), db_(db), filler_(FillerWords::of(local.language())) {}

Xapian::Query QueryBuilder::factor(Xapian::valueno slot) const {
  Xapian::PostingSource* source = factors_ ? factors_->source(slot) : new Xapian::ValueWeightPostingSource(slot);
  return Xapian::Query(source->release());
}

double QueryBuilder::frequency(const std::string& term) const {
  if (!db_) return 1;  // no statistics: every term counts as present
  return term.empty() ? 0 : static_cast<double>(db_->get_termfreq(term));
}

/// A term in more than a quarter of the articles ("for", "the" in English
/// sources): as an alternative it adds most articles as matches, and next to
/// nothing to their weights.
bool QueryBuilder::everywhere(const std::string& term) const {
  return db_ && db_->get_termfreq(term) > db_->get_doccount() / 4;
}

std::string QueryBuilder::correction(const std::string& word) const {
  if (!db_ || word.size() < kMinCorrected || !alphabetic(word)) return {};
  const unsigned distance = utf8_length(word) >= 8 ? 2 : 1;
  std::string s = (spelling_ ? spelling_ : db_)->get_spelling_suggestion(word, distance);
  return s != word && frequency(s) > 0 ? s : std::string();
}

/// Completions of an unfinished word under a prefix, the most frequent first.
/// The kMaxExpansion most frequent terms that begin with prefix + word, as one
/// synonym (what OP_WILDCARD with WILDCARD_LIMIT_MOST_FREQUENT matches, read
/// from the term list once instead of at every place the query uses it).
/// longer: only terms longer than prefix + word (when the word's own term is
/// weighed beside them already).
Xapian::Query QueryBuilder::prefix_query(const std::string& prefix, const std::string& word, bool longer) const {
  const std::string start = prefix + word;
  auto [it, fresh] = completions_.try_emplace(longer ? start + '\x01' : start);
  if (!fresh || !db_) return it->second;
  std::vector<std::pair<Xapian::doccount, std::string>> top;  // a min-heap on frequency
  auto rarer = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  for (auto t = db_->allterms_begin(start); t != db_->allterms_end(start); ++t) {
    if (longer && (*t).size() == start.size()) continue;
    top.emplace_back(t.get_termfreq(), *t);
    std::push_heap(top.begin(), top.end(), rarer);
    if (top.size() > kMaxExpansion) {
      std::pop_heap(top.begin(), top.end(), rarer);
      top.pop_back();
    }
  }
  std::vector<Xapian::Query> terms;
  for (const auto& [freq, term] : top) terms.emplace_back(term);
  if (terms.size() == 1) it->second = terms.front();
  else if (!terms.empty()) it->second = Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
  return it->second;
}

/// Titles with a word that begins with w (w itself included): one term of
/// the title's leading parts, or for a longer w its completions.
Xapian::Query QueryBuilder::title_prefix(const char* edge_prefix, const char* prefix, const std::string& w) const {
  if (utf8_length(w) <= schema::kMaxEdgeChars) return Xapian::Query(edge_prefix + w);
  return prefix_query(prefix, w);
}

Xapian::Query QueryBuilder::word_query(const std::string& w, bool title_only) const {
  const std::string stem = local_.stem(w);
  std::vector<Xapian::Query> alts;
  if (!title_only) {
    alts.push_back(scaled(looks_like_code(w) ? kCode : 1.0, Xapian::Query(w)));
    if (!stem.empty()) alts.push_back(scaled(kStem, Xapian::Query(schema::kBodyStem + stem)));
  }
  alts.push_back(scaled(kTitle, Xapian::Query(schema::kTitle + w)));
  if (!stem.empty())
    alts.push_back(scaled(kTitle * kStem, Xapian::Query(schema::kTitleStem + stem)));
  if (!title_only && english_source_ && latin_or_digit(w) && !everywhere(schema::kEnglish + w)) {
    alts.push_back(scaled(kEnglish, Xapian::Query(schema::kEnglish + w)));
    if (std::string en = english_.stem(w); !en.empty())
      alts.push_back(scaled(kEnglish * kStem, Xapian::Query(schema::kEnglishStem + en)));
  }
  return best_of(alts);
}

/// The positional terms of segs under prefix, in order, and the window they span.
static std::vector<Xapian::Query> phrase_terms(const std::vector<Segment>& segs, const std::string& p,
                                               Xapian::termcount* span) {
  std::vector<Xapian::Query> terms;
  *span = 0;
  for (const Segment& seg : segs) {
    if (seg.kind == Segment::kWord) {
      terms.emplace_back(p + seg.norm);
      ++*span;
      continue;
    }
    const size_t n = seg.chars.size();
    if (n == 1) terms.emplace_back(p + seg.chars[0].text);
    for (size_t i = 0; i + 1 < n; ++i) terms.emplace_back(p + seg.chars[i].text + seg.chars[i + 1].text);
    // A run of n characters takes n positions; its last bigram stands at the n - 1st.
    *span += static_cast<Xapian::termcount>(n);
  }
  if (!segs.empty() && segs.back().kind == Segment::kRun && segs.back().chars.size() > 1) --*span;
  return terms;
}

Xapian::Query QueryBuilder::phrase_query(const std::vector<Segment>& segs, const char* prefix) const {
  Xapian::termcount span = 0;
  std::vector<Xapian::Query> terms = phrase_terms(segs, prefix, &span);
  if (terms.empty()) return Xapian::Query();
  if (terms.size() == 1) return terms.front();
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), span);
}

/// segs[begin, end) as one phrase in the body, the title and the English source.
Xapian::Query QueryBuilder::unit_query(const std::vector<Segment>& segs, size_t begin, size_t end,
                                       bool title_only) const {
  if (end - begin == 1 && segs[begin].kind == Segment::kWord) return word_query(segs[begin].norm, title_only);
  const std::vector<Segment> part(segs.begin() + begin, segs.begin() + end);
  std::vector<Xapian::Query> alts;
  if (!title_only) alts.push_back(phrase_query(part, schema::kBody));
  alts.push_back(scaled(kTitle, phrase_query(part, schema::kTitle)));
  if (!title_only && in_english_source(part)) alts.push_back(scaled(kEnglish, phrase_query(part, schema::kEnglish)));
  return best_of(alts);
}

/// Whether segs can stand in an English source text: words with a Latin
/// letter or digit (runs of scripts without spaces, Cyrillic, Thai … cannot),
/// and only when the searched articles may hold one.
bool QueryBuilder::in_english_source(const std::vector<Segment>& segs) const {
  return english_source_ && std::all_of(segs.begin(), segs.end(), [](const Segment& s) {
           return s.kind == Segment::kWord && latin_or_digit(s.norm);
         });
}

QueryBuilder::Unit QueryBuilder::word_unit(const std::string& w, bool title_only, bool partial,
                                           Context& ctx) const {
  Unit u;
  u.weight = word_query(w, title_only);
  // Custom IDs hold digits ("500", "1300011"): only such words can be one, and
  // a number typed alone is most likely one.
  if (!title_only && w.find_first_of("0123456789") != std::string::npos)
    u.weight = Xapian::Query(Xapian::Query::OP_OR, u.weight, id_query(w, ctx.lone ? kCustomId : kCustomIdAmong));
  u.title = word_query(w, true);
  u.chars = static_cast<double>(utf8_length(w));
  const std::string stem = local_.stem(w);
  // Only presence matters: the first form found is enough.
  for (const std::string& t : {w, schema::kTitle + w, std::string(schema::kEnglish) + w,
                               stem.empty() ? std::string() : schema::kBodyStem + stem,
                               title_only ? std::string() : schema::kCustomId + w}) {
    if (u.frequency > 0) break;
    u.frequency = frequency(t);
  }
  if (partial && db_) {
    // As you type: the unfinished last word also stands for the title words
    // it begins (one term, however short the word) and, from kMinPrefix
    // characters, for its completions in the text.
    const Xapian::Query in_title = title_prefix(schema::kTitlePrefix, schema::kTitle, w);
    const bool complete = utf8_length(w) >= kMinPrefix || looks_like_number(w);
    std::vector<Xapian::Query> alts{u.weight};
    if (complete) alts.push_back(scaled(kPrefix * kTitle, in_title));
    u.title = Xapian::Query(Xapian::Query::OP_OR, u.title, in_title);
    // Its completions in the text: the word itself is among the unit's forms
    // already, and counted twice it would outweigh every finished word.
    if (!title_only && complete) alts.push_back(scaled(kPrefix, prefix_query("", w, true)));
    u.weight = best_of(alts);
    u.frequency = std::max(u.frequency, frequency(schema::kTitlePrefix + w));
    // One completion is enough to know that the unit is present.
    if (complete) {
      if (auto t = db_->allterms_begin(w); t != db_->allterms_end(w))
        u.frequency = std::max(u.frequency, static_cast<double>(t.get_termfreq()));
    }
  }
  if (u.frequency == 0) {
    if (std::string fix = correction(w); !fix.empty()) {
      ctx.plan.corrections[w] = fix;
      ctx.plan.words.push_back(fix);
      u = word_unit(fix, title_only, false, ctx);
      u.weight = scaled(kCorrection, u.weight);
    }
  }
  u.filler = filler_.is_filler_word(w);
  return u;
}

QueryBuilder::Unit QueryBuilder::code_unit(const std::vector<std::string>& forms,
                                           const Xapian::Query& words) const {
  Unit u;
  std::vector<Xapian::Query> alts{words}, held;
  bool an_id = false;
  for (const std::string& f : forms) {
    alts.push_back(scaled(kCode, Xapian::Query(schema::kCode + f)));
    held.emplace_back(schema::kCode + f);
    u.frequency = std::max(u.frequency, frequency(schema::kCode + f));
    an_id = an_id || (looks_like_number(f) && frequency(schema::kCustomId + f) > 0);
  }
  // A code is the most specific thing a query can hold: the articles that
  // hold it come first, beside any words (a number that is a custom ID is
  // left to the ID's own weight).
  if (u.frequency > 0 && !an_id) {
    auto* fixed = new Xapian::FixedWeightPostingSource(kCodeHeld);
    alts.push_back(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()), any_of(held)));
  }
  u.weight = best_of(alts);
  return u;
}

/// Characters [a, b) of a run as a run of their own (dictionary words inside kept).
static Segment sub_run(const Segment& run, size_t a, size_t b) {
  Segment s = run;
  s.chars.assign(run.chars.begin() + static_cast<long>(a), run.chars.begin() + static_cast<long>(b));
  s.norm.clear();
  for (const RunChar& c : s.chars) s.norm += c.text;
  s.words.clear();
  for (auto [first, count] : run.words) {
    if (first >= a && first + count <= b) s.words.emplace_back(static_cast<uint32_t>(first - a), count);
  }
  return s;
}

/// The head of segs whose phrase has at most kMaxPhraseTerms terms (a run of
/// n characters is n - 1 pairs): a long text as a phrase costs a posting
/// list a term, while its head alone is rarely anywhere else.
static std::vector<Segment> phrase_head(const std::vector<Segment>& segs) {
  std::vector<Segment> out;
  size_t terms = 0;
  for (const Segment& s : segs) {
    const size_t t = s.kind == Segment::kWord ? 1 : std::max<size_t>(1, s.chars.size() - 1);
    if (terms + t <= kMaxPhraseTerms) {
      out.push_back(s);
      terms += t;
      continue;
    }
    if (s.kind == Segment::kRun && terms < kMaxPhraseTerms) out.push_back(sub_run(s, 0, kMaxPhraseTerms - terms + 1));
    break;
  }
  return out;
}

void QueryBuilder::add_phrase_boosts(const std::vector<Segment>& all, double flat, double scale,
                                     bool title_only, Context& ctx) const {
  const std::vector<Segment> segs = phrase_head(all);
  if (!title_only) {
    ctx.boosts.push_back(with_prior(scale, phrase_query(segs, schema::kBody), flat, factor(schema::kSlotPrior)));
    if (in_english_source(segs)) ctx.boosts.push_back(checked(scaled(scale * kEnglish, phrase_query(segs, schema::kEnglish))));
  }
  const Xapian::Query title = phrase_query(segs, schema::kTitle);
  ctx.boosts.push_back(checked(scaled(scale * kTitle, title)));
}

void QueryBuilder::add_title_start_boost(const std::vector<Segment>& typed, bool partial,
                                         Context& ctx) const {
  if (typed.empty()) return;
  const Segment& first = typed.front();
  const std::string head = schema::kTitleStart + (first.kind == Segment::kWord ? first.norm : first.chars[0].text);
  const bool partial_word = partial && typed.back().kind == Segment::kWord;
  // The bonus grows with the share of the title typed: n characters of a title of m.
  size_t typed_chars = 0;
  for (const Segment& s : typed) typed_chars += utf8_length(s.norm);
  const double share = kTitleStartFixed * static_cast<double>(typed_chars);
  if (typed.size() == 1 && partial_word) {
    // One unfinished word: titles whose first word it begins.
    const Xapian::Query starts = title_prefix(schema::kTitleStartPrefix, schema::kTitleStart, first.norm);
    ctx.boosts.push_back(with_prior(kTitleStart, starts, share, factor(schema::kSlotTitleInverse)));
    return;
  }
  // The title's first word, then the typed words in order; an unfinished
  // last word is left out of the phrase and must begin a word of that title
  // (one term of the title's leading parts; as a member of the phrase it
  // cost literal text precision in the reference evaluation).
  const std::vector<Segment> rest = phrase_head({typed.begin(), typed.end() - (partial_word ? 1 : 0)});
  Xapian::termcount span = 0;
  std::vector<Xapian::Query> leaves{Xapian::Query(head)};
  for (Xapian::Query& t : phrase_terms(rest, schema::kTitle, &span)) leaves.push_back(std::move(t));
  Xapian::Query phrase(Xapian::Query::OP_PHRASE, leaves.begin(), leaves.end(), span + 1);
  const Xapian::Query starts =
      partial_word ? Xapian::Query(Xapian::Query::OP_FILTER, phrase,
                                   title_prefix(schema::kTitlePrefix, schema::kTitle, typed.back().norm))
                   : phrase;
  ctx.boosts.push_back(with_prior(kTitleStart, starts, share, factor(schema::kSlotTitleInverse)));
}

void QueryBuilder::add_run_units(const Segment& run, bool title_only, Context& ctx) const {
  auto [first, last] = filler_.topic_span(run);
  if (first == last) {  // all filler: the run is the topic after all
    first = 0;
    last = run.chars.size();
  }
  for (auto [a, b] : {std::pair{size_t{0}, first}, std::pair{last, run.chars.size()}}) {
    if (a < b) {
      const Segment filler = sub_run(run, a, b);
      ctx.units.push_back({scaled(kFiller, unit_query({filler}, 0, 1, title_only)), 1, true,
                           unit_query({filler}, 0, 1, true), static_cast<double>(b - a)});
    }
  }
  const bool whole = first == 0 && last == run.chars.size();
  const Segment topic = whole ? run : sub_run(run, first, last);
  // The run as typed, filler and all, first of all; then its topic.
  // (Weighted as much only when the run is the whole query: beside other
  // words, one run's phrase must not outweigh the words an article lacks.)
  if (!whole) add_phrase_boosts({run}, kRunPhraseFixed * kAsTyped, kRunPhrase * (ctx.lone ? kAsTyped : 1.0), title_only, ctx);
  ctx.topic.push_back(topic);
  ctx.plan.runs.push_back(topic.norm);
  const size_t n = topic.chars.size();
  if (n == 1) {
    const std::string& c = topic.chars[0].text;
    ctx.units.push_back({unit_query({topic}, 0, 1, title_only), std::max(frequency(c), frequency(schema::kTitle + c)),
                         false, Xapian::Query(schema::kTitle + c), 1});
    return;
  }
  // Every character pair is a unit, so that an article holding most of the
  // run ranks on; the run as written comes on top as a boost.
  std::set<std::string> seen;
  for (size_t i = 0; i + 1 < n; ++i) {
    const std::string pair = topic.chars[i].text + topic.chars[i + 1].text;
    if (!seen.insert(pair).second) continue;
    std::vector<Xapian::Query> alts{scaled(kTitle, Xapian::Query(schema::kTitle + pair))};
    if (!title_only) alts.push_back(Xapian::Query(pair));
    ctx.units.push_back({best_of(alts), std::max(frequency(pair), frequency(schema::kTitle + pair)), false,
                         Xapian::Query(schema::kTitle + pair), 1, true});
  }
  ctx.runs.emplace_back(phrase_query({topic}, schema::kTitle), static_cast<double>(n));
  add_phrase_boosts({topic}, kRunPhraseFixed, kRunPhrase, title_only, ctx);
  for (auto [w0, count] : topic.words) {
    if (count < 3 || title_only) continue;
    std::string w;
    for (uint32_t k = w0; k < w0 + count && k < n; ++k) w += topic.chars[k].text;
    ctx.boosts.push_back(scaled(kDictWord, Xapian::Query(schema::kDictWord + w)));
  }
}

void QueryBuilder::add_plain_units(const std::vector<Segment>& segs, bool title_only, bool partial_last,
                                   Context& ctx) const {
  size_t i = 0;
  while (i < segs.size()) {
    // A synonym group member, longest first.
    size_t matched = 0;
    const std::vector<Synonyms::Member>* group = nullptr;
    if (synonyms_ && synonyms_->size() > 0) {
      const size_t longest = std::min(synonyms_->max_segments(), segs.size() - i);
      for (size_t len = longest; len >= 1 && !group; --len) {
        const std::vector<Segment> part(segs.begin() + i, segs.begin() + i + len);
        group = synonyms_->group_of(title_key(part));
        if (group) matched = len;
      }
    }
    // A group's members cost postings each: expand a group once, and a few per query.
    if (group && (std::find(ctx.expanded.begin(), ctx.expanded.end(), group) != ctx.expanded.end() ||
                  ctx.expanded.size() >= kMaxSynonymGroups))
      group = nullptr;
    if (group) {
      ctx.expanded.push_back(group);
      const std::vector<Segment> own(segs.begin() + i, segs.begin() + i + matched);
      const std::string key = title_key(own);
      Unit u;
      std::vector<Xapian::Query> alts{unit_query(segs, i, i + matched, title_only)};
      for (const auto& member : *group) {
        if (member.key == key) continue;
        alts.push_back(scaled(kSynonym, unit_query(member.segments, 0, member.segments.size(), title_only)));
      }
      // A group matches through its best member: synonyms widen, they do not add up.
      u.weight = best_of(alts);
      u.frequency = 1;  // a group is known to be present somewhere
      u.title = unit_query(segs, i, i + matched, true);
      for (const Segment& seg : own) u.chars += static_cast<double>(utf8_length(seg.norm));
      ctx.units.push_back(u);
      for (const Segment& s : own) {
        if (s.kind == Segment::kWord) ctx.plan.words.push_back(s.norm);
        else ctx.plan.runs.push_back(s.norm);
      }
      ctx.topic.insert(ctx.topic.end(), own.begin(), own.end());
      i += matched;
      continue;
    }
    if (segs[i].kind == Segment::kRun) {
      add_run_units(segs[i], title_only, ctx);
      ++i;
      continue;
    }
    // A code split in two ("AADSTS 50011"), when the joined form is known.
    if (!title_only) {
      std::vector<std::string> split = split_code_forms(segs, i);
      if (!split.empty() && frequency(schema::kCode + split.front()) > 0) {
        ctx.units.push_back(code_unit(split, unit_query(segs, i, i + 2, false)));
        ctx.plan.words.push_back(segs[i].norm);
        ctx.plan.words.push_back(segs[i + 1].norm);
        ctx.topic.insert(ctx.topic.end(), segs.begin() + i, segs.begin() + i + 2);
        i += 2;
        continue;
      }
    }
    // Words glued by punctuation ("multi-factor", "user@contoso.com") form a phrase.
    size_t end = i + 1;
    while (end < segs.size() && segs[end].kind == Segment::kWord && segs[end].glued) ++end;
    Unit glued;
    if (end - i > 1) {
      glued.weight = unit_query(segs, i, end, title_only);
      glued.title = unit_query(segs, i, end, true);
      for (size_t k = i; k < end; ++k) glued.chars += static_cast<double>(utf8_length(segs[k].norm));
      glued.frequency = 1e9;
      for (size_t k = i; k < end; ++k) glued.frequency = std::min(glued.frequency, frequency(segs[k].norm));
    }
    if (end - i > 1 && glued.frequency > 0 && !(partial_last && end == segs.size())) {
      ctx.units.push_back(glued);
    } else if (end - i > 1) {
      // Not found together (or still being typed): each word on its own.
      for (size_t k = i; k < end; ++k)
        ctx.units.push_back(word_unit(segs[k].norm, title_only, partial_last && k + 1 == segs.size(), ctx));
    } else {
      const std::string& w = segs[i].norm;
      const bool partial = partial_last && end == segs.size();
      std::vector<std::string> forms = title_only ? std::vector<std::string>{} : code_forms(w);
      Unit u = word_unit(w, title_only, partial, ctx);
      if (!forms.empty()) {
        Unit c = code_unit(forms, u.weight);
        c.frequency = std::max(c.frequency, u.frequency);
        c.title = u.title;
        c.chars = u.chars;
        u = c;
      }
      ctx.units.push_back(u);
    }
    for (size_t k = i; k < end; ++k) {
      const std::string& w = segs[k].norm;
      ctx.plan.words.push_back(w);
      const std::string st = local_.stem(w);
      if (!st.empty()) ctx.plan.stems.push_back(st);
      if (!st.empty() || !english_.stem(w).empty()) ctx.plan.spell.push_back(w);
      if (!filler_.is_filler_word(w)) ctx.topic.push_back(segs[k]);
    }
    i = end;
  }
}

/// How much of a title the query covers (a unit's characters over the
/// title's: half a title typed ranks its article), and how much of the query
/// a title holds (a unit's characters over the query's, filler included: a
/// title holding three words of four beats one holding the rarest word alone,
/// as a reworded title would). A run holds the query's characters where a
/// title has it as written; its character pairs count for the title's share
/// only (near misses of body text would outrank the text itself).
void QueryBuilder::add_title_covers(const std::vector<const Unit*>& units, Context& ctx) const {
  double query_chars = 0;
  size_t topic = 0;
  for (const Unit* u : units) {
    if (u->title.empty()) continue;
    query_chars += u->chars;
    if (!u->filler) ++topic;
  }
  if (query_chars <= 0) return;
  const Xapian::Query inverse = factor(schema::kSlotTitleInverse);
  const double of_query = topic >= 2 ? kQueryCover / query_chars : 0;  // one unit: the title weights say it
  // Parts whose title query is a set of terms add up in one posting source
  // when the factors are in memory; a phrase (a run, glued words) is a
  // filtered bonus of its own.
  std::vector<DocFactors::CoverPart> parts;
  auto cover = [&](double of_title, double of_query_share, const Xapian::Query& title) {
    DocFactors::CoverPart part{{}, std::min(of_title, 1 / kWeightScale), of_query_share};
    if (factors_ && any_terms(title, part.terms))
      parts.push_back(std::move(part));
    else
      ctx.boosts.push_back(title_cover(of_title, of_query_share, title, inverse));
  };
  for (const Unit* u : units) {
    if (u->title.empty() || u->chars <= 0) continue;
    if (!u->filler)
      cover(kTitleCover * u->chars, u->pair ? 0 : of_query * u->chars, u->title);
    else if (topic >= 1)
      cover(0, kQueryCover / query_chars * u->chars, u->title);
  }
  if (of_query > 0) {
    for (const auto& [title, chars] : ctx.runs) cover(0, of_query * chars, title);
  }
  if (parts.empty()) return;
  if (Xapian::PostingSource* source = factors_->title_covers(std::move(parts)))
    ctx.boosts.emplace_back(source->release());
}

QueryPlan QueryBuilder::build(std::string_view user_query) const {
  QueryPlan plan;
  Context ctx{plan, {}, {}, {}, {}, {}, false, {}};
  std::vector<Xapian::Query> excluded;
  std::vector<Segment> whole;  // plain and phrase text before the bounds, for the exact-title keys
  size_t budget = kMaxSegments;
  const std::vector<QueryClause> clauses = plain_runs(parse_user_query(user_query));
  ctx.lone = clauses.size() == 1 && segment(clauses[0].text).size() == 1;
  const bool partial = !has_space_at_end(user_query);
  for (size_t c = 0; c < clauses.size(); ++c) {
    const QueryClause& clause = clauses[c];
    std::vector<Segment> segs = segment(clause.text);
    if (!clause.exclude && (clause.kind == QueryClause::kPlain || clause.kind == QueryClause::kPhrase))
      whole.insert(whole.end(), segs.begin(), segs.end());
    if (segs.size() > budget) segs.resize(budget);
    budget -= segs.size();
    for (Segment& s : segs) {
      if (s.kind == Segment::kRun && s.chars.size() > kMaxRunChars) {
        s.chars.resize(kMaxRunChars);
        s.norm.clear();
        for (const RunChar& ch : s.chars) s.norm += ch.text;
        std::erase_if(s.words, [&](const auto& w) { return w.first + w.second > kMaxRunChars; });
      }
    }
    if (clause.kind == QueryClause::kId) {
      // id:X is one more optional unit, combined with the rest like a typed
      // number that is an ID (see word_unit): its articles first, the other
      // words' articles after. Only -id:X removes.
      const std::string id = fold(clause.text);
      if (clause.exclude)
        excluded.push_back(Xapian::Query(schema::kCustomId + id));
      else
        ctx.units.push_back({id_query(id), frequency(schema::kCustomId + id), false, {}, 0});
      continue;
    }
    if (segs.empty()) continue;
    if (clause.exclude) {
      excluded.push_back(unit_query(segs, 0, segs.size(), false));
      continue;
    }
    if (clause.kind == QueryClause::kPhrase) {
      Unit u;
      u.weight = unit_query(segs, 0, segs.size(), false);
      u.frequency = 1;
      ctx.units.push_back(u);
      for (const Segment& s : segs) {
        if (s.kind == Segment::kWord) plan.words.push_back(s.norm);
        else plan.runs.push_back(s.norm);
      }
      ctx.topic.insert(ctx.topic.end(), segs.begin(), segs.end());
      ctx.typed.insert(ctx.typed.end(), segs.begin(), segs.end());
      continue;
    }
    if (clause.kind == QueryClause::kPlain) ctx.typed.insert(ctx.typed.end(), segs.begin(), segs.end());
    const bool last = c + 1 == clauses.size() && partial && clause.kind == QueryClause::kPlain;
    add_plain_units(segs, clause.kind == QueryClause::kTitle, last, ctx);
  }

  // Units in no article are dropped; filler counts only when there is nothing else.
  std::vector<Xapian::Query> topic_units, filler_units;
  std::vector<const Unit*> kept;
  for (const Unit& u : ctx.units) {
    if (u.weight.empty() || u.frequency <= 0) continue;
    (u.filler ? filler_units : topic_units).push_back(u.weight);
    kept.push_back(&u);
    if (kept.size() >= kMaxUnits) break;
  }
  add_title_covers(kept, ctx);
  Xapian::Query match;
  if (!topic_units.empty()) {
    match = any_of(topic_units);
    if (!filler_units.empty())
      match = Xapian::Query(Xapian::Query::OP_AND_MAYBE, match, scaled(kFiller, any_of(filler_units)));
  } else {
    match = any_of(filler_units);
  }

  std::vector<Xapian::Query>& boosts = ctx.boosts;
  // The words as typed, all adjacent; then the topic words adjacent.
  const bool same = title_key(ctx.typed) == title_key(ctx.topic);
  if (ctx.typed.size() >= 2) add_phrase_boosts(ctx.typed, kPhraseFixed * (same ? 1 : kAsTyped), kPhraseBody, false, ctx);
  if (ctx.topic.size() >= 2 && !same) add_phrase_boosts(ctx.topic, kPhraseFixed, kPhraseBody, false, ctx);
  add_title_start_boost(ctx.typed, partial, ctx);
  std::set<std::string> keys;
  if (!whole.empty()) keys.insert(title_key(whole));
  if (!ctx.topic.empty()) keys.insert(title_key(ctx.topic));
  for (const std::string& key : keys) {
    boosts.push_back(scaled(kTitleExact, Xapian::Query(schema::kTitleExact + key)));
    boosts.push_back(scaled(kEnglishTitleExact, Xapian::Query(schema::kEnglishTitleExact + key)));
  }
  boosts.push_back(scaled(kPrior, factor(schema::kSlotPrior)));

  auto finish = [&](Xapian::Query q, bool with_boosts) {
    if (q.empty()) {
      if (excluded.empty()) return Xapian::Query();
      q = Xapian::Query(std::string());
    } else if (with_boosts) {
      q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, any_of(boosts));
    }
    if (!excluded.empty()) q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, any_of(excluded));
    return q;
  };
  plan.query = scaled(kWeightScale, finish(match, true));
  plan.match = scaled(kWeightScale, finish(match, false));
  plan.empty = ctx.units.empty() && excluded.empty();
  return plan;
}

}  // namespace helpsearch
