// The analyzer: segmentation, folding, n-gram terms and substring matching.
#include <catch2/catch.hpp>
#include <xapian.h>

#include <chrono>

#include "analyzer.h"
#include "factors.h"
#include "locales.h"
#include "query.h"
#include "synonyms.h"
#include "schema.h"
#include "text.h"

using namespace helpsearch;

namespace {

/// Words as they are, runs of scripts without spaces in [brackets].
std::string describe(const std::string& text) {
  std::string out;
  for (const Segment& s : segment(text)) {
    if (!out.empty()) out += ' ';
    out += s.kind == Segment::kRun ? "[" + s.norm + "]" : s.norm;
  }
  return out;
}

/// Terms with a prefix of an indexed text as "term@pos" in position order.
std::string terms_of(const std::string& text, const std::string& language = "en") {
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  Analyzer(language).index(doc, text, Field::kBody, pos);
  std::vector<std::pair<Xapian::termpos, std::string>> all;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) all.emplace_back(*p, *t);
    if (t.positionlist_count() == 0) all.emplace_back(0, *t);
  }
  std::sort(all.begin(), all.end());
  std::string out;
  for (const auto& [p, term] : all) out += (out.empty() ? "" : " ") + term + "@" + std::to_string(p);
  return out;
}

/// Does a query typed by a user match a document holding text?
bool matches(const std::string& text, const std::string& query, const std::string& language = "ja") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  Analyzer local(language), english("en");
  local.index(doc, text, Field::kBody, pos);
  db.add_document(doc);
  QueryBuilder builder(local, english, nullptr, &db);
  Xapian::Enquire enquire(db);
  enquire.set_query(builder.build(query).query);
  return enquire.get_mset(0, 10).size() == 1;
}

}  // namespace

TEST_CASE("segmentation and folding, by script", "[analyzer]") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"Hello, World!", "hello world"},
      {"ＭＦＡ と Ｏｕｔｌｏｏｋ", "mfa [と] outlook"},
      {"関西国際空港", "[关西国际空港]"},  // Han folds to Simplified
      {"測試工具箱", "[测试工具箱]"},
      {"Outlook的MFA設定", "outlook [的] mfa [设定]"},
      {"アプリ パスワード", "[アプリ] [パスワード]"},
      {"ｱﾌﾟﾘ", "[アプリ]"},
      {"Office 365 の管理センター", "office 365 [の管理センター]"},
      {"다단계 인증을 설정", "[다단계] [인증을] [설정]"},
      {"การยืนยันแบบหลายปัจจัย", "[การยืนยันแบบหลายปัจจัย]"},
      {"Fehler 0x80070005 beim Öffnen", "fehler 0x80070005 beim öffnen"},
      {"AADSTS50011 und 0x8004DE40", "aadsts50011 und 0x8004de40"},
      {"NDR 550 5.7.1 or 5.7.750.", "ndr 550 5.7.1 or 5.7.750"},
      {"KB4023057を適用", "kb4023057 [を适用]"},
      {"０ｘ８００７０００５", "0x80070005"},
      {"multi-factor authentication", "multi factor authentication"},
      {"", ""},
      {"!!! ... ???", ""},
  };
  for (const auto& [text, expected] : table) {
    INFO(text);
    CHECK(describe(text) == expected);
  }
}

TEST_CASE("runs taken whole segment as the analyzer does, without the dictionary words", "[analyzer]") {
  // What the snippets segment with: the same segments and spans, only each
  // run's ICU dictionary words are not looked for.
  auto shown = [](const std::vector<Segment>& segs) {
    std::string out;
    for (const Segment& s : segs) {
      out += (s.kind == Segment::kWord ? "w " : "r ") + s.norm + " " + std::to_string(s.begin) + "-" +
             std::to_string(s.end) + (s.glued ? "g" : "") + ":";
      for (const RunChar& c : s.chars) out += " " + c.text + "@" + std::to_string(c.begin) + "-" + std::to_string(c.end);
      out += "\n";
    }
    return out;
  };
  std::string long_mixed;
  for (int i = 0; i < 60; ++i) long_mixed += "Outlook の設定を確認します。https://support.microsoft.com/help ";
  for (const std::string& text : std::vector<std::string>{
           "Outlook的MFA設定", "Office 365 の管理センター", "パスワードをリセットする", "ｱﾌﾟﾘ ﾊﾟｽﾜｰﾄﾞ", "ア゠イ",
           "_コストの管理と課金_ を検索します", "青色の\u202Fリンク", "다단계 인증을 설정123", "漢字한국어", "การยืนยันแบบหลายปัจจัยฯ ๑๒๓", "ข้อมูลสำหรับผู้ใช้",
           "ພາສາລາວ", "ភាសាខ្មែរ", "မြန်မာဘာသာ", "費用ˋ?", "e\u0301漢字", "KB4023057を適用", "々〆〇 人々", "「設定」・「表示」",
           "ㄅㄆㄇ注音", long_mixed}) {
    INFO(text);
    CHECK(shown(segment_runs_whole(text)) == shown(segment(text)));
  }
}

