// searchd's handlers, called without sockets: request struct in, response out.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <xapian.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "handlers.h"
#include "indexer.h"
#include "support.h"

using namespace helpsearch;
using json = nlohmann::json;

namespace {

struct Fixture {
  Service service{ServiceConfig{test::sample_index(), test::source_dir() + "/data/synonyms.txt", {}}};
  Metrics metrics;
  Context ctx{service, metrics};

  Response call(const std::string& path, const std::multimap<std::string, std::string>& params = {}) {
    for (const Route& r : routes()) {
      std::smatch m;
      if (std::regex_match(path, m, std::regex(r.pattern))) {
        Request req;
        req.path = path;
        req.params = params;
        for (size_t i = 1; i < m.size(); ++i) req.captures.push_back(m[i].str());
        Response res = r.handler(ctx, req);
        metrics.observe(r.name, res.status, 0.001);
        return res;
      }
    }
    return error_response(404, "not_found", "no route");
  }
  json get(const std::string& path, const std::multimap<std::string, std::string>& params = {},
           int status = 200) {
    Response r = call(path, params);
    INFO(path << " " << r.body);
    CHECK(r.status == status);
    return json::parse(r.body);
  }
  std::vector<std::string> keys(const json& j) {
    std::vector<std::string> out;
    for (const auto& h : j["hits"]) out.push_back(h["key"]);
    return out;
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "search in zh-TW returns only zh-TW hits", "[searchd]") {
  json j = get("/v1/search", {{"q", "密碼"}, {"locale", "zh_tw"}});
  CHECK(j["locale"] == "zh-TW");
  REQUIRE_FALSE(j["hits"].empty());
  for (const auto& k : keys(j)) CHECK(k.rfind("zh-TW/", 0) == 0);
  CHECK(j["facets"]["locale"].contains("zh-TW"));
  CHECK(j["took_ms"].is_number());
  const json& hit = j["hits"][0];
  for (const char* field : {"key", "locale", "slug", "title", "ids", "score", "snippet"}) CHECK(hit.contains(field));
}

TEST_CASE_METHOD(Fixture, "CJK substrings, error codes and IDs typed in the box", "[searchd]") {
  CHECK(keys(get("/v1/search", {{"q", "国際空港"}, {"locale", "ja"}}))[0] == "ja-JP/reset-password");
  CHECK(keys(get("/v1/search", {{"q", "0x8004de40"}, {"locale", "de-DE"}}))[0] == "de-DE/onedrive-sync-errors");
  CHECK(keys(get("/v1/search", {{"q", "AADSTS50011"}, {"locale", "ko-KR"}}))[0] == "ko-KR/sharepoint-access-denied");
  CHECK(keys(get("/v1/search", {{"q", "500"}, {"locale", "th-TH"}}))[0] == "th-TH/app-passwords");
  // The full-width form in the ja-JP article matches the ASCII code typed.
  CHECK(keys(get("/v1/search", {{"q", "0x80070005"}, {"locale", "ja-JP"}}))[0] == "ja-JP/onedrive-sync-errors");
}

TEST_CASE_METHOD(Fixture, "snippets mark matches, escape HTML, and keep sxs English out", "[searchd]") {
  json j = get("/v1/search", {{"q", "密碼"}, {"locale", "zh-TW"}});
  const std::string snippet = j["hits"][0]["snippet"];
  CHECK(snippet.find("<mark>密碼</mark>") != std::string::npos);
  CHECK(snippet.find("password") == std::string::npos);
  json s = get("/v1/search", {{"q", "signature"}, {"locale", "en-US"}});
  bool escaped = false;
  for (const auto& h : s["hits"]) {
    const std::string t = h["snippet"];
    CHECK(t.find("<script") == std::string::npos);
    if (h["key"] == "en-US/script-tag-title") escaped = true;
  }
  CHECK(escaped);
  // Matched only in the English source: the English passage is shown.
  json x = get("/v1/search", {{"q", "forgotten"}, {"locale", "zh-TW"}});
  CHECK(keys(x)[0] == "zh-TW/reset-password");
  CHECK(x["hits"][0]["snippet"].get<std::string>().find("<mark>forgotten</mark>") != std::string::npos);
}

TEST_CASE_METHOD(Fixture, "query syntax: phrases, exclusions, title:, id:", "[searchd]") {
  json phrase = get("/v1/search", {{"q", "\"forgotten password\""}, {"locale", "en-US"}});
  CHECK(keys(phrase)[0] == "en-US/reset-password");
  json excl = get("/v1/search", {{"q", "password -forgotten"}, {"locale", "en-US"}});
  for (const auto& k : keys(excl)) CHECK(k != "en-US/reset-password");
  json title = get("/v1/search", {{"q", "title:connect"}, {"locale", "en-US"}});
  CHECK(keys(title) == std::vector<std::string>{"en-US/outlook-cannot-connect"});
  json id = get("/v1/search", {{"q", "id:387"}, {"locale", "de-DE"}});
  CHECK(id["hits"].size() == 3);
  std::string long_run, many_words;
  for (int i = 0; i < 400; ++i) long_run += "設";
  for (int i = 0; i < 300; ++i) many_words += "設 ";
  for (const std::string& q : std::vector<std::string>{"\"unclosed", "-", "title:", "id:", "((", "\"\"", "-\"x", "AND OR NOT", "*", "-a -b",
                              "id:\"\"", "title:\"\"", long_run}) {
    Response r = call("/v1/search", {{"q", q}, {"locale", "en-US"}});
    INFO(q);
    CHECK(r.status == 200);
  }
  // More words than a query may have is a 400 naming the limit.
  Response many = call("/v1/search", {{"q", many_words}, {"locale", "en-US"}});
  CHECK(many.status == 400);
  CHECK(json::parse(many.body)["error"]["message"] == "q has more than 32 words");
}

TEST_CASE_METHOD(Fixture, "locale fallback and did-you-mean", "[searchd]") {
  json hk = get("/v1/search", {{"q", "信箱"}, {"locale", "zh-HK"}});
  CHECK(hk["locale_used"] == "zh-TW");
  json at = get("/v1/search", {{"q", "password"}, {"locale", "de-AT"}});
  CHECK(at["locale_used"] == "de-DE");
  // A locale with no articles of its own or of its fallbacks is refused, not served as en-US.
  for (const char* unknown : {"fr-FR", "xx-YY", "el"}) {
    json e = get("/v1/search", {{"q", "password"}, {"locale", unknown}}, 400);
    CHECK(e["error"]["code"] == "unknown_locale");
    CHECK(e["error"]["message"].get<std::string>().find("known locales: de-DE, en-US, ja-JP") != std::string::npos);
  }
  CHECK(get("/v1/search", {{"q", "password"}, {"locale", "all"}})["total"] > 7);
  // A word in no article is searched as its correction, and said so.
  json typo = get("/v1/search", {{"q", "pasword"}, {"locale", "en-US"}});
  CHECK(typo["corrected"] == "password");
  CHECK(typo["suggestion"].is_null());
  CHECK_FALSE(typo["hits"].empty());
}

TEST_CASE_METHOD(Fixture, "synonyms widen a query", "[searchd]") {
  CHECK(keys(get("/v1/search", {{"q", "two-step verification"}, {"locale", "en-US"}}))[0] == "en-US/set-up-mfa");
}

TEST_CASE_METHOD(Fixture, "lookup by custom ID", "[searchd]") {
  json j = get("/v1/lookup/387", {{"locale", "ko-KR"}});
  CHECK(j["hits"].size() == 3);
  for (const auto& k : keys(j)) CHECK(k.rfind("ko-KR/", 0) == 0);
  json all = get("/v1/lookup/500");
  CHECK(all["hits"].size() == 7);
  json none = get("/v1/lookup/999999", {}, 404);
  CHECK(none["error"]["code"] == "not_found");
}

TEST_CASE_METHOD(Fixture, "suggest completes titles, CJK too", "[searchd]") {
  json en = get("/v1/suggest", {{"q", "reset a forg"}, {"locale", "en-US"}});
  REQUIRE_FALSE(en["suggestions"].empty());
  CHECK(en["suggestions"][0]["key"] == "en-US/reset-password");
  json ja = get("/v1/suggest", {{"q", "パスワ"}, {"locale", "ja-JP"}});
  REQUIRE_FALSE(ja["suggestions"].empty());
  CHECK(ja["suggestions"][0]["key"] == "ja-JP/app-passwords");
}

TEST_CASE_METHOD(Fixture, "articles render without the sxs English", "[searchd]") {
  json a = get("/v1/articles/ja-JP/app-passwords");
  CHECK(a["title"] == "アプリ パスワード");
  const std::string html = a["html"];
  CHECK(html.find("<h1>") != std::string::npos);
  CHECK(html.find("sxs-lookup") == std::string::npos);
  CHECK(html.find("An app password") == std::string::npos);
  get("/v1/articles/ja-JP/no-such-article", {}, 404);
}

TEST_CASE_METHOD(Fixture, "bad input is a 4xx JSON error, never a crash", "[searchd]") {
  struct Case {
    std::multimap<std::string, std::string> params;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{{"q", "x"}, {"limit", "0"}}, "invalid_limit"},
      {{{"q", "x"}, {"limit", "101"}}, "invalid_limit"},
      {{{"q", "x"}, {"limit", "ten"}}, "invalid_limit"},
      {{{"q", "x"}, {"offset", "-1"}}, "invalid_offset"},
      {{{"q", ""}}, "missing_query"},
      {{{"q", "   "}}, "missing_query"},
      {{}, "missing_query"},
      {{{"q", std::string(1001, 'a')}}, "query_too_long"},
      {{{"q", "bad \xFF utf8"}}, "invalid_utf8"},
      {{{"q", "x"}, {"locale", "klingon!"}}, "unknown_locale"},
  };
  for (const auto& c : cases) {
    Response r = call("/v1/search", c.params);
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["code"] == c.code);
  }
  CHECK(call("/v1/nope").status == 404);
}

