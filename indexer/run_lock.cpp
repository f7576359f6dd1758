#include "run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fs = std::filesystem;

namespace helpsearch {
namespace {

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

/// The pid another run wrote into the lock file ("" when unreadable).
std::string holder_of(int fd) {
  char buf[32] = {};
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return {};
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : std::string();
}

/// name is base + ".part" + digits.
bool is_part_of(const std::string& name, const std::string& base) {
  const std::string head = base + ".part";
  return name.size() > head.size() && name.compare(0, head.size(), head) == 0 &&
         name.find_first_not_of("0123456789", head.size()) == std::string::npos;
}

}  // namespace

std::string lock_path(const std::string& db) { return without_trailing_slashes(db) + ".lock"; }

std::unique_ptr<RunLock> RunLock::take(const std::string& db, std::string* why) {
  const std::string path = lock_path(db);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *why = "cannot create the run lock " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    const std::string pid = holder_of(fd);
    ::close(fd);
    *why = e == EWOULDBLOCK ? "another helpsearch-index run" + (pid.empty() ? "" : " (pid " + pid + ")") +
                                  " is writing this index (it holds " + path + "); try again when it ends"
                            : "cannot lock " + path + ": " + std::strerror(e);
    return nullptr;
  }
  // The pid is only for the message another run prints: the lock holds without it.
  const std::string pid = std::to_string(getpid()) + "\n";
  const bool noted = ftruncate(fd, 0) == 0 && pwrite(fd, pid.data(), pid.size(), 0) > 0;
  (void)noted;
  return std::unique_ptr<RunLock>(new RunLock(fd));
}

RunLock::~RunLock() { ::close(fd_); }

std::vector<std::string> remove_scratch(const std::string& target) {
  const fs::path t(without_trailing_slashes(target));
  const std::string base = t.filename().string();
  const fs::path dir = t.has_parent_path() ? t.parent_path() : fs::path(".");
  std::vector<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const bool scratch = is_part_of(name, base) || name == base + ".compact" || name == base + ".rebuild" ||
                         is_part_of(name, base + ".rebuild") || name == base + ".rebuild.compact";
    if (scratch) removed.push_back(it->path().string());
  }
  for (const std::string& path : removed) fs::remove_all(path, ec);
  return removed;
}

}  // namespace helpsearch