TEST_CASE("runs without spaces become positional unigrams and bigrams", "[analyzer]") {
  CHECK(terms_of("空港") == "空@1 空港@1 港@2");
  CHECK(terms_of("関西国際空港", "ja") == "关@1 关西@1 西@2 西国@2 国@3 国际@3 际@4 际空@4 空@5 空港@5 港@6");
  CHECK(terms_of("パスワード", "ja") == "XWパスワード@0 パ@1 パス@1 ス@2 スワ@2 ワ@3 ワー@3 ー@4 ード@4 ド@5");
  CHECK(terms_of("Passwords expire", "en") == "Zexpir@0 Zpassword@0 passwords@1 expire@2");
  CHECK(terms_of("5.7.750 error", "de") == "XE5.7.750@0 Zerror@0 5.7.750@1 error@2");
}

TEST_CASE("any substring a user types finds the text", "[analyzer]") {
  CHECK(matches("関西国際空港に行く", "空港"));
  CHECK(matches("関西国際空港に行く", "国際空"));
  CHECK(matches("関西国際空港に行く", "港"));
  CHECK_FALSE(matches("関西国際空港に行く", "空国"));
  CHECK(matches("測試工具箱", "工具", "zh"));
  CHECK(matches("信箱已滿：無法傳送", "已滿", "zh"));
  CHECK(matches("비밀번호를 재설정", "비밀번호", "ko"));
  CHECK(matches("การยืนยันแบบหลายปัจจัย", "หลายปัจจัย", "th"));
  CHECK(matches("ＭＦＡを設定", "mfa"));
  CHECK(matches("アプリパスワード", "アプリ パスワード"));
  CHECK(matches("Error 0x80070005 occurred", "0X80070005", "en"));
  CHECK(matches("NDR 550 5.7.1 was returned", "550 5.7.1", "en"));
}

TEST_CASE("stemming by language", "[analyzer]") {
  CHECK(Analyzer("en").stem("passwords") == "password");
  CHECK(Analyzer("de").stem("kennwörter") == "kennwort");
  CHECK(Analyzer("fr").stem("connexions") == "connex");
  CHECK(Analyzer("ja").stem("passwords").empty());
  CHECK(Analyzer("en").stem("0x80070005").empty());
}

TEST_CASE("a language whose stemmer this Xapian lacks is analyzed unstemmed", "[analyzer]") {
  // The table names "greek", which Xapian 1.4 does not have: no exception, no stems.
  const Analyzer greek("el");
  CHECK_FALSE(greek.stems());
  CHECK(greek.stem("κωδικός").empty());
  CHECK(terms_of("Κωδικός πρόσβασης", "el") == "κωδικόσ@1 πρόσβασησ@2");
  CHECK(Analyzer("xx").stem("words").empty());
  CHECK(Analyzer("en").stems());
  CHECK_FALSE(needs_stemmer("ja"));
  CHECK(needs_stemmer("el"));
}

TEST_CASE("a phrase of a run's bigrams is exactly adjacent", "[analyzer]") {
  // 国際空 is 国際 then 際空 at the next position: 国際際空港 holds both, a position apart too many.
  CHECK(matches("国際空港", "\"国際空\""));
  CHECK_FALSE(matches("国際際空港", "\"国際空\""));
  CHECK_FALSE(matches("国際の空港", "\"国際空\""));
  CHECK(matches("xx 国際空港", "\"xx 国際空\""));
  CHECK_FALSE(matches("xx 国際際空港", "\"xx 国際空\""));
  // Unquoted, the substring as written ranks above the pairs apart.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Analyzer ja("ja"), en("en");
  for (const char* text : {"国際際空港", "国際空港"}) {
    Xapian::Document doc;
    Xapian::termpos pos = 1;
    ja.index(doc, text, Field::kBody, pos);
    doc.set_data(text);
    db.add_document(doc);
  }
  Xapian::Enquire enquire(db);
  enquire.set_query(QueryBuilder(ja, en, nullptr, &db).build("国際空").query);
  const Xapian::MSet mset = enquire.get_mset(0, 10);
  REQUIRE(mset.size() == 2);
  CHECK(mset.begin().get_document().get_data() == "国際空港");
}

