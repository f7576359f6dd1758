#include "targets.h"

#include <xapian.h>

#include <stdlib.h>

#include <array>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "analyzer.h"
#include "article.h"
#include "document.h"
#include "markdown.h"
#include "query.h"
#include "snippet.h"
#include "text.h"

namespace helpsearch::fuzz {
namespace {

constexpr std::array<const char*, 8> kLanguages = {"en", "de", "fr", "ja", "zh", "th", "ko", "el"};

/// Text for the analyzer and the query builder: valid UTF-8, as the reader
/// and searchd's handlers guarantee before they get there.
std::string text_of(std::string_view bytes) { return sanitize_utf8(bytes); }

/// A small on-disk index (spelling data needs one) of articles in several
/// scripts, built once; its folder is removed at once, the open files stay.
struct SmallIndex {
  Analyzer ja{"ja"}, en{"en"};
  std::vector<std::string> texts;
  Xapian::Database db;
  SmallIndex() {
    char folder[] = "/tmp/helpsearch-fuzz-XXXXXX";
    if (!mkdtemp(folder)) throw std::runtime_error("mkdtemp failed");
    const std::string path = std::string(folder) + "/db";
    Xapian::WritableDatabase writer(path, Xapian::DB_CREATE);
    const char* articles[] = {
        "# Reset a forgotten password\n\nUse 0x80070005 and AADSTS50011 to sign in.\n",
        "# アプリ パスワード\n\n多要素認証を設定します。関西国際空港。\n",
        "# 密碼重設\n\n信箱已滿：無法傳送郵件 5.7.750。\n",
        "# การยืนยันแบบหลายปัจจัย\n\nทำตามขั้นตอนสำหรับแอป\n",
        "# 비밀번호 재설정\n\n다단계 인증을 설정합니다.\n",
    };
    for (const char* md : articles) {
      ReadResult r = parse_article(md, {"/fuzz/ja-JP/a.md", "ja-JP"});
      if (!r.ok) continue;
      BuiltDocument built = build_document(r.article, "0", ja, en);
      writer.add_document(built.doc);
      for (const auto& w : built.spelling) writer.add_spelling(w);
      texts.push_back(r.article.title + "\n" + md);
    }
    writer.close();
    db = Xapian::Database(path);
    std::filesystem::remove_all(folder);
  }
};

}  // namespace

void read_article(std::string_view bytes) {
  ReadResult r = parse_article(bytes, {"/fuzz/en-US/article.md", "en-US"});
  if (!r.ok) return;
  (void)render_html(r.article.markdown, "/media/xx-YY/");
  (void)r.article.key();
}

void analyze(std::string_view bytes) {
  const size_t slot = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]) % kLanguages.size();
  const std::string text = text_of(bytes.empty() ? bytes : bytes.substr(1));
  thread_local std::unique_ptr<Analyzer> analyzers[kLanguages.size()];
  if (!analyzers[slot]) analyzers[slot] = std::make_unique<Analyzer>(kLanguages[slot]);
  Xapian::Document doc;
  Xapian::termpos pos = 1;
  for (Field field : {Field::kBody, Field::kTitle, Field::kEnglish}) analyzers[slot]->index(doc, text, field, pos);
  (void)title_key(text);
  (void)query_script(text);
  (void)spelling_words(doc);
}

void query(std::string_view bytes) {
  static SmallIndex index;
  const std::string q = text_of(bytes);
  QueryBuilder builder(index.ja, index.en, nullptr, &index.db);
  const QueryPlan plan = builder.build(q);
  if (plan.query.empty()) return;
  Xapian::Enquire enquire(index.db);
  std::unique_ptr<Xapian::Weight> weight(ranking_weight());
  enquire.set_weighting_scheme(*weight);
  enquire.set_query(plan.query);
  const Xapian::MSet mset = enquire.get_mset(0, 10);
  for (const std::string& text : index.texts) (void)make_snippet(text, "", plan, index.ja);
  (void)mset.size();
}

}  // namespace helpsearch::fuzz