TEST_CASE_METHOD(Fixture, "healthz, metrics and the OpenAPI document", "[searchd]") {
  json h = get("/healthz");
  CHECK(h["documents"] == 43);
  CHECK_FALSE(h["analyzer"].get<std::string>().empty());
  get("/v1/search", {{"q", "zzzzqqq"}});
  Response m = call("/metrics");
  CHECK(m.body.find("helpsearch_requests_total{endpoint=\"search\",status=\"200\"}") != std::string::npos);
  CHECK(m.body.find("helpsearch_zero_result_searches_total 1") != std::string::npos);
  CHECK(m.body.find("helpsearch_request_duration_seconds_bucket") != std::string::npos);
  json api = get("/v1/openapi.json");
  CHECK(api["openapi"] == "3.1.0");
  for (const Route& r : routes()) {
    INFO(r.openapi);
    CHECK(api["paths"].contains(r.openapi));
    CHECK(api["paths"][r.openapi].contains("get"));
  }
  CHECK(api["paths"].size() == routes().size());
}

TEST_CASE("searchd refuses an index built with another analyzer", "[searchd]") {
  const std::string db = test::temp_dir() + "/db";
  {
    Xapian::WritableDatabase w(db, Xapian::DB_CREATE);
    w.set_metadata("helpsearch.analyzer", "helpsearch-analyzer/0");
    w.commit();
  }
  try {
    Service s(ServiceConfig{db, "", {}});
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("--rebuild") != std::string::npos);
  }
  CHECK_THROWS_AS(Service(ServiceConfig{test::temp_dir() + "/missing", "", {}}), std::runtime_error);
}

