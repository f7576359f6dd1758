#include "service.h"

#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <filesystem>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "analyzer.h"
#include "codes.h"
#include "document.h"
#include "locales.h"
#include "markdown.h"
#include "query.h"
#include "schema.h"
#include "snippet.h"
#include "log.h"
#include "titles.h"

namespace helpsearch {
namespace {

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
    if (a.first.second != b.first.second) return a.first.second > b.first.second;  // newest first
    return a.second.key < b.second.key;  // then by key: shards number documents otherwise
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
  std::unique_ptr<Xapian::Database> db;  ///< every shard as one (parts.all)
  OpenIndex parts;                       ///< each shard, and the spelling data
  std::string folder;  ///< location_stamp() of the index when db was opened (a rebuild swaps folders)
  std::string uuid;  ///< db's UUID: with the revision, what caches are keyed on
  std::map<std::string, std::unique_ptr<Analyzer>> analyzers;

  const Analyzer& analyzer(const std::string& language) {
    auto& slot = analyzers[language];
    if (!slot) slot = std::make_unique<Analyzer>(language);
    return *slot;
  }
  std::string identity() const { return parts.identity(); }

  std::shared_ptr<const DocFactors> factors;  ///< db's ranking factors in memory, at factors_at
  std::pair<std::string, Xapian::rev> factors_at;
  /// The ranking factors of db as it is now, in memory; null over remote
  /// shards or several (see factors.h).
  const DocFactors* current_factors() {
    if (parts.shards.size() != 1 || parts.remote.at(0)) return nullptr;
    const std::pair<std::string, Xapian::rev> now{uuid, db->get_revision()};
    if (!factors || now != factors_at) {
      factors = std::make_shared<const DocFactors>(*db);
      factors_at = now;
    }
    return factors.get();
  }
};

/// A handle borrowed from the pool for one request.
struct Service::Lease {
  Service& service;
  std::unique_ptr<Handle> handle;
  explicit Lease(Service& s) : service(s), handle(s.checkout()) {}
  ~Lease() { service.checkin(std::move(handle)); }
};

namespace {

std::string folder_inode(const std::string& path) { return location_stamp(path); }

}  // namespace

Service::Service(ServiceConfig config) : config_(std::move(config)) {
  try {
    const OpenIndex index = open_index(spec(), config_.remote);
    const std::string stored = index.all.get_metadata(schema::kMetaAnalyzer);
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
  // Read the titles now, so that the first completion does not pay for it.
  try {
    with_db([&](Handle& h) { return titles(h) != nullptr; });
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("cannot read the index " + config_.db + ": " + e.get_description());
  }
}

Service::~Service() = default;

std::unique_ptr<Service::Handle> Service::checkout() {
  std::unique_lock<std::mutex> lock(pool_mutex_);
  for (;;) {
    // Prefer a handle with a database open: after a refused swap it is the
    // only kind that can serve.
    auto open = std::find_if(idle_.begin(), idle_.end(), [](const auto& h) { return h->db != nullptr; });
    if (open == idle_.end() && !idle_.empty()) open = idle_.begin();
    if (open != idle_.end()) {
      std::unique_ptr<Handle> h = std::move(*open);
      idle_.erase(open);
      return h;
    }
    // A new handle opens what is on disk now: not when that was refused and
    // the handles opened before it can serve (they are busy: wait a little).
    const bool refused_on_disk = !refused_folder_.empty() && folder_inode(config_.db) == refused_folder_;
    if (!refused_on_disk || handles_ == 0 ||
        pool_cv_.wait_for(lock, std::chrono::seconds(1)) == std::cv_status::timeout) {
      ++handles_;
      return std::make_unique<Handle>();
    }
  }
}

void Service::checkin(std::unique_ptr<Handle> h) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    idle_.push_back(std::move(h));
  }
  pool_cv_.notify_one();
}

void Service::refuse(const std::string& folder, const std::string& uuid, const std::string& fingerprint) {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (refused_folder_ == folder) return;  // logged and counted once
  refused_folder_ = folder;
  ++refused_;
  log_line("error: refused the new index in " + config_.db + " (uuid " + uuid + "): built with analyzer \"" +
           fingerprint + "\", this searchd uses \"" + Analyzer::fingerprint() +
           "\"; still serving the previous one. Rebuild it with helpsearch-index --rebuild");
}

