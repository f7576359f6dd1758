// The Service's view of its shards: which databases --db names, and what it
// does when a remote shard stops answering (503 naming it, logged once,
// taken back at the first request after it answers again).
#include <xapian.h>

#include "log.h"
#include "service.h"

namespace helpsearch {

IndexSpec Service::spec() {
  const std::string stamp = location_stamp(config_.db);
  std::lock_guard<std::mutex> lock(shards_mutex_);
  if (spec_.shards.empty() || stamp != spec_stamp_) {
    spec_ = read_index_spec(config_.db, config_.spelling_db);
    spec_stamp_ = stamp;
  }
  return spec_;
}

void Service::shard_failed(const Xapian::Error& e) {
  // The error does not say which shard dropped: ask each on a fresh connection.
  auto [name, why] = find_unavailable(spec(), config_.remote);
  if (name.empty()) {
    name = "(a remote shard)";
    why = e.get_type() + std::string(": ") + e.get_msg() + " (it answers again)";
  }
  ShardUnavailable error(name, why);
  shard_down(error);
  throw error;
}

void Service::shard_down(const ShardUnavailable& e) {
  std::lock_guard<std::mutex> lock(shards_mutex_);
  any_down_ = true;
  if (down_.insert(e.shard()).second) log_line(std::string("error: ") + e.what());
}

void Service::shards_up() {
  std::lock_guard<std::mutex> lock(shards_mutex_);
  for (const std::string& name : down_) log_line("shard " + name + " answers again");
  down_.clear();
  any_down_ = false;
}

}  // namespace helpsearch