TEST_CASE_METHOD(Fixture, "random queries never fail the daemon", "[searchd]") {
  // Pieces people type, and pieces they do not, mixed at random (fixed seed).
  const std::vector<std::string> pieces = {
      "\"", "-", "title:", "id:", " ", "　", "パスワード", "密碼", "ＭＦＡ", "0x80070005", "5.7.750", "*", "(",
      ")", "ก", "ั", "่", "한", "\xCC\x81", "\xE2\x80\x8B", "\\", "'", "’", "&", "<mark>", "%", "500", "a",
      "multi-factor", "\t", "🙂", "ｱﾌﾟﾘ", "ﾟ", "\xEF\xBB\xBF", "AND", "-\"", "id:\"", "title:\"x"};
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  for (int i = 0; i < 400; ++i) {
    std::string q;
    const int n = 1 + static_cast<int>(next() % 12);
    for (int k = 0; k < n; ++k) q += pieces[next() % pieces.size()];
    const char* locales[] = {"", "ja-JP", "th", "zh_tw", "en"};
    Response r = call("/v1/search", {{"q", q}, {"locale", locales[next() % 5]}});
    INFO(q);
    REQUIRE((r.status == 200 || r.status == 400));
    Response s = call("/v1/suggest", {{"q", q}});
    REQUIRE((s.status == 200 || s.status == 400));
  }
}

namespace {

/// Index files of db that this process holds open after they were deleted.
int deleted_files_open(const std::string& db) {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind(db, 0) == 0 && target.find("(deleted)") != std::string::npos) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a rebuilt index is a new database: new titles, fingerprint checked, old files closed", "[searchd]") {
  namespace fs = std::filesystem;
  const std::string root = test::temp_dir();
  fs::copy(test::source_dir() + "/data", root + "/data", fs::copy_options::recursive);
  IndexOptions opt;
  opt.db = root + "/db";
  opt.sources = {root + "/data"};
  std::ostringstream out, err;
  REQUIRE(run_index(opt, out, err) == kExitOk);
  Service service(ServiceConfig{opt.db, "", {}});
  const Health first = service.health();
  CHECK(service.suggest("reset a forg", "en-US", 8).size() == 1);

  // The rebuild starts again at the same revision: titles must still be re-read.
  test::write_file(root + "/data/en-US/reset-password.md", "---\ntitle: Recover a wombat account\n---\n# Recover a wombat account\n\nbody\n");
  opt.rebuild = true;
  REQUIRE(run_index(opt, out, err) == kExitOk);
  const Health second = service.health();
  CHECK(second.revision == first.revision);
  CHECK(second.uuid != first.uuid);
  CHECK(service.suggest("reset a forg", "en-US", 8).empty());
  REQUIRE(service.suggest("recover a wom", "en-US", 8).size() == 1);
  CHECK(deleted_files_open(opt.db) == 0);
  CHECK(service.index_events().switched == 1);

  // An index built with another analyzer is swapped in: refused, the previous one keeps serving.
  const std::string other = root + "/other";
  {
    Xapian::WritableDatabase w(other, Xapian::DB_CREATE);
    w.set_metadata("helpsearch.analyzer", "helpsearch-analyzer/0");
    w.add_document(Xapian::Document());
    w.commit();
  }
  fs::rename(opt.db, root + "/old");
  fs::rename(other, opt.db);
  CHECK(service.suggest("recover a wom", "en-US", 8).size() == 1);
  CHECK(service.health().uuid == second.uuid);
  CHECK(service.index_events().refused == 1);
  CHECK(service.index_events().switched == 1);
}
