#include "shards.h"

#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "schema.h"

namespace fs = std::filesystem;

namespace helpsearch {
namespace {

/// The stub file of a sharded index folder (helpsearch-index --shards).
constexpr const char* kStubName = "helpsearch.stub";
/// Its spelling database (indexer/shards.h).
constexpr const char* kSpellingName = "spelling";

std::string file_stamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "-";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// The stub file path names, "" when it names a database folder.
std::string stub_of(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fs::exists(path + "/" + kStubName, ec) ? path + "/" + kStubName : "";
  return path;
}

/// The databases a stub file lists (Xapian 1.4 stub syntax): "auto PATH",
/// "glass PATH", "chert PATH" (relative to the stub's folder) and
/// "remote HOST:PORT"; blank lines and "#" comments are skipped.
std::vector<ShardSpec> read_stub(const std::string& stub) {
  std::ifstream in(stub);
  if (!in) throw std::runtime_error("cannot read the stub file " + stub);
  const fs::path base = fs::path(stub).parent_path();
  std::vector<ShardSpec> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::istringstream words(line);
    std::string type, where;
    words >> type >> where;
    if (type.empty() || type[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      return std::runtime_error(stub + ":" + std::to_string(n) + ": " + why + ": " + line);
    };
    if (where.empty()) throw bad("a database line wants TYPE PATH or remote HOST:PORT");
    ShardSpec s;
    if (type == "auto" || type == "glass" || type == "chert") {
      s.path = fs::path(where).is_absolute() ? where : (base / where).lexically_normal().string();
      s.name = s.path;
    } else if (type == "remote") {
      const size_t colon = where.rfind(':');
      if (where[0] == ':' || colon == std::string::npos || colon == 0)
        throw bad("helpsearchd reads remote HOST:PORT lines (xapian-tcpsrv) only");
      s.host = where.substr(0, colon);
      s.port = static_cast<unsigned>(std::strtoul(where.c_str() + colon + 1, nullptr, 10));
      if (s.port == 0 || s.port > 65535) throw bad("bad port");
      s.name = where;
    } else {
      throw bad("unknown database type \"" + type + "\"");
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw std::runtime_error("the stub file " + stub + " lists no database");
  return out;
}

Xapian::Database open_shard(const ShardSpec& s, const RemoteTimeouts& t) {
  if (!s.remote()) return Xapian::Database(s.path);
  return Xapian::Remote::open(s.host, s.port, t.timeout_ms, t.connect_timeout_ms);
}

}  // namespace

IndexSpec read_index_spec(const std::string& path, const std::string& spelling_db) {
  IndexSpec spec;
  const std::string stub = stub_of(path);
  if (stub.empty()) {
    spec.shards.push_back(ShardSpec{path, path, "", 0});
  } else {
    spec.shards = read_stub(stub);
  }
  spec.spelling = spelling_db;
  const bool any_remote = std::any_of(spec.shards.begin(), spec.shards.end(), [](const auto& s) { return s.remote(); });
  std::error_code ec;
  const std::string beside = fs::path(stub).parent_path().string() + "/" + kSpellingName;
  if (spec.spelling.empty() && any_remote && !stub.empty() && fs::exists(beside, ec)) spec.spelling = beside;
  return spec;
}

std::string location_stamp(const std::string& path) {
  std::string out = file_stamp(path);
  std::error_code ec;
  // A replica folder of xapian-replicate is a stub directory: XAPIANDB names
  // the live copy, and a full copy (after a rebuild) switches it.
  if (fs::exists(path + "/XAPIANDB", ec)) out += "|" + file_text(path + "/XAPIANDB");
  const std::string stub = stub_of(path);
  if (stub.empty()) return out;
  out += "|" + file_stamp(stub);
  try {
    for (const ShardSpec& s : read_stub(stub)) {
      if (s.remote()) continue;
      out += "|" + file_stamp(s.path);
      if (fs::exists(s.path + "/XAPIANDB", ec)) out += "|" + file_text(s.path + "/XAPIANDB");
    }
  } catch (const std::exception&) {
    out += "|unreadable";  // opening it reports why
  }
  return out;
}

bool is_network_error(const Xapian::Error& e) { return std::string(e.get_type()).rfind("Network", 0) == 0; }

std::string shard_revision(const Xapian::Database& shard, bool remote) {
  if (!remote) return std::to_string(shard.get_revision());
  return shard.get_metadata(schema::kMetaChange) + "/" + std::to_string(shard.get_doccount()) + "/" +
         std::to_string(shard.get_lastdocid());
}

std::string OpenIndex::identity() const {
  std::string out;
  for (size_t i = 0; i < shards.size(); ++i)
    out += (i ? "," : "") + shards[i].get_uuid() + "@" + shard_revision(shards[i], remote[i]);
  return out;
}

OpenIndex open_index(const IndexSpec& spec, const RemoteTimeouts& timeouts) {
  OpenIndex out;
  for (const ShardSpec& s : spec.shards) {
    try {
      Xapian::Database db = open_shard(s, timeouts);
      out.all.add_database(db);
      out.shards.push_back(db);
      out.remote.push_back(s.remote());
    } catch (const Xapian::Error& e) {
      if (s.remote() && is_network_error(e)) throw ShardUnavailable(s.name, e.get_msg());
      throw;
    }
  }
  out.spelling = spec.spelling.empty() ? out.all : Xapian::Database(spec.spelling);
  return out;
}

std::pair<std::string, std::string> find_unavailable(const IndexSpec& spec, const RemoteTimeouts& timeouts) {
  // Every remote shard at once, each on a fresh connection of its own thread;
  // one that has not answered within the connect timeout is unavailable (a
  // connection to a hanging server also takes a timeout to close: not waited for).
  struct Probe {
    std::mutex mutex;
    std::condition_variable done;
    std::vector<int> state;  // 0 waiting, 1 answered, 2 failed
    std::vector<std::string> why;
  };
  auto probe = std::make_shared<Probe>();
  probe->state.assign(spec.shards.size(), 1);
  probe->why.resize(spec.shards.size());
  const RemoteTimeouts quick{timeouts.connect_timeout_ms, timeouts.connect_timeout_ms};
  for (size_t i = 0; i < spec.shards.size(); ++i) {
    if (!spec.shards[i].remote()) continue;
    probe->state[i] = 0;
    std::thread([probe, i, s = spec.shards[i], quick] {
      int state = 1;
      std::string why;
      try {
        open_shard(s, quick).get_metadata(schema::kMetaAnalyzer);
      } catch (const Xapian::Error& e) {
        state = 2;
        why = e.get_type() + std::string(": ") + e.get_msg();
      }
      std::lock_guard<std::mutex> lock(probe->mutex);
      probe->state[i] = state;
      probe->why[i] = why;
      probe->done.notify_all();
    }).detach();
  }
  std::unique_lock<std::mutex> lock(probe->mutex);
  auto settled = [&] { return std::find(probe->state.begin(), probe->state.end(), 0) == probe->state.end(); };
  probe->done.wait_for(lock, std::chrono::milliseconds(timeouts.connect_timeout_ms + 50), settled);
  for (size_t i = 0; i < spec.shards.size(); ++i) {
    if (probe->state[i] == 2) return {spec.shards[i].name, probe->why[i]};
    if (probe->state[i] == 0) return {spec.shards[i].name, "no answer within " + std::to_string(timeouts.connect_timeout_ms) + " ms"};
  }
  return {"", ""};
}

ShardHealth shard_health(const std::string& name, const Xapian::Database& shard, bool remote) {
  ShardHealth h;
  h.name = name;
  h.documents = shard.get_doccount();
  h.uuid = shard.get_uuid();
  h.revision = shard_revision(shard, remote);
  h.place = shard.get_metadata(schema::kMetaShard);
  h.ok = true;
  return h;
}

std::vector<ShardHealth> probe_shards(const IndexSpec& spec, const RemoteTimeouts& timeouts) {
  std::vector<ShardHealth> out;
  for (const ShardSpec& s : spec.shards) {
    try {
      out.push_back(shard_health(s.name, open_shard(s, timeouts), s.remote()));
    } catch (const Xapian::Error& e) {
      ShardHealth h;
      h.name = s.name;
      h.error = e.get_type() + std::string(": ") + e.get_msg();
      out.push_back(h);
    }
  }
  return out;
}

}  // namespace helpsearch