TEST_CASE("ICU failures are exceptions naming the call, never undefined behaviour", "[analyzer]") {
  CHECK_NOTHROW(check_icu(0, "x"));   // U_ZERO_ERROR
  CHECK_NOTHROW(check_icu(-128, "x"));  // a warning (U_USING_FALLBACK_WARNING)
  try {
    check_icu(7, "BreakIterator::setText");  // U_MEMORY_ALLOCATION_ERROR
    FAIL("no exception");
  } catch (const IcuError& e) {
    CHECK(std::string(e.what()) == "ICU BreakIterator::setText failed: U_MEMORY_ALLOCATION_ERROR");
  }
}

TEST_CASE("very long runs are segmented quickly and stay one run", "[analyzer]") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "測";
  const auto start = std::chrono::steady_clock::now();
  std::vector<Segment> segs = segment(text);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(segs.size() == 1);
  CHECK(segs[0].chars.size() == 20000);
  CHECK(secs < 2.0);
}

TEST_CASE("title keys and fingerprint", "[analyzer]") {
  CHECK(title_key("Outlook の ＭＦＡ") == "outlook の mfa");
  CHECK(title_key("Reset a   forgotten password!") == title_key("reset a forgotten password"));
  std::string huge(600, 'a');
  CHECK(title_key(huge).size() <= schema::kMaxTermBytes);
  // Every version that decides which terms text becomes is in the fingerprint.
  const std::string fp = Analyzer::fingerprint();
  CHECK(fp.rfind("helpsearch-analyzer/", 0) == 0);
  for (const std::string& part : std::vector<std::string>{std::string(" schema/") + schema::kSchemaVersion + " ", " icu/" + icu_version() + " ",
                                 " xapian/" + std::string(Xapian::version_string()) + " ", " ngram/1-2 ",
                                 " dictword/3 ", " han/Hant-Hans ", " codes/1"}) {
    INFO(part);
    CHECK(fp.find(part) != std::string::npos);
  }
  CHECK(Analyzer::fingerprint() == fp);
}

TEST_CASE("invalid UTF-8 is found and replaced", "[analyzer]") {
  CHECK(invalid_utf8_offset("abc") == std::string::npos);
  CHECK(invalid_utf8_offset("ab\xFF") == 2);
  CHECK(sanitize_utf8("a\xC3") == "a\xEF\xBF\xBD");
  CHECK(html_escape("<b>&\"'") == "&lt;b&gt;&amp;&quot;&#39;");
}

TEST_CASE("synonym groups are matched on analyzed text", "[analyzer]") {
  Synonyms syn;
  CHECK(syn.load("# comment\nMFA | multi-factor authentication | 多要素認証\nlonely\n!!! | ???\nsign in | log in\n") == 2);
  REQUIRE(syn.group_of(title_key("ＭＦＡ")) != nullptr);
  CHECK(syn.group_of(title_key("Multi-Factor  Authentication"))->size() == 3);
  CHECK(syn.group_of(title_key("log in"))->front().text == "sign in");
  CHECK(syn.group_of(title_key("lonely")) == nullptr);
  CHECK(syn.max_segments() == 3);
}

TEST_CASE("a query's cost is bounded: a synonym group expands once, a few groups per query", "[analyzer]") {
  Synonyms syn;
  std::string error;
  REQUIRE(syn.load_file(HELPSEARCH_SOURCE_DIR "/data/synonyms.txt", &error));
  Analyzer local("en"), english("en");
  QueryBuilder builder(local, english, &syn);
  auto terms = [&](const std::string& q) { return builder.build(q).match.get_length(); };
  std::string repeated, mixed;
  for (int i = 0; i < 32; ++i) repeated += "mfa ";
  for (int i = 0; i < 4; ++i) mixed += "mfa password sync admin license mailbox email ndr ";
  // One mfa expands to its 15 members in three fields; 32 of them used to be 32 times that.
  const Xapian::termcount one = terms("mfa");
  CHECK(terms(repeated) < one + 32 * 20);
  CHECK(terms(mixed) < 6 * one + 32 * 20);
}

