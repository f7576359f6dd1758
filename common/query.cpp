#include "query.h"

#include <algorithm>

#include "schema.h"

namespace helpsearch {
namespace {

// Ranking weights, as factors on Xapian's BM25 term weights.
constexpr double kStem = 0.5;          // stemmed form of a word, beside its exact form
constexpr double kTitle = 1.5;         // a match in the title, on top of the body match
constexpr double kEnglish = 0.35;      // a match in the English source of an sxs article
constexpr double kCode = 3.0;          // error codes and other digit-bearing identifiers
constexpr double kCustomId = 1000.0;   // typed custom ID: those articles first
constexpr double kTitleExact = 200.0;  // the query is the whole title
constexpr double kEnglishTitleExact = 100.0;  // the query is the whole English source title
constexpr double kPhraseBody = 12.0;   // all query words adjacent, in order
constexpr double kPhraseFixed = 25.0;  // ... as a flat bonus too, whatever the words' rarity
constexpr double kPhraseTitle = 5.0;
constexpr double kPhraseEnglish = 0.5;
constexpr double kDictWord = 0.3;      // ICU dictionary word of a CJK run
constexpr double kSynonym = 0.5;       // another member of the word's synonym group

// Bounds on the work one query may ask for, like web search engines' word limits.
constexpr size_t kMaxSegments = 32;    // words and runs of a query; the rest is ignored
constexpr size_t kMaxRunChars = 48;    // characters of one run matched as a phrase
constexpr size_t kMaxSynonymGroups = 4;  // synonym groups expanded per query, each once

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

Xapian::Query scaled(double factor, Xapian::Query q) {
  if (q.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, factor);
}

/// Articles carrying a custom ID, all with the same weight: an ID applies to
/// an article or not, whatever the article's length.
Xapian::Query id_query(const std::string& id) {
  auto* fixed = new Xapian::FixedWeightPostingSource(kCustomId);
  return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(fixed->release()),
                       Xapian::Query(schema::kCustomId + id));
}

Xapian::Query any_of(const std::vector<Xapian::Query>& qs) {
  if (qs.empty()) return Xapian::Query();
  if (qs.size() == 1) return qs.front();
  return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

Xapian::Query all_of(const std::vector<Xapian::Query>& qs) {
  if (qs.empty()) return Xapian::Query();
  if (qs.size() == 1) return qs.front();
  return Xapian::Query(Xapian::Query::OP_AND, qs.begin(), qs.end());
}

}  // namespace

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

QueryBuilder::QueryBuilder(const Analyzer& local, const Analyzer& english, const Synonyms* synonyms)
    : local_(local), english_(english), synonyms_(synonyms) {}

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
  if (!title_only) {
    alts.push_back(scaled(kEnglish, Xapian::Query(schema::kEnglish + w)));
    if (std::string en = english_.stem(w); !en.empty())
      alts.push_back(scaled(kEnglish * kStem, Xapian::Query(schema::kEnglishStem + en)));
    // Custom IDs hold digits ("500", "1300011"): only such words can be one.
    if (w.find_first_of("0123456789") != std::string::npos) alts.push_back(id_query(w));
  }
  return any_of(alts);
}

Xapian::Query QueryBuilder::phrase_query(const std::vector<Segment>& segs, const char* prefix) const {
  std::vector<Xapian::Query> terms;
  Xapian::termcount span = 0;
  const std::string p = prefix;
  for (const Segment& seg : segs) {
    if (seg.kind == Segment::kWord) {
      terms.emplace_back(p + seg.norm);
      ++span;
      continue;
    }
    const size_t n = seg.chars.size();
    if (n == 1) terms.emplace_back(p + seg.chars[0].text);
    for (size_t i = 0; i + 1 < n; ++i) terms.emplace_back(p + seg.chars[i].text + seg.chars[i + 1].text);
    span += static_cast<Xapian::termcount>(n);
  }
  if (terms.empty()) return Xapian::Query();
  if (terms.size() == 1) return terms.front();
  return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), span);
}

Xapian::Query QueryBuilder::run_query(const Segment& run, bool title_only) const {
  const std::vector<Segment> one{run};
  std::vector<Xapian::Query> alts;
  if (!title_only) alts.push_back(phrase_query(one, schema::kBody));
  alts.push_back(scaled(kTitle, phrase_query(one, schema::kTitle)));
  if (!title_only) alts.push_back(scaled(kEnglish, phrase_query(one, schema::kEnglish)));
  return any_of(alts);
}

Xapian::Query QueryBuilder::unit_query(const std::vector<Segment>& segs, size_t begin, size_t end,
                                       bool title_only) const {
  if (end - begin == 1) {
    const Segment& s = segs[begin];
    return s.kind == Segment::kWord ? word_query(s.norm, title_only) : run_query(s, title_only);
  }
  const std::vector<Segment> part(segs.begin() + begin, segs.begin() + end);
  std::vector<Xapian::Query> alts;
  if (!title_only) alts.push_back(phrase_query(part, schema::kBody));
  alts.push_back(scaled(kTitle, phrase_query(part, schema::kTitle)));
  if (!title_only) alts.push_back(scaled(kEnglish, phrase_query(part, schema::kEnglish)));
  return any_of(alts);
}

