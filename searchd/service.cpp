#include "service.h"

#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "analyzer.h"
#include "codes.h"
#include "document.h"
#include "locales.h"
#include "markdown.h"
#include "query.h"
#include "schema.h"
#include "snippet.h"
#include "titles.h"

namespace helpsearch {
namespace {

std::atomic<uint64_t> next_service_id{1};

Xapian::Query in_locale(const Xapian::Query& q, const std::string& locale) {
  if (locale.empty()) return q;
  return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(schema::kLocale + locale));
}

/// q within any of locales (a comma-joined list, "" = all).
Xapian::Query in_locales(const Xapian::Query& q, const std::string& locales) {
  std::vector<Xapian::Query> terms;
  for (std::string_view l : split_nonempty(locales, ',')) terms.emplace_back(schema::kLocale + std::string(l));
  if (terms.size() <= 1) return in_locale(q, locales);
  return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
}

/// Accept-Language tags in order of preference ("de-CH,de;q=0.9,en;q=0.8").
std::vector<std::string> accepted_locales(const std::string& header) {
  std::vector<std::pair<double, std::string>> tags;
  for (std::string_view item : split_nonempty(header, ',')) {
    std::string_view tag = item.substr(0, item.find(';'));
    double q = 1;
    if (auto at = item.find("q="); at != std::string_view::npos) q = std::atof(std::string(item.substr(at + 2)).c_str());
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (auto canonical = normalize_locale(tag); canonical && q > 0) tags.emplace_back(-q, *canonical);
    if (tags.size() >= 16) break;
  }
  std::stable_sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& t : tags) out.push_back(std::move(t.second));
  return out;
}

Hit make_hit(const StoredArticle& a, double score) {
  Hit h;
  h.key = a.key;
  h.locale = a.locale;
  h.slug = a.slug;
  h.title = a.title;
  h.ids = a.ids;
  h.score = score;
  return h;
}

/// Every article matching query, the ones whose title holds `folded` first, then newest first.
std::vector<Hit> lookup_in(Xapian::Database& db, const Xapian::Query& query, const std::string& folded) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  Xapian::MSet mset = enquire.get_mset(0, db.get_doccount());
  std::vector<std::pair<std::pair<int, std::string>, Hit>> ranked;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    StoredArticle a = read_stored(it.get_document());
    const bool in_title = fold(a.title).find(folded) != std::string::npos;
    Hit hit = make_hit(a, in_title ? 2.0 : 1.0);
    hit.snippet = html_escape(a.description);
    ranked.emplace_back(std::make_pair(in_title ? 0 : 1, a.date), std::move(hit));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first.first != b.first.first) return a.first.first < b.first.first;
    return a.first.second > b.first.second;  // newest first
  });
  std::vector<Hit> hits;
  for (auto& r : ranked) hits.push_back(std::move(r.second));
  return hits;
}

