// Queries as people type them, over data/: the other Chinese script,
// questions, error codes as pasted, typos, absent words, unfinished words and
// searches with no locale. Each row: what is typed → the article expected first.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

#include "codes.h"
#include "filler.h"
#include "handlers.h"
#include "indexer.h"
#include "support.h"
#include "text.h"

using namespace helpsearch;
using json = nlohmann::json;

namespace {

struct Row {
  const char* q;
  const char* locale;  // "" = none given
  const char* first;   // expected first hit
};

class Client {
 public:
  Client() = default;
  explicit Client(const std::string& db) : service_{ServiceConfig{db, "", {}}} {}
  json search(const std::string& q, const std::string& locale, const std::string& accept_language = "") {
    Request req;
    req.params = {{"q", q}};
    if (!locale.empty()) req.params.emplace("locale", locale);
    req.accept_language = accept_language;
    Response res = get_search(ctx_, req);
    REQUIRE(res.status == 200);
    return json::parse(res.body);
  }
  std::string first(const Row& row) {
    json j = search(row.q, row.locale);
    return j["hits"].empty() ? "(nothing)" : j["hits"][0]["key"].get<std::string>();
  }
  Response lookup(const std::string& id, const std::string& locale) {
    Request req;
    req.captures = {id};
    if (!locale.empty()) req.params.emplace("locale", locale);
    return get_lookup(ctx_, req);
  }

 private:
  Service service_{ServiceConfig{test::sample_index(), test::source_dir() + "/data/synonyms.txt", {}}};
  Metrics metrics_;
  Context ctx_{service_, metrics_};
};

void check_rows(Client& c, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    INFO(row.q << " [" << row.locale << "]");
    CHECK(c.first(row) == row.first);
  }
}

/// A new index of the articles under dir/locale, as dir/db.
std::string index_folder(const std::string& dir, const std::string& locale) {
  IndexOptions opt;
  opt.db = dir + "/db";
  opt.sources = {dir + "/" + locale};
  std::ostringstream out, err;
  REQUIRE(run_index(opt, out, err, nullptr) == 0);
  return opt.db;
}

/// A new index of one locale's articles, each a title over one sentence: (slug, title) pairs.
std::string index_titles(const std::string& locale, const std::vector<std::pair<std::string, std::string>>& titles) {
  const std::string dir = test::temp_dir();
  for (const auto& [slug, title] : titles)
    test::write_file(dir + "/" + locale + "/" + slug + ".md", "---\ntitle: " + title + "\n---\n# " + title + "\n\nChoose Settings.\n");
  return index_folder(dir, locale);
}

}  // namespace

TEST_CASE("Traditional and Simplified Chinese fold to one form", "[queries]") {
  CHECK(fold("密碼重設") == "密码重设");
  CHECK(fold("应用程序") == "应用程序");
  CHECK(fold("パスワード認証") == "パスワード认证");  // Han folds whatever the language; kana stays
  Client c;
  check_rows(c, {
      {"重设密码", "zh-TW", "zh-TW/reset-password"},       // Simplified words, Traditional article
      {"应用程式密码", "zh-TW", "zh-TW/app-passwords"},
      {"重設忘記的密碼", "zh-CN", "zh-CN/reset-password"},  // Traditional words, Simplified article
      {"建立和使用應用密碼", "zh-CN", "zh-CN/app-passwords"},
  });
  // The snippet marks the match in the article's own script.
  json j = c.search("密码", "zh-TW");
  CHECK(j["hits"][0]["snippet"].get<std::string>().find("<mark>密碼</mark>") != std::string::npos);
}

