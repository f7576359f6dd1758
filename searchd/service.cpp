#include "service.h"

#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <unordered_map>

#include "analyzer.h"
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
    const Analyzer& local = h.analyzer(req.locale.empty() ? "en" : language_of(req.locale));
    QueryBuilder builder(local, h.analyzer("en"), &synonyms_, &db);
    const QueryPlan plan = builder.build(req.q);
    if (plan.empty) return result;
    result.corrections = plan.corrections;
    if (!plan.corrections.empty()) result.corrected = respell(fold(req.q), plan.corrections);

    Xapian::Enquire enquire(db);
    std::unique_ptr<Xapian::Weight> weight(ranking_weight());
    enquire.set_weighting_scheme(*weight);
    Xapian::ValueCountMatchSpy spy(schema::kSlotLocale);
    const bool count_locales = req.facets && req.locale.empty();
    if (count_locales) enquire.add_matchspy(&spy);
    Xapian::MSet mset;
    for (const std::string& loc : plan.query.empty() ? std::vector<std::string>{} : chain(req.locale)) {
      enquire.set_query(in_locale(plan.query, loc));
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
    } else if (req.facets && result.total > 0) {
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
    std::vector<Hit> hits;
    const std::string folded = fold(id);
    const Xapian::Query term(schema::kCustomId + folded);
    for (const std::string& loc : chain(locale)) {
      Xapian::Enquire enquire(*h.db);
      enquire.set_query(in_locale(term, loc));
      enquire.set_weighting_scheme(Xapian::BoolWeight());
      Xapian::MSet mset = enquire.get_mset(0, h.db->get_doccount());
      if (mset.empty()) continue;
      if (locale_used) *locale_used = loc;
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
      for (auto& r : ranked) hits.push_back(std::move(r.second));
      break;
    }
    return hits;
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