std::vector<Xapian::Query> QueryBuilder::plain_units(const std::vector<Segment>& segs, bool title_only,
                                                     std::vector<const void*>* expanded) const {
  std::vector<Xapian::Query> units;
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
    if (group && (std::find(expanded->begin(), expanded->end(), group) != expanded->end() ||
                  expanded->size() >= kMaxSynonymGroups)) {
      units.push_back(unit_query(segs, i, i + matched, title_only));
      i += matched;
      continue;
    }
    if (group) {
      expanded->push_back(group);
      std::vector<Xapian::Query> alts{unit_query(segs, i, i + matched, title_only)};
      const std::string own = title_key(std::vector<Segment>(segs.begin() + i, segs.begin() + i + matched));
      for (const auto& member : *group) {
        if (member.key == own) continue;
        alts.push_back(scaled(kSynonym, unit_query(member.segments, 0, member.segments.size(), title_only)));
      }
      // A group matches through its best member: synonyms widen, they do not add up.
      units.push_back(alts.size() == 1 ? alts.front() : Xapian::Query(Xapian::Query::OP_MAX, alts.begin(), alts.end()));
      i += matched;
      continue;
    }
    // Words glued by punctuation ("multi-factor", "user@contoso.com") form a phrase.
    size_t end = i + 1;
    while (end < segs.size() && segs[i].kind == Segment::kWord && segs[end].kind == Segment::kWord &&
           segs[end].glued)
      ++end;
    units.push_back(unit_query(segs, i, end, title_only));
    i = end;
  }
  return units;
}

QueryPlan QueryBuilder::build(std::string_view user_query) const {
  QueryPlan plan;
  std::vector<Xapian::Query> required, relaxed_units, filters, excluded, boosts;
  std::vector<Segment> positive;  // plain and phrase text, in order, for the boosts
  std::vector<Segment> whole;     // the same before the bounds, for the exact-title keys
  size_t budget = kMaxSegments;
  std::vector<const void*> expanded;  // synonym groups expanded so far
  for (const QueryClause& clause : parse_user_query(user_query)) {
    std::vector<Segment> segs = segment(clause.text);
    if (!clause.exclude && (clause.kind == QueryClause::kPlain || clause.kind == QueryClause::kPhrase))
      whole.insert(whole.end(), segs.begin(), segs.end());
    if (segs.size() > budget) segs.resize(budget);
    budget -= segs.size();
    for (Segment& s : segs) {
      if (s.kind == Segment::kRun && s.chars.size() > kMaxRunChars) {
        s.chars.resize(kMaxRunChars);
        s.norm.clear();
        for (const RunChar& c : s.chars) s.norm += c.text;
        std::erase_if(s.words, [&](const auto& w) { return w.first + w.second > kMaxRunChars; });
      }
    }
    if (clause.kind == QueryClause::kId) {
      (clause.exclude ? excluded : filters).push_back(id_query(fold(clause.text)));
      continue;
    }
    if (segs.empty()) continue;
    std::vector<Xapian::Query> units;
    if (clause.kind == QueryClause::kPhrase) {
      units.push_back(unit_query(segs, 0, segs.size(), false));
    } else {
      units = plain_units(segs, clause.kind == QueryClause::kTitle, &expanded);
    }
    if (clause.exclude) {
      excluded.push_back(any_of(units));
      continue;
    }
    required.insert(required.end(), units.begin(), units.end());
    if (clause.kind != QueryClause::kTitle) positive.insert(positive.end(), segs.begin(), segs.end());
    for (const Segment& s : segs) {
      if (s.kind == Segment::kWord) {
        plan.words.push_back(s.norm);
        if (std::string st = local_.stem(s.norm); !st.empty()) plan.stems.push_back(st);
        if (local_.stem(s.norm).size() || english_.stem(s.norm).size()) plan.spell.push_back(s.norm);
      } else {
        plan.runs.push_back(s.norm);
        for (auto [first, count] : s.words) {
          if (count < 3) continue;
          std::string w;
          for (uint32_t k = first; k < first + count; ++k) w += s.chars[k].text;
          boosts.push_back(scaled(kDictWord, Xapian::Query(schema::kDictWord + w)));
        }
      }
    }
  }
  if (positive.size() >= 2) {
    const Xapian::Query body_phrase = phrase_query(positive, schema::kBody);
    boosts.push_back(scaled(kPhraseBody, body_phrase));
    boosts.push_back(Xapian::Query(Xapian::Query::OP_FILTER,
                                   Xapian::Query((new Xapian::FixedWeightPostingSource(kPhraseFixed))->release()),
                                   body_phrase));
    boosts.push_back(scaled(kPhraseTitle, phrase_query(positive, schema::kTitle)));
    boosts.push_back(scaled(kPhraseEnglish, phrase_query(positive, schema::kEnglish)));
  }
  if (!whole.empty()) {
    const std::string key = title_key(whole);
    boosts.push_back(scaled(kTitleExact, Xapian::Query(schema::kTitleExact + key)));
    boosts.push_back(scaled(kEnglishTitleExact, Xapian::Query(schema::kEnglishTitleExact + key)));
  }

  auto finish = [&](Xapian::Query match, bool with_boosts) {
    Xapian::Query q = std::move(match);
    if (q.empty()) {
      if (!filters.empty())
        q = any_of(filters);
      else if (!excluded.empty())
        q = Xapian::Query::MatchAll;
      else
        return Xapian::Query();
    } else {
      if (with_boosts && !boosts.empty()) q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, any_of(boosts));
      if (!filters.empty()) q = Xapian::Query(Xapian::Query::OP_FILTER, q, all_of(filters));
    }
    if (!excluded.empty()) q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, any_of(excluded));
    return q;
  };
  plan.strict = finish(all_of(required), true);
  plan.strict_match = finish(all_of(required), false);
  if (required.size() > 1) {
    plan.relaxed = finish(any_of(required), true);
    plan.relaxed_match = finish(any_of(required), false);
  }
  plan.empty = plan.strict.empty();
  return plan;
}

}  // namespace helpsearch