TEST_CASE("question words never decide whether an article matches", "[queries]") {
  Client c;
  check_rows(c, {
      {"如何重置密码？", "zh-CN", "zh-CN/reset-password"},
      {"怎么创建应用密码", "zh-CN", "zh-CN/app-passwords"},
      {"重設密碼的方法", "zh-TW", "zh-TW/reset-password"},
      {"パスワードをリセットするにはどうすればよいですか", "ja-JP", "ja-JP/reset-password"},
      {"多要素認証をセットアップする方法", "ja-JP", "ja-JP/set-up-mfa"},
      {"How do I reset a forgotten password?", "en-US", "en-US/reset-password"},
      {"how to set up multi-factor authentication", "en-US", "en-US/set-up-mfa"},
      {"Wie kann ich ein vergessenes Kennwort zurücksetzen?", "de-DE", "de-DE/reset-password"},
      {"잊어버린 암호 재설정하는 방법", "ko-KR", "ko-KR/reset-password"},
      {"ฉันจะตั้งค่าการยืนยันแบบหลายปัจจัยได้อย่างไร", "th-TH", "th-TH/set-up-mfa"},
  });
  FillerWords ja("ja");
  const std::vector<Segment> segs = segment("パスワードをリセットするにはどうすればよいですか");
  REQUIRE(segs.size() == 1);
  auto [first, last] = ja.topic_span(segs[0]);
  std::string topic;
  for (size_t i = first; i < last; ++i) topic += segs[0].chars[i].text;
  CHECK(topic == "パスワードをリセット");
  CHECK(FillerWords("fr").is_filler_word("comment"));
  CHECK_FALSE(FillerWords("en").is_filler_word("comment"));  // a topic word in English
}

TEST_CASE("error codes are found however they are pasted", "[queries]") {
  CHECK(code_forms("0x80070005") == std::vector<std::string>{"0x80070005", "80070005"});
  CHECK(code_forms("80070005") == std::vector<std::string>{"80070005", "0x80070005"});
  CHECK(code_forms("aadsts50011") == std::vector<std::string>{"aadsts50011", "50011"});
  CHECK(code_forms("5.7.750") == std::vector<std::string>{"5.7.750"});
  CHECK(code_forms("password").empty());
  Client c;
  check_rows(c, {
      {"AADSTS50011", "ko-KR", "ko-KR/sharepoint-access-denied"},
      {"aadsts50011", "ko-KR", "ko-KR/sharepoint-access-denied"},
      {"AADSTS 50011", "ko-KR", "ko-KR/sharepoint-access-denied"},
      {"50011", "ko-KR", "ko-KR/sharepoint-access-denied"},
      {"0x80070005", "en-US", "en-US/onedrive-sync-errors"},
      {"80070005", "en-US", "en-US/onedrive-sync-errors"},
      {"0X80070005", "en-US", "en-US/onedrive-sync-errors"},
      {"Error 0x80070005", "en-US", "en-US/onedrive-sync-errors"},
      {"onedrive 80070005", "de-DE", "de-DE/onedrive-sync-errors"},
      {"5.7.750", "en-US", "en-US/message-delivery-failures"},
      {"error 5.7.750", "en-US", "en-US/message-delivery-failures"},
      {"5.7.750 outlook", "ja-JP", "ja-JP/message-delivery-failures"},
      // Beside words that other articles' titles hold, the code still decides.
      {"set up mfa 5.7.750", "en-US", "en-US/message-delivery-failures"},
      {"Kennwort zurücksetzen 80070005", "de-DE", "de-DE/onedrive-sync-errors"},
      {"アプリ パスワード 0x80070005", "ja-JP", "ja-JP/onedrive-sync-errors"},
      // A number that is a custom ID stays an ID among words.
      {"password 387", "en-US", "en-US/reset-password"},
  });
  Response r = c.lookup("0x80070005", "ja-JP");
  REQUIRE(r.status == 200);
  CHECK(json::parse(r.body)["hits"][0]["key"] == "ja-JP/onedrive-sync-errors");
  CHECK(c.lookup("80070005", "de-DE").status == 200);
}