/// Replaces whole words of a folded query by their spelling corrections.
std::string respell(const std::string& query, const std::map<std::string, std::string>& fixes) {
  std::string out, word;
  auto flush = [&] {
    auto it = fixes.find(word);
    out += it == fixes.end() ? word : it->second;
    word.clear();
  };
  for (char c : query) {
    if (c == ' ') {
      flush();
      out += c;
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

}  // namespace

struct Service::Handle {
  std::unique_ptr<Xapian::Database> db;
  ino_t folder = 0;  ///< inode of the index folder when db was opened (a rebuild swaps folders)
  std::map<std::string, std::unique_ptr<Analyzer>> analyzers;

  const Analyzer& analyzer(const std::string& language) {
    auto& slot = analyzers[language];
    if (!slot) slot = std::make_unique<Analyzer>(language);
    return *slot;
  }
};

Service::Service(ServiceConfig config) : config_(std::move(config)) {
  try {
    Xapian::Database db(config_.db);
    const std::string stored = db.get_metadata(schema::kMetaAnalyzer);
    if (stored != Analyzer::fingerprint()) {
      throw std::runtime_error("the index " + config_.db + " was built with analyzer \"" + stored +
                               "\" but this searchd uses \"" + Analyzer::fingerprint() +
                               "\"; rebuild it with helpsearch-index --rebuild --db " + config_.db +
                               " SOURCE...");
    }
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("cannot open the index " + config_.db + ": " + e.get_description() +
                             " (build it with helpsearch-index --db " + config_.db + " SOURCE...)");
  }
  if (!config_.synonyms_file.empty()) {
    std::string error;
    if (!synonyms_.load_file(config_.synonyms_file, &error)) throw std::runtime_error(error);
  }
  id_ = next_service_id++;
  // Read the titles now, so that the first completion does not pay for it.
  with_db([&](Handle& h) { return titles(h) != nullptr; });
}

Service::~Service() = default;

Service::Handle& Service::handle() {
  thread_local std::unordered_map<uint64_t, std::unique_ptr<Handle>> handles;
  auto& slot = handles[id_];
  if (!slot) slot = std::make_unique<Handle>();
  return *slot;
}

template <class F>
auto Service::with_db(F&& f) -> decltype(f(std::declval<Handle&>())) {
  Handle& h = handle();
  struct stat st {};
  const ino_t folder = ::stat(config_.db.c_str(), &st) == 0 ? st.st_ino : 0;
  if (h.db && folder != h.folder) h.db.reset();  // helpsearch-index --rebuild swapped in a new index
  for (int attempt = 0;; ++attempt) {
    try {
      if (!h.db) {
        h.db = std::make_unique<Xapian::Database>(config_.db);
        h.folder = folder;
      } else if (attempt == 0) {
        h.db->reopen();
      }
      return f(h);
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 1) throw;
      h.db->reopen();
    }
  }
}

std::vector<std::string> Service::default_locales(const std::string& q, const std::string& accept_language) {
  const std::vector<std::string> known = health().locales;
  auto has = [&](const std::string& l) { return std::find(known.begin(), known.end(), l) != known.end(); };
  auto of_languages = [&](std::initializer_list<const char*> languages) {
    std::vector<std::string> out;
    for (const char* language : languages) {
      for (const auto& l : known)
        if (language_of(l) == language) out.push_back(l);
    }
    return out;
  };
  for (const std::string& tag : accepted_locales(accept_language)) {
    if (has(tag)) return {tag};
    if (auto same = of_languages({language_of(tag).c_str()}); !same.empty()) return {same.front()};
  }
  const std::string script = query_script(q);
  std::vector<std::string> out;
  if (script == "ko") out = of_languages({"ko"});
  if (script == "th") out = of_languages({"th"});
  if (script == "ja") out = of_languages({"ja"});
  if (script == "zh") out = of_languages({"zh", "ja"});
  if (out.empty() && has("en-US")) out = {"en-US"};
  return out;
}

std::vector<std::string> Service::chain(const std::string& locale) const {
  if (locale.empty()) return {""};
  auto it = config_.fallbacks.find(locale);
  if (it == config_.fallbacks.end()) return fallback_chain(locale);
  std::vector<std::string> out{locale};
  for (const auto& f : it->second) out.push_back(f);
  if (std::find(out.begin(), out.end(), "en-US") == out.end()) out.emplace_back("en-US");
  return out;
}

SearchResult Service::search(const SearchRequest& req) {
  return with_db([&](Handle& h) {
    SearchResult result;
    Xapian::Database& db = *h.db;
    const std::string first = !req.locale.empty() ? req.locale : req.locales.empty() ? "" : req.locales.front();
    const Analyzer& local = h.analyzer(first.empty() ? "en" : language_of(first));
    QueryBuilder builder(local, h.analyzer("en"), &synonyms_, &db);
    const QueryPlan plan = builder.build(req.q);
    if (plan.empty) return result;
    result.corrections = plan.corrections;
    if (!plan.corrections.empty()) result.corrected = respell(fold(req.q), plan.corrections);

    Xapian::Enquire enquire(db);
    std::unique_ptr<Xapian::Weight> weight(ranking_weight());
    enquire.set_weighting_scheme(*weight);
    Xapian::ValueCountMatchSpy spy(schema::kSlotLocale);
    const bool count_locales = req.facets && req.locale.empty() && req.locales.empty();
    if (count_locales) enquire.add_matchspy(&spy);
    Xapian::MSet mset;
    std::vector<std::string> tries = chain(req.locale);
    if (req.locale.empty() && !req.locales.empty()) {
      std::string set;
      for (const auto& l : req.locales) set += (set.empty() ? "" : ",") + l;
      tries = {set, ""};
    }
    for (const std::string& loc : plan.query.empty() ? std::vector<std::string>{} : tries) {
      enquire.set_query(in_locales(plan.query, loc));
      mset = enquire.get_mset(req.offset, req.limit, std::max<Xapian::doccount>(req.offset + req.limit, 100));
      if (mset.get_matches_estimated() > 0) {
        result.locale_used = loc;
        break;
      }
    }
    result.total = mset.get_matches_estimated();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      StoredArticle a = read_stored(it.get_document());
      Hit hit = make_hit(a, it.get_weight());
      hit.snippet = make_snippet(a.text, a.english, plan, local);
      result.hits.push_back(std::move(hit));
    }
    if (count_locales) {
      for (auto v = spy.values_begin(); v != spy.values_end(); ++v) result.locale_facets[*v] = v.get_termfreq();
    } else if (req.facets && result.total > 0 && result.locale_used.find(',') == std::string::npos) {
      result.locale_facets[result.locale_used] = result.total;
    }
    if (result.total < 3 && plan.corrections.empty() && !plan.spell.empty()) {
      std::map<std::string, std::string> fixes;
      for (const auto& w : plan.spell) {
        std::string s = db.get_spelling_suggestion(w, 2);
        if (!s.empty() && s != w) fixes[w] = s;
      }
      if (!fixes.empty()) result.suggestion = respell(fold(req.q), fixes);
      if (result.suggestion == fold(req.q)) result.suggestion.clear();
    }
    return result;
  });
}