/// Brings h up to date with the index on disk. A new database (another
/// folder swapped in by a rebuild, or another UUID) is taken only when its
/// analyzer fingerprint is this searchd's; otherwise h keeps the one it has.
void Service::refresh(Handle& h) {
  const std::string folder = folder_inode(config_.db);
  if (h.db && folder == h.folder) {
    h.db->reopen();
    if (h.db->get_uuid() == h.uuid) return;
    // Another database under the same name (replaced in place, or swapped
    // between the stat and the reopen): open it afresh, checked, below.
    h.db.reset();
  }
  if (h.db) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (folder == refused_folder_) return;  // keep serving the previous database
  }
  OpenIndex parts = open_index(spec(), config_.remote);
  auto db = std::make_unique<Xapian::Database>(parts.all);
  for (const Xapian::Database& shard : parts.shards) {
    const std::string stored = shard.get_metadata(schema::kMetaAnalyzer);
    if (stored == Analyzer::fingerprint()) continue;
    refuse(folder, shard.get_uuid(), stored);
    if (h.db) return;
    throw std::runtime_error("the index in " + config_.db + " was built with another analyzer");
  }
  h.db = std::move(db);  // closes the previous database's files
  h.parts = std::move(parts);
  h.folder = folder;
  h.uuid = h.db->get_uuid();
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (folder == current_folder_) return;
  if (!current_folder_.empty()) ++switched_;
  current_folder_ = folder;
  // Idle handles still hold the previous database's (deleted) files: close them now.
  for (auto& idle : idle_)
    if (idle->db && idle->folder != folder) idle->db.reset();
}

namespace {

/// Closes a handle's databases on another thread: closing a connection to a
/// shard that hangs waits for its timeout, which the request must not.
void drop_connections(Service::Handle& h) {
  std::thread([db = std::move(h.db), parts = std::move(h.parts)]() mutable {
    db.reset();
    parts = OpenIndex{};
  }).detach();
  h.db.reset();
  h.parts = OpenIndex{};
}

}  // namespace

template <class F>
auto Service::with_db(F&& f) -> decltype(f(std::declval<Handle&>())) {
  Lease lease(*this);
  Handle& h = *lease.handle;
  for (int attempt = 0;; ++attempt) {
    try {
      refresh(h);
      if (any_down_) shards_up();
      return f(h);
    } catch (const ShardUnavailable& e) {
      drop_connections(h);
      shard_down(e);
      throw;
    } catch (const Xapian::Error& e) {
      if (is_network_error(e)) {
        drop_connections(h);  // the next request connects afresh: a shard back is taken at once
        shard_failed(e);
      }
      // Retried after a reopen: the writer moved on under the reader
      // (DatabaseModifiedError, or a block reused under it, which reads as
      // DatabaseCorruptError), or a rebuild swapped folders meanwhile. A
      // real corruption fails every attempt and is a fault.
      const std::string type = e.get_type();
      const bool moved = type == "DatabaseModifiedError" || type == "DatabaseCorruptError";
      const bool swapped = h.db && folder_inode(config_.db) != h.folder;
      if (attempt >= 4 || (!moved && !swapped)) throw;
      if (swapped || type == "DatabaseCorruptError") h.db.reset();
    }
  }
}