TEST_CASE("a word in no article is corrected; a real word is left alone", "[queries]") {
  Client c;
  json typo = c.search("reset forgoten password", "en-US");
  CHECK(typo["corrected"] == "reset forgotten password");
  CHECK(typo["hits"][0]["key"] == "en-US/reset-password");
  json real = c.search("reset forgotten password", "en-US");
  CHECK(real["corrected"].is_null());
  CHECK(real["suggestion"].is_null());
  // A dropped accent: German stems fold umlauts already, so the word is found as written.
  json accent = c.search("Kennwort zurucksetzen", "de-DE");
  CHECK(accent["hits"][0]["key"] == "de-DE/reset-password");
  json kenwort = c.search("kenwort zurücksetzen", "de-DE");
  CHECK(kenwort["corrected"] == "kennwort zurücksetzen");
  CHECK(kenwort["hits"][0]["key"] == "de-DE/reset-password");
}

TEST_CASE("no cliff: one absent word answers like the query without it", "[queries]") {
  Client c;
  auto keys = [&](const std::string& q) {
    std::vector<std::string> out;
    const json j = c.search(q, "en-US");
    for (const auto& h : j["hits"]) out.push_back(h["key"]);
    return out;
  };
  CHECK(keys("app passwords qqxzvbnm ") == keys("app passwords "));
  // All words but one rare one still rank above an article with one common word.
  CHECK(keys("create app passwords multifactorization ")[0] == "en-US/app-passwords");
}

TEST_CASE("the unfinished last word is read as a prefix", "[queries]") {
  Client c;
  check_rows(c, {
      {"reset a forg", "en-US", "en-US/reset-password"},
      {"multi-factor auth", "en-US", "en-US/set-up-mfa"},
      {"パスワードのリ", "ja-JP", "ja-JP/reset-password"},
      {"重置忘", "zh-CN", "zh-CN/reset-password"},
      // One letter of the last word is enough to rank the title it begins.
      {"Set up m", "en-US", "en-US/set-up-mfa"},
      {"Reset a f", "en-US", "en-US/reset-password"},
      {"Outlook can't c", "en-US", "en-US/outlook-cannot-connect"},
      {"OneDrive sync errors 0", "en-US", "en-US/onedrive-sync-errors"},
  });
}

TEST_CASE("suggestions never repeat a title", "[queries]") {
  const std::string db = index_titles("en-US", {{"rename-a-site", "Rename a site"},
                                                {"rename-a-site-classic", "Rename a site"},
                                                {"rename-a-team", "Rename a team"}});
  Service service{ServiceConfig{db, "", {}}};
  std::string keys;
  for (const Completion& c : service.suggest("rena", "en-US", 8)) keys += c.key + " ";
  CHECK(keys == "en-US/rename-a-site en-US/rename-a-team ");
}

TEST_CASE("suggestions find a run anywhere in a title, by its character pairs", "[queries]") {
  const std::string db = index_titles("ja-JP", {{"app-passwords", "Outlook のアプリ パスワードを作成する"},
                                                {"mfa", "多要素認証をセットアップする"},
                                                {"passwords", "パスワードをリセットする"}});
  Service service{ServiceConfig{db, "", {}}};
  auto keys = [&](const std::string& q) {
    std::string k;
    for (const Completion& c : service.suggest(q, "ja-JP", 8)) k += c.key + " ";
    return k;
  };
  CHECK(keys("パスワードをリ") == "ja-JP/passwords ");
  CHECK(keys("パスワードを") == "ja-JP/passwords ja-JP/app-passwords ");  // the title that starts with it first
  CHECK(keys("認証を") == "ja-JP/mfa ");                                   // inside a title
  CHECK(keys("outlook アプリ") == "ja-JP/app-passwords ");                 // a word and a run
  CHECK(keys("多") == "ja-JP/mfa ");                                        // one character: every title looked at
  CHECK(keys("認証パスワード").empty());                                     // pairs of two titles, in none
}

