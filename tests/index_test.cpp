// The indexer: a full run over data/, incremental re-runs, pruning, bad input,
// and the schema read back from the database.
#include <catch2/catch.hpp>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "analyzer.h"
#include "document.h"
#include "indexer.h"
#include "parallel_write.h"
#include "run_lock.h"
#include "schema.h"
#include "support.h"

using namespace helpsearch;
namespace fs = std::filesystem;

namespace {

struct Run {
  int rc;
  IndexStats stats;
  std::string out, err;
};

Run index(const std::string& db, std::vector<std::string> sources, bool prune = false, bool rebuild = false) {
  IndexOptions opt;
  opt.db = db;
  opt.sources = std::move(sources);
  opt.prune = prune;
  opt.rebuild = rebuild;
  std::ostringstream out, err;
  Run r;
  r.rc = run_index(opt, out, err, &r.stats);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string copy_of_data() {
  const std::string dir = test::temp_dir() + "/data";
  fs::copy(test::source_dir() + "/data", dir, fs::copy_options::recursive);
  return dir;
}

}  // namespace

TEST_CASE("indexing data/, then again: everything unchanged", "[index]") {
  const std::string data = copy_of_data();
  const std::string db = test::temp_dir() + "/db";
  Run first = index(db, {data});
  INFO(first.err);
  CHECK(first.rc == kExitOk);
  CHECK(first.stats.indexed == 43);
  CHECK(first.stats.failed == 0);
  CHECK(first.out.rfind("indexed 43, unchanged 0, deleted 0, failed 0 in ", 0) == 0);
  // A first build writes parts and merges them; its phases add up to no more than the run.
  CHECK(first.stats.writing_s > 0);
  CHECK(first.stats.merging_s > 0);
  CHECK(first.stats.reading_s + first.stats.writing_s + first.stats.merging_s <= first.stats.seconds);

  Run second = index(db, {data});
  CHECK(second.rc == kExitOk);
  CHECK(second.stats.indexed == 0);
  CHECK(second.stats.unchanged == 43);

  // One changed file is re-indexed, replacing its document.
  test::write_file(data + "/en-US/reset-password.md",
                   "---\ntitle: Reset\nms.custom: '42'\n---\n# Reset a password now\n\nNew text.\n");
  Run third = index(db, {data});
  CHECK(third.stats.indexed == 1);
  CHECK(third.stats.unchanged == 42);
  CHECK(third.stats.merging_s == 0);  // an update goes through the one writer
  Xapian::Database x(db);
  CHECK(x.get_doccount() == 43);
  CHECK(x.get_termfreq("XC42") == 1);

  // A deleted file is pruned only with --prune.
  fs::remove(data + "/en-US/reset-password.md");
  CHECK(index(db, {data}).stats.deleted == 0);
  Run pruned = index(db, {data}, true);
  CHECK(pruned.stats.deleted == 1);
  x.reopen();
  CHECK(x.get_doccount() == 42);
}

TEST_CASE("custom IDs are exact terms, keys unique, fingerprint stored", "[index]") {
  Xapian::Database db(test::sample_index());
  CHECK(db.get_termfreq("XC500") == 7);
  CHECK(db.get_termfreq("XC387") == 21);
  CHECK(db.get_termfreq("Qja-JP/app-passwords") == 1);
  CHECK(db.get_termfreq("Lth-TH") == 6);
  CHECK(db.get_metadata(schema::kMetaAnalyzer) == Analyzer::fingerprint());

  std::ostringstream out, err;
  REQUIRE(show_article(test::sample_index(), "ja-JP/app-passwords", out, err) == kExitOk);
  const std::string json = out.str();
  CHECK(json.find("\"500\"") != std::string::npos);
  CHECK(json.find("\"387\"") != std::string::npos);
  CHECK(json.find("\"1300011\"") != std::string::npos);
  CHECK(show_article(test::sample_index(), "ja-JP/nope", out, err) == kExitSomeFailed);
}

TEST_CASE("the stored form decodes to what was encoded, and to nothing when cut short", "[index]") {
  StoredArticle a;
  a.key = "ja-JP/x";
  a.title = "新しい版";
  a.ids = {"500", "387"};
  a.text = std::string(300, 'a') + "\n" + "第二";
  a.english = "New version";
  const std::string data = encode_stored(a);
  const StoredArticle b = decode_stored(data);
  CHECK(b.key == a.key);
  CHECK(b.title == a.title);
  CHECK(b.ids == a.ids);
  CHECK(b.text == a.text);
  CHECK(b.english == a.english);
  for (size_t cut = 0; cut < data.size(); ++cut) CHECK(decode_stored(std::string_view(data).substr(0, cut)).key.empty());
  CHECK(decode_stored("{\"key\": \"json of an older schema\"}").key.empty());
}

TEST_CASE("stored fields round-trip through the database", "[index]") {
  Xapian::Database db(test::sample_index());
  Xapian::PostingIterator it = db.postlist_begin("Qzh-TW/app-passwords");
  REQUIRE(it != db.postlist_end("Qzh-TW/app-passwords"));
  Xapian::Document doc = db.get_document(*it);
  StoredArticle a = read_stored(doc);
  CHECK(a.key == "zh-TW/app-passwords");
  CHECK(a.locale == "zh-TW");
  CHECK(a.title == "應用程式密碼");
  CHECK(a.en_title == "App passwords");
  CHECK(a.ids == std::vector<std::string>{"500", "387", "1300011"});
  CHECK(a.text.find("App passwords") == std::string::npos);  // English side stays out of the text
  CHECK_FALSE(a.english.empty());
  CHECK(stored_markdown(doc).find("sxs-lookup") == std::string::npos);
  CHECK(stored_markdown(doc).find("應用程式密碼") != std::string::npos);
  CHECK(doc.get_value(schema::kSlotLocale) == "zh-TW");
  CHECK(doc.get_value(schema::kSlotContentHash).size() == 16);
}

TEST_CASE("bad files are reported per file and the run goes on", "[index]") {
  const std::string dir = test::temp_dir() + "/bad/en-US";
  test::write_file(dir + "/good.md", "---\ntitle: Good\n---\n# Good article\n\nFine.\n");
  test::write_file(dir + "/empty.md", "");
  test::write_file(dir + "/binary.md", std::string("\x89PNG\r\n\x1a\n\0\0\0", 11));
  test::write_file(dir + "/utf8.md", "---\ntitle: x\n---\n\nbad \xFF\n");
  test::write_file(dir + "/broken.md", "---\ntitle: [x\n---\n# Broken front matter\n");
  const std::string db = test::temp_dir() + "/db";
  Run r = index(db, {dir});
  CHECK(r.rc == kExitSomeFailed);
  CHECK(r.stats.indexed == 2);  // good.md and broken.md (indexed without front matter)
  CHECK(r.stats.failed == 3);
  CHECK(r.err.find("empty.md: error: empty file") != std::string::npos);
  CHECK(r.err.find("binary.md: error: binary file") != std::string::npos);
  CHECK(r.err.find("utf8.md:5: error: invalid UTF-8") != std::string::npos);
  CHECK(r.err.find("broken.md: warning: broken YAML front matter") != std::string::npos);
}

TEST_CASE("usage and database errors exit with 2", "[index]") {
  CHECK(index(test::temp_dir() + "/db", {"/nonexistent/folder"}).rc == kExitUsage);
  const std::string db = test::temp_dir() + "/db";
  REQUIRE(index(db, {test::source_dir() + "/data/en-US"}).rc == kExitOk);
  {
    Xapian::WritableDatabase w(db);
    w.set_metadata(schema::kMetaAnalyzer, "some-other-analyzer");
    w.commit();
  }
  Run mismatch = index(db, {test::source_dir() + "/data/en-US"});
  CHECK(mismatch.rc == kExitUsage);
  CHECK(mismatch.err.find("--rebuild") != std::string::npos);
  CHECK(index(db, {test::source_dir() + "/data/en-US"}, false, true).rc == kExitOk);
}

TEST_CASE("one run at a time: a second run while one holds the index is refused", "[index]") {
  const std::string db = test::temp_dir() + "/db";
  const std::string en = test::source_dir() + "/data/en-US";
  REQUIRE(index(db, {en}).rc == kExitOk);
  std::string why;
  {
    const auto held = RunLock::take(db, &why);  // as another run would hold it
    REQUIRE(held);
    CHECK_FALSE(RunLock::take(db, &why));
    CHECK(why.find("another helpsearch-index run") != std::string::npos);
    for (bool rebuild : {false, true}) {
      Run busy = index(db, {en}, false, rebuild);
      CHECK(busy.rc == kExitUsage);
      CHECK(busy.err.find(db + ".lock") != std::string::npos);
    }
    CHECK(Xapian::Database(db).get_doccount() > 0);  // the refused rebuild touched nothing
  }
  CHECK(index(db, {en}).rc == kExitOk);  // the lock ends with its holder
  CHECK(fs::exists(lock_path(db)));
}

TEST_CASE("what an interrupted run left beside the index is removed by the next run", "[index]") {
  const std::string root = test::temp_dir();
  const std::string db = root + "/db";
  const std::string en = test::source_dir() + "/data/en-US";
  REQUIRE(index(db, {en}).rc == kExitOk);
  const std::vector<std::string> left = {db + ".part0", db + ".part1", db + ".compact", db + ".rebuild",
                                         db + ".rebuild.part0"};
  for (const std::string& dir : left) test::write_file(dir + "/postlist.glass", "scratch");
  test::write_file(root + "/db.notes/keep", "not scratch");
  test::write_file(root + "/db.partial", "not scratch");
  Run r = index(db, {en});
  CHECK(r.rc == kExitOk);
  for (const std::string& dir : left) {
    CHECK_FALSE(fs::exists(dir));
    CHECK(r.err.find(dir + ": note: removed what an interrupted run left") != std::string::npos);
  }
  CHECK(fs::exists(root + "/db.notes/keep"));
  CHECK(fs::exists(root + "/db.partial"));
  CHECK(r.stats.unchanged > 0);
}

TEST_CASE("a database path with a trailing slash is the same database", "[index]") {
  const std::string root = test::temp_dir();
  Run first = index(root + "/db/", {test::source_dir() + "/data/en-US"});
  INFO(first.err);
  CHECK(first.rc == kExitOk);
  CHECK(first.stats.indexed > 0);
  CHECK(fs::exists(root + "/db.lock"));
  CHECK(index(root + "/db", {test::source_dir() + "/data/en-US"}).stats.indexed == 0);
  std::vector<std::string> inside;
  for (const auto& e : fs::directory_iterator(root + "/db")) inside.push_back(e.path().filename().string());
  CHECK(std::none_of(inside.begin(), inside.end(), [](const std::string& n) { return n[0] == '.'; }));
}

TEST_CASE("a later source wins over an earlier one with the same key", "[index]") {
  const std::string root = test::temp_dir();
  test::write_file(root + "/a/ja-JP/x.md", "---\ntitle: old\n---\n# 古い版\n");
  test::write_file(root + "/b/ja-JP/x.md", "---\ntitle: new\n---\n# 新しい版\n");
  const std::string db = root + "/db";
  Run r = index(db, {root + "/a", root + "/b"});
  CHECK(r.stats.indexed == 1);
  CHECK(r.stats.shadowed == 1);
  Xapian::Database x(db);
  CHECK(read_stored(x.get_document(*x.postlist_begin("Qja-JP/x"))).title == "新しい版");
  CHECK(index(db, {root + "/a", root + "/b"}).stats.unchanged == 1);
}

TEST_CASE("a file whose size and modification time are unchanged is not read again", "[index]") {
  const std::string root = test::temp_dir();
  const std::string path = root + "/src/en-US/x.md";
  test::write_file(path, "# First title\n\nBody.\n");
  const std::string db = root + "/db";
  REQUIRE(index(db, {root + "/src"}).stats.indexed == 1);
  const auto stamp = fs::last_write_time(path);
  // Same size, same time, other bytes: taken as unchanged without reading.
  test::write_file(path, "# Other title\n\nBody.\n");
  fs::last_write_time(path, stamp);
  CHECK(index(db, {root + "/src"}).stats.unchanged == 1);
  CHECK(read_stored(Xapian::Database(db).get_document(1)).title == "First title");
  // A new time: read, and indexed since the bytes differ.
  fs::last_write_time(path, stamp + std::chrono::seconds(5));
  CHECK(index(db, {root + "/src"}).stats.indexed == 1);
  CHECK(read_stored(Xapian::Database(db).get_document(1)).title == "Other title");
}

TEST_CASE("parallel parts take every item once, in ranges, and merge in item order", "[index]") {
  for (size_t parts : {1, 2, 3}) {
    const std::string dir = test::temp_dir();
    std::vector<std::string> paths;
    std::vector<Xapian::WritableDatabase> dbs;
    for (size_t k = 0; k < parts; ++k) {
      paths.push_back(dir + "/part" + std::to_string(k));
      dbs.emplace_back(paths.back(), Xapian::DB_CREATE);
    }
    const size_t count = 101;
    std::vector<int> times(count, 0);
    std::vector<size_t> finished(parts, 0);
    write_parallel(
        dbs, count, 7,
        [&](Xapian::WritableDatabase& db, size_t, size_t item) {
          ++times[item];
          Xapian::Document doc;
          doc.add_term("X" + std::to_string(item));
          db.replace_document(static_cast<Xapian::docid>(item + 1), doc);
        },
        [&](Xapian::WritableDatabase&, size_t part) { ++finished[part]; });
    CHECK(std::count(times.begin(), times.end(), 1) == static_cast<long>(count));
    CHECK(std::count(finished.begin(), finished.end(), 1) == static_cast<long>(parts));
    for (auto& db : dbs) {
      // A part's items are one range: its documents number last - first + 1.
      if (db.get_doccount() == 0) continue;
      const Xapian::docid first = *db.postlist_begin("");
      CHECK(db.get_lastdocid() - first + 1 == db.get_doccount());
      db.close();
    }
    merge_databases(paths, dir + "/merged");
    Xapian::Database merged(dir + "/merged");
    REQUIRE(merged.get_doccount() == count);
    for (Xapian::docid did = 1; did <= count; ++did)
      CHECK(*merged.get_document(did).termlist_begin() == "X" + std::to_string(did - 1));
  }
}

TEST_CASE("a failing item stops the parallel parts and is rethrown", "[index]") {
  const std::string dir = test::temp_dir();
  std::vector<Xapian::WritableDatabase> dbs;
  for (int k = 0; k < 2; ++k) dbs.emplace_back(dir + "/part" + std::to_string(k), Xapian::DB_CREATE);
  std::atomic<size_t> done{0};
  auto write = [](Xapian::WritableDatabase&, size_t, size_t item) {
    if (item == 3) throw std::runtime_error("bad item");
  };
  CHECK_THROWS_WITH(write_parallel(dbs, 1000, 10, write, nullptr, &done), "bad item");
  CHECK(done < 1000);
}