TEST_CASE("ranking factors in memory weigh articles exactly as their value slots do", "[analyzer]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Analyzer en("en");
  const std::vector<double> priors = {1.0, 0.25, 0.0, 0.5};  // 0: no value in the slot
  const std::vector<std::string> titles = {"Reset your account", "Account help", "Reset", "Your account"};
  for (size_t i = 0; i < priors.size(); ++i) {
    Xapian::Document doc;
    Xapian::termpos pos = 1;
    // Titles, so that the title cover bonuses (one posting source with the
    // factors in memory, filtered bonuses without) weigh in too.
    en.index(doc, titles[i], Field::kTitle, pos);
    en.index(doc, "reset your password " + std::to_string(i), Field::kBody, pos);
    if (priors[i] > 0) doc.add_value(schema::kSlotPrior, Xapian::sortable_serialise(priors[i]));
    doc.add_value(schema::kSlotTitleInverse, Xapian::sortable_serialise(1.0 / double(i + 2)));
    db.add_document(doc);
  }
  db.delete_document(2);  // a gap in the docids
  const DocFactors factors(db);
  auto weights = [&](const DocFactors* f, const std::string& q) {
    Xapian::Enquire enquire(db);
    std::unique_ptr<Xapian::Weight> w(ranking_weight());
    enquire.set_weighting_scheme(*w);
    enquire.set_query(QueryBuilder(en, en, nullptr, &db).factors(f).build(q).query);
    std::vector<std::pair<Xapian::docid, double>> out;
    const Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) out.emplace_back(*it, it.get_weight());
    return out;
  };
  for (const char* q : {"password", "reset password", "reset your passw", "your account password"}) {
    INFO(q);
    // Every article the value slots find, the factors find with the same
    // weight (the slots may lose one: see below).
    const auto from_values = weights(nullptr, q);
    const auto in_memory = weights(&factors, q);
    CHECK(in_memory.size() == 3);
    for (const auto& [did, weight] : from_values) {
      auto same = std::find_if(in_memory.begin(), in_memory.end(), [&](const auto& hit) { return hit.first == did; });
      REQUIRE(same != in_memory.end());
      CHECK(same->second == Approx(weight).epsilon(1e-12));
    }
  }
  // Where ValueWeightPostingSource loses an article (Xapian 1.4 hands the
  // matcher's minimum weight to a source unscaled, and the source ends early
  // under a scaled query), the factors keep it: "password 3" is all in doc 4.
  const auto in_memory = weights(&factors, "password 3");
  REQUIRE(in_memory.size() == 3);
  CHECK(in_memory.front().first == 4);
  // The source alone: the documents with a value, in order, weighed by it.
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(factors.source(schema::kSlotPrior)->release()));
  const Xapian::MSet mset = enquire.get_mset(0, 10);
  REQUIRE(mset.size() == 2);
  CHECK(mset.begin().get_weight() == 1.0);
  CHECK(*std::next(mset.begin()) == 4);
  CHECK(std::next(mset.begin()).get_weight() == 0.5);
}

TEST_CASE("a code typed in two words is searched as the code", "[analyzer]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Analyzer en("en");
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  en.index(doc, "Sign-in fails with AADSTS50011", Field::kBody, pos);
  db.add_document(doc);
  for (const char* q : {"AADSTS 50011", "AADSTS 50011 ", "error AADSTS 50011 reply"}) {
    INFO(q);
    const Xapian::Query query = QueryBuilder(en, en, nullptr, &db).build(q).query;
    const std::vector<std::string> terms(query.get_unique_terms_begin(), query.get_unique_terms_end());
    CHECK(std::find(terms.begin(), terms.end(), std::string(schema::kCode) + "aadsts50011") != terms.end());
  }
}

TEST_CASE("an unfinished last word that is already a word weighs as much as the word", "[analyzer]") {
  // Its completions are the longer words only: counted among them too, the
  // word typed last outweighed every finished word of the query.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Analyzer en("en");
  for (const char* text : {"the account does not exist", "the battery does not charge", "battery saver"}) {
    Xapian::Document doc;
    Xapian::termpos pos = 1;
    en.index(doc, text, Field::kBody, pos);
    db.add_document(doc);
  }
  auto weights = [&](const std::string& q) {
    Xapian::Enquire enquire(db);
    enquire.set_query(QueryBuilder(en, en, nullptr, &db).build(q).query);
    std::vector<std::pair<Xapian::docid, double>> out;
    const Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) out.emplace_back(*it, it.get_weight());
    std::sort(out.begin(), out.end());
    return out;
  };
  const auto typing = weights("account exist battery"), typed = weights("account exist battery ");
  REQUIRE(typing.size() == 3);
  REQUIRE(typed.size() == 3);
  for (size_t i = 0; i < typed.size(); ++i) {
    CHECK(typing[i].first == typed[i].first);
    CHECK(typing[i].second == Approx(typed[i].second));
  }
  // A longer word still completes it.
  CHECK(weights("account exist batt").size() == 3);
}
