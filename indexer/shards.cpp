#include "shards.h"

#include <xapian.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "schema.h"

namespace fs = std::filesystem;

namespace helpsearch {

unsigned shard_of(const std::string& key, unsigned shards) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<unsigned>(h % shards);
}

std::string shard_path(const std::string& dir, unsigned shard) { return dir + "/shard-" + std::to_string(shard); }

unsigned stub_shards(const std::string& dir) {
  std::ifstream in(dir + "/" + kStubName);
  unsigned n = 0;
  std::string type, path;
  while (in >> type >> path)
    if (path.rfind("shard-", 0) == 0) ++n;
  return n;
}

int plan_shards(const std::string& dir, unsigned requested, bool rebuild, std::ostream& err) {
  std::error_code ec;
  const unsigned listed = stub_shards(dir);
  if (requested == 0) return static_cast<int>(listed);
  if (fs::exists(dir + "/iamglass", ec)) {
    err << dir << ": error: holds a single database; --shards writes a folder of shards (give another --db)\n";
    return -1;
  }
  if (listed != 0 && listed != requested && !rebuild) {
    err << dir << ": error: the index has " << listed << " shards, not " << requested
        << "; run again with --rebuild to reshard\n";
    return -1;
  }
  return static_cast<int>(requested);
}

void write_stub(const std::string& dir, unsigned shards) {
  const std::string tmp = dir + "/" + kStubName + ".tmp";
  {
    std::ofstream out(tmp);
    out << "# helpsearch index of " << shards << " shards (Xapian stub database file)\n";
    for (unsigned i = 0; i < shards; ++i) out << "auto shard-" << i << '\n';
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, dir + "/" + kStubName);
  std::error_code ec;
  for (unsigned i = shards; fs::exists(shard_path(dir, i), ec); ++i) fs::remove_all(shard_path(dir, i), ec);
}

void sync_spelling(const std::string& dir, unsigned shards, const std::string& fingerprint) {
  Xapian::Database all;
  for (unsigned i = 0; i < shards; ++i) all.add_database(Xapian::Database(shard_path(dir, i)));
  const std::string path = dir + "/" + kSpellingName;
  Xapian::WritableDatabase out(path, Xapian::DB_CREATE_OR_OPEN);
  const Xapian::Database current(path);  // what is committed: unchanged by the writes below until the commit
  out.begin_transaction();
  // Both lists are sorted: walk them together, writing only the differences.
  Xapian::TermIterator want = all.spellings_begin(), have = current.spellings_begin();
  const Xapian::TermIterator want_end = all.spellings_end(), have_end = current.spellings_end();
  while (want != want_end || have != have_end) {
    const bool take_want = have == have_end || (want != want_end && *want <= *have);
    const bool take_have = want == want_end || (have != have_end && *have <= *want);
    const Xapian::doccount f_want = take_want ? want.get_termfreq() : 0;
    const Xapian::doccount f_have = take_have ? have.get_termfreq() : 0;
    const std::string word = take_want ? *want : *have;
    if (f_want > f_have) out.add_spelling(word, f_want - f_have);
    if (f_have > f_want) out.remove_spelling(word, f_have - f_want);
    if (take_want) ++want;
    if (take_have) ++have;
  }
  out.set_metadata(schema::kMetaAnalyzer, fingerprint);
  out.set_metadata(schema::kMetaSchema, schema::kSchemaVersion);
  out.commit_transaction();
  out.close();
}

}  // namespace helpsearch
