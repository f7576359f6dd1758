// The databases behind --db: one database folder, a Xapian stub file (local
// paths and `remote host:port` lines of xapian-tcpsrv shards), a sharded
// index folder of helpsearch-index --shards (its helpsearch.stub), or a
// replica folder of xapian-replicate (a stub directory). searchd reads the
// stub itself rather than through Xapian, so that remote shards get its
// configured timeouts and each shard has a name to report when it fails.
//
// What the remote protocol cannot offer, and the fallback used:
// - no revision (Database::get_revision is local only): a remote shard's
//   revision is its change counter (schema::kMetaChange) and document counts;
// - no spelling data: typo corrections come from a local spelling database
//   (spelling_db; default the `spelling` folder beside the stub, which
//   helpsearch-index --shards writes with the words of every shard);
// - no value streams (read document by document instead: slower, same answer).
#pragma once

#include <xapian.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace helpsearch {

/// Timeouts of remote shards (Xapian::Remote::open), in milliseconds.
struct RemoteTimeouts {
  unsigned timeout_ms = 10000;        ///< each exchange with a shard's server
  unsigned connect_timeout_ms = 2000; ///< connecting to it
};

/// One database the index is made of.
struct ShardSpec {
  std::string name;  ///< reported in errors and /healthz: the path, or "host:port"
  std::string path;  ///< a local database; "" for a remote one
  std::string host;  ///< a remote database (xapian-tcpsrv)
  unsigned port = 0;
  bool remote() const { return path.empty(); }
};

/// What --db names.
struct IndexSpec {
  std::vector<ShardSpec> shards;
  std::string spelling;  ///< local database of spelling data, "" = the shards' own
};

/// Reads what path names (see the top of this file). spelling_db: the
/// configured spelling database, "" for the default. Throws
/// std::runtime_error naming the file and line of a stub it cannot read.
IndexSpec read_index_spec(const std::string& path, const std::string& spelling_db);

/// A stamp of what is at path now: changes when a rebuild swaps a folder in,
/// when xapian-replicate swaps a replica (its XAPIANDB stub), or when a stub
/// file is rewritten; Database::reopen() sees none of these.
std::string location_stamp(const std::string& path);

/// A shard that did not answer (connection refused, timeout, dropped).
class ShardUnavailable : public std::runtime_error {
 public:
  ShardUnavailable(std::string shard, const std::string& why)
      : std::runtime_error("shard " + shard + " unavailable: " + why), shard_(std::move(shard)) {}
  /// The shard's name (ShardSpec::name).
  const std::string& shard() const { return shard_; }

 private:
  std::string shard_;
};

/// True for the errors of a connection to a remote shard.
bool is_network_error(const Xapian::Error& e);

/// The open databases of an index.
struct OpenIndex {
  Xapian::Database all;                ///< every shard as one database (global statistics)
  std::vector<Xapian::Database> shards;  ///< each shard alone, sharing all's connections
  std::vector<bool> remote;            ///< per shard
  Xapian::Database spelling;           ///< where spelling corrections come from
  /// UUID and revision of every shard: what caches are keyed on.
  std::string identity() const;
};

/// Opens every shard of spec; throws ShardUnavailable naming the first one that
/// cannot be reached.
OpenIndex open_index(const IndexSpec& spec, const RemoteTimeouts& timeouts);

/// The revision of one shard (see the top of this file).
std::string shard_revision(const Xapian::Database& shard, bool remote);

/// The first remote shard of spec that does not answer a fresh connection
/// within the timeouts, with the reason; {"", ""} when all do.
std::pair<std::string, std::string> find_unavailable(const IndexSpec& spec, const RemoteTimeouts& timeouts);

/// What /healthz says of one shard.
struct ShardHealth {
  std::string name;
  bool ok = false;
  size_t documents = 0;
  std::string uuid, revision, place;  ///< place: "i/N" of a helpsearch shard, else ""
  std::string error;                  ///< why it is not ok
};

/// Every shard of spec probed on its own (a fresh connection each).
std::vector<ShardHealth> probe_shards(const IndexSpec& spec, const RemoteTimeouts& timeouts);

/// The health of a shard already open.
ShardHealth shard_health(const std::string& name, const Xapian::Database& shard, bool remote);

}  // namespace helpsearch
