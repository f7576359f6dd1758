// A sharded index: DIR/shard-0 … DIR/shard-(N-1), each article in the shard
// its key hashes to, a Xapian stub file DIR/helpsearch.stub that opens them
// as one database, and DIR/spelling, the spelling table of all shards (the
// remote protocol carries no spelling data, so searchd over remote shards
// reads it from a local copy). Nothing here knows how articles are built.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace helpsearch {

/// The file name of the stub inside a sharded index directory.
inline constexpr const char* kStubName = "helpsearch.stub";
/// The folder name of the spelling database inside a sharded index directory.
inline constexpr const char* kSpellingName = "spelling";

/// The shard of an article key: FNV-1a 64 of the key modulo shards (stable
/// across runs, machines and releases; shards > 0).
unsigned shard_of(const std::string& key, unsigned shards);

/// DIR/shard-i.
std::string shard_path(const std::string& dir, unsigned shard);

/// The number of shards the stub of dir lists (0: dir is no sharded index).
unsigned stub_shards(const std::string& dir);

/// The shards a run writes: requested (0 = what the stub lists, else a single
/// database) checked against what dir holds. 0 = a single database; -1 after
/// an error written to err.
int plan_shards(const std::string& dir, unsigned requested, bool rebuild, std::ostream& err);

/// Writes dir/helpsearch.stub ("auto shard-0" …, paths relative to the stub)
/// atomically, and removes shard folders numbered shards and beyond.
void write_stub(const std::string& dir, unsigned shards);

/// Brings dir/spelling to the spelling words and frequencies of all shards
/// (in place: one transaction of differences, so a replica gets a small
/// changeset), with the analyzer fingerprint as metadata.
void sync_spelling(const std::string& dir, unsigned shards, const std::string& fingerprint);


}  // namespace helpsearch