TEST_CASE("no locale: Accept-Language, else the query's script, else en-US", "[queries]") {
  CHECK(query_script("パスワード") == "ja");
  CHECK(query_script("密码") == "zh");
  CHECK(query_script("암호") == "ko");
  CHECK(query_script("รหัสผ่าน") == "th");
  CHECK(query_script("password") == "latin");
  Client c;
  const json none = c.search("password", "");
  for (const auto& h : none["hits"]) CHECK(h["locale"] == "en-US");
  CHECK(c.search("Kennwort", "", "de-CH,de;q=0.9,en;q=0.5")["hits"][0]["locale"] == "de-DE");
  CHECK(c.search("암호 재설정", "")["hits"][0]["locale"] == "ko-KR");
  CHECK(c.search("รหัสผ่าน", "")["hits"][0]["locale"] == "th-TH");
  json all = c.search("password", "all");
  std::set<std::string> locales;
  for (const auto& h : all["hits"]) locales.insert(h["locale"]);
  CHECK(locales.size() > 1);
}

TEST_CASE("a page listing other articles' titles does not outrank the article a title query means", "[queries]") {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/en-US/shared-calendar-permissions.md",
                   "---\ntitle: Change permissions on a shared calendar\n---\n"
                   "# Change permissions on a shared calendar\n\nOpen the calendar, choose Sharing and set who may edit.\n");
  std::string list = "---\ntitle: Content updates\n---\n# Content updates\n\n| Published | Title |\n|---|---|\n";
  const char* topics[] = {"mailbox", "calendar", "permissions", "shared", "change", "sharing", "license", "sync"};
  for (int i = 0; i < 600; ++i) {
    list += "| 7/" + std::to_string(i % 28 + 1) + "/2019 | [" + topics[i % 8] + " " + topics[(i + 3) % 8] + " " +
            topics[(i + 5) % 8] + " notes " + std::to_string(i) + "](article-" + std::to_string(i) + ".md) |\n";
  }
  list += "| 8/1/2019 | [Change permissions on a shared calendar](shared-calendar-permissions.md) |\n";
  test::write_file(dir + "/en-US/content-updates.md", list);
  Client c(index_folder(dir, "en-US"));
  // Reworded: the words swapped and one left out.
  json j = c.search("shared calendar change permissions", "en-US");
  REQUIRE_FALSE(j["hits"].empty());
  CHECK(j["hits"][0]["key"] == "en-US/shared-calendar-permissions");
  json k = c.search("permissions calendar", "en-US");
  CHECK(k["hits"][0]["key"] == "en-US/shared-calendar-permissions");
}

TEST_CASE("a front matter title unlike the H1 is text, not a title that takes another article's query", "[queries]") {
  const std::string dir = test::temp_dir();
  test::write_file(dir + "/en-US/close-desktop-analytics-account.md",
                   "---\ntitle: Close your Desktop Analytics account\n---\n# Close your Desktop Analytics account\n\n"
                   "Go to the portal, choose Settings and close the account.\n");
  // Its front matter title copied from the article above, as happens.
  test::write_file(dir + "/en-US/working-with-desktop-analytics.md",
                   "---\ntitle: Close your Desktop Analytics account\n---\n# Working with Desktop Analytics\n\n"
                   "Desktop Analytics shows your devices. Your account settings close the portal tour.\n");
  // The H1 is the one copied here; the front matter title is still found.
  test::write_file(dir + "/en-US/set-up-spf.md",
                   "---\ntitle: Set up SPF in Microsoft 365\n---\n# Set passwords to never expire\n\n"
                   "Add a TXT record for your domain.\n");
  Client c(index_folder(dir, "en-US"));
  for (const char* q : {"Close your Desktop Analytics account", "your Desktop Analytics account close",
                        "close Desktop Analytics account", "Close your Desktop Anal"}) {
    INFO(q);
    json j = c.search(q, "en-US");
    REQUIRE(j["hits"].size() >= 2);
    CHECK(j["hits"][0]["key"] == "en-US/close-desktop-analytics-account");
  }
  json spf = c.search("Set up SPF in Microsoft 365", "en-US");
  REQUIRE_FALSE(spf["hits"].empty());
  CHECK(spf["hits"][0]["key"] == "en-US/set-up-spf");
}
