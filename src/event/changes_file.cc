#include "event/changes_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/logging.h"

namespace ctdb::event {

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

Status unlinkIfPresent(const std::string& p) {
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return errnoError(errno, "unlink " + p);
  return {};
}

Status copyInto(int out, const std::string& from) {
  UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    if (errno == ENOENT) return {};
    return errnoError(errno, "open " + from);
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(in.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errnoError(errno, "read " + from);
    if (n == 0) return {};
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(out, buf + off, static_cast<size_t>(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errnoError(errno, "write merged changes");
      off += w;
    }
  }
}

Status createEmpty(const std::string& p) {
  UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return errnoError(errno, "create " + p);
  return {};
}

}  // namespace

ChangesFile::ChangesFile(const std::string& dir)
    : dir_(dir),
      live_(dir + "/ip_changes"),
      snapshot_(live_ + ".delivering"),
      tail_(live_ + ".tail"),
      tmp_(live_ + ".merge.tmp") {}

Result<std::unique_ptr<ChangesFile>> ChangesFile::open(const std::string& state_dir) {
  if (::mkdir(state_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return errnoError(errno, "changes file: mkdir " + state_dir);
  }
  std::unique_ptr<ChangesFile> cf(new ChangesFile(state_dir));
  if (auto st = cf->recover(); !st.ok()) return st.error();
  return cf;
}

Status ChangesFile::syncDir() {
  UniqueFd d(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d.valid() || ::fsync(d.get()) != 0) return errnoError(errno, "fsync " + dir_);
  return {};
}

Status ChangesFile::recover() {
  const bool has_snapshot = exists(snapshot_), has_tail = exists(tail_);
  (void)unlinkIfPresent(tmp_);  // an unfinished step 2 left it; the rename never happened
  if (has_tail && !has_snapshot) {
    D_NOTICE("changes file: removing %s left by an interrupted merge\n", tail_.c_str());
    return unlinkIfPresent(tail_);
  }
  if (!has_snapshot) return {};
  D_NOTICE("changes file: %s left by a crash, merging it back before %s\n", snapshot_.c_str(),
           live_.c_str());
  return mergeBack();
}

Status ChangesFile::append(std::string_view line) {
  if (!fd_.valid()) {
    fd_.reset(::open(live_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd_.valid()) return errnoError(errno, "changes file: open " + live_);
  }
  std::string buf(line);
  buf += '\n';
  ssize_t n;
  do {
    n = ::write(fd_.get(), buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errnoError(errno, "changes file: append to " + live_);
  if (static_cast<size_t>(n) != buf.size()) {
    return errnoError(EIO, "changes file: short append to " + live_);
  }
  is_dirty_ = true;
  return {};
}

Status ChangesFile::sync() {
  if (!is_dirty_ || !fd_.valid()) return {};
  if (::fdatasync(fd_.get()) != 0) return errnoError(errno, "changes file: fdatasync " + live_);
  is_dirty_ = false;
  return {};
}

Result<std::string> ChangesFile::beginDelivery() {
  if (is_delivering_) return errnoError(EBUSY, "changes file: delivery already in progress");
  if (auto st = sync(); !st.ok()) return st.error();
  fd_.reset();  // the fd would follow the rename; appends must start a new file
  if (::rename(live_.c_str(), snapshot_.c_str()) != 0) {
    if (errno != ENOENT) return errnoError(errno, "changes file: rename " + live_);
    if (auto st = createEmpty(snapshot_); !st.ok()) return st.error();
  }
  if (auto st = syncDir(); !st.ok()) return st.error();
  is_delivering_ = true;
  return snapshot_;
}

Status ChangesFile::commitDelivery() {
  if (!is_delivering_) return errnoError(EINVAL, "changes file: no delivery in progress");
  is_delivering_ = false;
  if (auto st = unlinkIfPresent(snapshot_); !st.ok()) return st;
  return syncDir();
}

Status ChangesFile::abortDelivery() {
  if (!is_delivering_) return errnoError(EINVAL, "changes file: no delivery in progress");
  is_delivering_ = false;
  return mergeBack();
}

Status ChangesFile::mergeBack() {
  if (auto st = sync(); !st.ok()) return st;
  fd_.reset();
  // Step 1: move the live lines aside (or mark the step with an empty tail).
  if (!exists(tail_)) {
    if (::rename(live_.c_str(), tail_.c_str()) != 0) {
      if (errno != ENOENT) return errnoError(errno, "changes file: rename " + live_);
      if (auto st = createEmpty(tail_); !st.ok()) return st;
    }
    if (auto st = syncDir(); !st.ok()) return st;
  }
  // Step 2: live = snapshot + tail, unless a crash happened right after it.
  if (!exists(live_)) {
    UniqueFd out(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out.valid()) return errnoError(errno, "changes file: create " + tmp_);
    if (auto st = copyInto(out.get(), snapshot_); !st.ok()) return st;
    if (auto st = copyInto(out.get(), tail_); !st.ok()) return st;
    if (::fsync(out.get()) != 0) return errnoError(errno, "changes file: fsync " + tmp_);
    if (::rename(tmp_.c_str(), live_.c_str()) != 0) {
      return errnoError(errno, "changes file: rename " + tmp_);
    }
    if (auto st = syncDir(); !st.ok()) return st;
  }
  // Step 3.
  if (auto st = unlinkIfPresent(snapshot_); !st.ok()) return st;
  if (auto st = unlinkIfPresent(tail_); !st.ok()) return st;
  return syncDir();
}

}  // namespace ctdb::event