std::vector<Hit> Service::lookup(const std::string& id, const std::string& locale, std::string* locale_used) {
  return with_db([&](Handle& h) {
    const std::string folded = fold(id);
    // A custom ID first; else an error code, in any of the forms it is pasted in.
    std::vector<Xapian::Query> codes;
    for (const std::string& form : code_forms(folded)) codes.emplace_back(schema::kCode + form);
    const std::vector<Xapian::Query> tries{
        Xapian::Query(schema::kCustomId + folded),
        codes.empty() ? Xapian::Query() : Xapian::Query(Xapian::Query::OP_OR, codes.begin(), codes.end())};
    for (const Xapian::Query& term : tries) {
      if (term.empty()) continue;
      for (const std::string& loc : chain(locale)) {
        std::vector<Hit> hits = lookup_in(*h.db, in_locale(term, loc), folded);
        if (hits.empty()) continue;
        if (locale_used) *locale_used = loc;
        return hits;
      }
    }
    return std::vector<Hit>{};
  });
}

std::shared_ptr<const TitleIndex> Service::titles(Handle& h) {
  const std::string revision = std::to_string(h.db->get_revision());
  std::lock_guard<std::mutex> lock(titles_mutex_);
  if (!titles_ || titles_->revision() != revision) titles_ = std::make_shared<const TitleIndex>(*h.db, revision);
  return titles_;
}

std::vector<Completion> Service::suggest(const std::string& q, const std::string& locale, size_t limit) {
  return with_db([&](Handle& h) {
    std::shared_ptr<const TitleIndex> index = titles(h);
    for (const std::string& loc : chain(locale)) {
      std::vector<Completion> out = index->complete(q, loc, limit);
      if (!out.empty()) return out;
    }
    return std::vector<Completion>{};
  });
}

std::optional<ArticleView> Service::article(const std::string& locale, const std::string& slug) {
  return with_db([&](Handle& h) -> std::optional<ArticleView> {
    const std::string term = schema::kKey + locale + "/" + slug;
    Xapian::PostingIterator it = h.db->postlist_begin(term);
    if (it == h.db->postlist_end(term)) return std::nullopt;
    const Xapian::Document doc = h.db->get_document(*it);
    ArticleView v;
    v.stored = read_stored(doc);
    v.html = render_html(stored_markdown(doc));
    return v;
  });
}

Health Service::health() {
  return with_db([&](Handle& h) {
    Health out;
    out.documents = h.db->get_doccount();
    out.revision = std::to_string(h.db->get_revision());
    out.fingerprint = h.db->get_metadata(schema::kMetaAnalyzer);
    for (auto t = h.db->allterms_begin(schema::kLocale); t != h.db->allterms_end(schema::kLocale); ++t)
      out.locales.push_back((*t).substr(1));
    return out;
  });
}

}  // namespace helpsearch