std::vector<std::string> Service::default_locales(const std::string& q, const std::string& accept_language) {
  const std::vector<std::string> known = locales();
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

namespace {

/// The language a locale (or comma-joined locales, the first deciding) is searched in; fallback when "".
std::string language_of_locales(const std::string& locales, const std::string& fallback) {
  if (locales.empty()) return fallback;
  return language_of(locales.substr(0, locales.find(',')));
}

/// Whether every locale of a comma-joined list is written in English (its
/// articles are no translations and hold no English source); "" is all.
bool english_only(const std::string& locales) {
  if (locales.empty()) return false;
  const auto parts = split_nonempty(locales, ',');
  return std::all_of(parts.begin(), parts.end(), [](std::string_view l) { return language_of(std::string(l)) == "en"; });
}

/// Fills the "did you mean" of a result that found little.
void suggest_spelling(const Xapian::Database& db, const std::string& q, const QueryPlan& plan, SearchResult& result) {
  if (result.total >= 3 || !plan.corrections.empty() || plan.spell.empty()) return;
  std::map<std::string, std::string> fixes;
  for (const auto& w : plan.spell) {
    std::string s = db.get_spelling_suggestion(w, 2);
    if (!s.empty() && s != w) fixes[w] = s;
  }
  if (!fixes.empty()) result.suggestion = respell(fold(q), fixes);
  if (result.suggestion == fold(q)) result.suggestion.clear();
}

}  // namespace

std::vector<std::string> Service::tries(const SearchRequest& req) const {
  if (!req.locale.empty() || req.locales.empty()) return chain(req.locale);
  std::string set;
  for (const auto& l : req.locales) set += (set.empty() ? "" : ",") + l;
  return {set, ""};
}

SearchResult Service::search(const SearchRequest& req) {
  return with_db([&](Handle& h) {
    SearchResult result;
    Xapian::Database& db = *h.db;
    const std::vector<std::string> locales = tries(req);
    // Each locale of the chain is searched with its own language's analyzer:
    // a fr-FR query that falls back to en-US is stemmed as English there.
    const std::string first_language = language_of_locales(locales.front(), "en");
    std::string language;
    bool english_source = true;
    const Analyzer* local = nullptr;
    QueryPlan plan;
    Xapian::Enquire enquire(db);
    std::unique_ptr<Xapian::Weight> weight(ranking_weight());
    enquire.set_weighting_scheme(*weight);
    // Equal weights in the order of the articles' files, not of docids: a
    // database of shards numbers documents otherwise than a single one. (A
    // KeyMaker on locale and slug would be nicer; the remote backend of
    // Xapian 1.4 refuses any KeyMaker, a value slot it takes.)
    enquire.set_sort_by_relevance_then_value(schema::kSlotSourcePath, false);
    Xapian::ValueCountMatchSpy spy(schema::kSlotLocale);
    const bool count_locales = req.facets && req.locale.empty() && req.locales.empty();
    if (count_locales) enquire.add_matchspy(&spy);
    Xapian::MSet mset;
    for (const std::string& loc : locales) {
      const std::string l = language_of_locales(loc, first_language);
      if (!local || l != language || english_source == english_only(loc)) {
        language = l;
        english_source = !english_only(loc);
        local = &h.analyzer(language);
        plan = QueryBuilder(*local, h.analyzer("en"), &synonyms_, &db)
                   .factors(h.current_factors())
                   .english_source(english_source)
                   .spelling_source(&h.parts.spelling)
                   .build(req.q);
      }
      if (plan.empty) return result;
      if (plan.query.empty()) continue;  // nothing of it in the index in this language
      enquire.set_query(in_locales(plan.query, loc));
      mset = enquire.get_mset(req.offset, req.limit, std::max<Xapian::doccount>(req.offset + req.limit, 100));
      if (mset.get_matches_estimated() > 0) {
        result.locale_used = loc;
        break;
      }
    }
    result.corrections = plan.corrections;
    if (!plan.corrections.empty()) result.corrected = respell(fold(req.q), plan.corrections);
    result.total = mset.get_matches_estimated();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      StoredArticle a = read_stored(it.get_document());
      Hit hit = make_hit(a, score_of(it.get_weight()));
      hit.snippet = make_snippet(a.text, a.english, plan, *local);
      result.hits.push_back(std::move(hit));
    }
    if (count_locales) {
      for (auto v = spy.values_begin(); v != spy.values_end(); ++v) result.locale_facets[*v] = v.get_termfreq();
    } else if (req.facets && result.total > 0 && result.locale_used.find(',') == std::string::npos) {
      result.locale_facets[result.locale_used] = result.total;
    }
    suggest_spelling(h.parts.spelling, req.q, plan, result);
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
  // Keyed on UUID and revision: a rebuilt index starts again at revision 1.
  const std::string identity = h.identity();
  std::lock_guard<std::mutex> lock(titles_mutex_);
  if (!titles_ || titles_->revision() != identity) {
    titles_.reset();  // drop the old titles before reading the new ones
    titles_ = std::make_shared<const TitleIndex>(*h.db, identity);
  }
  titles_checked_ = std::chrono::steady_clock::now();
  return titles_;
}

std::shared_ptr<const TitleIndex> Service::titles() {
  {
    std::lock_guard<std::mutex> lock(titles_mutex_);
    if (titles_ && std::chrono::steady_clock::now() - titles_checked_ < kDerivedFresh) return titles_;
  }
  return with_db([&](Handle& h) { return titles(h); });
}

std::vector<Completion> Service::suggest(const std::string& q, const std::string& locale, size_t limit) {
  const std::shared_ptr<const TitleIndex> index = titles();
  for (const std::string& loc : chain(locale)) {
    std::vector<Completion> out = index->complete(q, loc, limit);
    if (!out.empty()) return out;
  }
  return {};
}

std::optional<ArticleView> Service::article(const std::string& locale, const std::string& slug) {
  return with_db([&](Handle& h) -> std::optional<ArticleView> {
    const std::string term = schema::kKey + locale + "/" + slug;
    Xapian::PostingIterator it = h.db->postlist_begin(term);
    if (it == h.db->postlist_end(term)) return std::nullopt;
    const Xapian::Document doc = h.db->get_document(*it);
    ArticleView v;
    v.stored = read_stored(doc);
    const std::string base = config_.media_base_url.empty() ? "/media" : config_.media_base_url;
    v.html = render_html(stored_markdown(doc), base + "/" + locale + "/");
    return v;
  });
}

Health Service::health() {
  try {
    return with_db([&](Handle& h) {
      Health out = index_health(h);
      for (size_t i = 0; i < h.parts.shards.size(); ++i)
        out.shards.push_back(shard_health(spec().shards.at(i).name, h.parts.shards[i], h.parts.remote[i]));
      return out;
    });
  } catch (const ShardUnavailable&) {
    Health out;
    out.ok = false;
    out.shards = probe_shards(spec(), config_.remote);
    for (const ShardHealth& s : out.shards) out.documents += s.documents;
    return out;
  }
}

Health Service::index_health(Handle& h) {
  {
    Health out;
    out.documents = h.db->get_doccount();
    out.uuid = h.uuid;
    out.revision = h.parts.shards.size() == 1 ? shard_revision(h.parts.shards[0], h.parts.remote[0]) : h.identity();
    out.fingerprint = h.db->get_metadata(schema::kMetaAnalyzer);
    for (auto t = h.db->allterms_begin(schema::kLocale); t != h.db->allterms_end(schema::kLocale); ++t)
      out.locales.push_back((*t).substr(1));
    return out;
  }
}

}  // namespace helpsearch

namespace helpsearch {

std::optional<std::string> Service::media_path(const std::string& locale, const std::string& file) {
  return with_db([&](Handle& h) -> std::optional<std::string> {
    const std::string identity = h.identity();
    std::lock_guard<std::mutex> lock(folders_mutex_);
    if (folders_identity_ != identity) {
      folders_.clear();
      std::map<Xapian::docid, std::string> locales;
      for (auto v = h.db->valuestream_begin(schema::kSlotLocale); v != h.db->valuestream_end(schema::kSlotLocale); ++v)
        locales[v.get_docid()] = *v;
      for (auto v = h.db->valuestream_begin(schema::kSlotSourcePath);
           v != h.db->valuestream_end(schema::kSlotSourcePath); ++v)
        folders_[locales[v.get_docid()]].insert(std::filesystem::path(*v).parent_path().string());
      folders_identity_ = identity;
    }
    auto it = folders_.find(locale);
    if (it == folders_.end()) return std::nullopt;
    for (const std::string& folder : it->second) {
      std::error_code ec;
      const std::string path = folder + "/media/" + file;
      if (std::filesystem::is_regular_file(path, ec)) return path;
    }
    return std::nullopt;
  });
}

std::vector<std::string> Service::locales() {
  {
    std::lock_guard<std::mutex> lock(locales_mutex_);
    if (!locales_identity_.empty() && std::chrono::steady_clock::now() - locales_checked_ < kDerivedFresh)
      return locales_;
  }
  return with_db([&](Handle& h) {
    const std::string identity = h.identity();
    std::lock_guard<std::mutex> lock(locales_mutex_);
    if (locales_identity_ != identity) {
      locales_.clear();
      for (auto t = h.db->allterms_begin(schema::kLocale); t != h.db->allterms_end(schema::kLocale); ++t)
        locales_.push_back((*t).substr(1));
      locales_identity_ = identity;
    }
    locales_checked_ = std::chrono::steady_clock::now();
    return locales_;
  });
}

bool Service::serves(const std::string& locale) {
  const std::vector<std::string> have = locales();
  std::vector<std::string> candidates = chain(locale);
  // Configured fallbacks are the operator's choice, en-US included; the
  // built-in chain's last resort en-US does not make a locale known.
  if (!config_.fallbacks.count(locale) && candidates.size() > 1 && candidates.back() == "en-US")
    candidates.pop_back();
  return std::any_of(candidates.begin(), candidates.end(),
                     [&](const std::string& c) { return std::binary_search(have.begin(), have.end(), c); });
}

}  // namespace helpsearch
