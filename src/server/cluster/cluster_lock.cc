#include "server/cluster/cluster_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "util/logging.h"

extern char** environ;

namespace ctdb::server {

const char* toString(LockStatus s) {
  switch (s) {
    case LockStatus::Held: return "held";
    case LockStatus::Contended: return "contention";
    case LockStatus::Timeout: return "timeout";
    case LockStatus::Error: return "error";
  }
  return "error";
}

LockStatus lockStatusFromChar(char c) {
  switch (c) {
    case '0': return LockStatus::Held;
    case '1': return LockStatus::Contended;
    case '2': return LockStatus::Timeout;
    default: return LockStatus::Error;
  }
}

std::string LockSpec::describe() const {
  if (kind == Kind::File) return "fcntl lock on " + path;
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return "helper '" + s + "'";
}

Result<LockSpec> parseLockSpec(std::string_view text) {
  LockSpec spec;
  if (text.empty()) return makeError("cluster lock: empty --reclock value");
  if (text[0] != '!') {
    spec.kind = LockSpec::Kind::File;
    spec.path = std::string(text);
    return spec;
  }
  spec.kind = LockSpec::Kind::Helper;
  std::string cur;
  for (char c : text.substr(1)) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) spec.argv.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) spec.argv.push_back(std::move(cur));
  if (spec.argv.empty()) return makeError("cluster lock: mutex helper command is empty");
  return spec;
}

ClusterLock::ClusterLock(EventLoop& loop, LockSpec spec, Options opts)
    : loop_(loop), spec_(std::move(spec)), opts_(opts) {}

ClusterLock::~ClusterLock() {
  guard_.revoke();
  release();
  reap_timer_.reset();
  // Last chance without blocking; a helper still exiting stays a zombie
  // until this process exits.
  for (const auto& r : reaping_) {
    int status;
    (void)waitpid(r.pid, &status, WNOHANG);
  }
}

void ClusterLock::take(TakeDone done, Lost lost) {
  release();
  done_ = std::move(done);
  lost_ = std::move(lost);
  state_ = State::Taking;
  started_ = loop_.now();
  if (spec_.kind == LockSpec::Kind::File) {
    // Report from the loop, never from inside take().
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive() && state_ == State::Taking) takeFile();
    });
  } else {
    takeHelper();
  }
}

void ClusterLock::finishTake(LockStatus s) {
  if (state_ != State::Taking) return;
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(loop_.now() - started_);
  state_ = s == LockStatus::Held ? State::Held : State::Idle;
  if (s == LockStatus::Held) held_at_ = loop_.now();
  if (s != LockStatus::Held) {
    if (spec_.kind == LockSpec::Kind::Helper) stopHelper();
    lock_fd_.reset();
  }
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(s, latency);
}

void ClusterLock::lose(const std::string& why) {
  if (state_ != State::Held) return;
  D_ERR("cluster lock (%s) lost: %s\n", spec_.describe().c_str(), why.c_str());
  state_ = State::Idle;
  recheck_timer_.reset();
  lock_fd_.reset();
  if (spec_.kind == LockSpec::Kind::Helper) stopHelper();
  auto lost = std::move(lost_);
  lost_ = nullptr;
  if (lost) lost(why);
}

void ClusterLock::release() {
  if (state_ == State::Idle) return;
  if (state_ == State::Held) D_NOTICE("releasing cluster lock (%s)\n", spec_.describe().c_str());
  else D_NOTICE("cancelling cluster lock attempt (%s)\n", spec_.describe().c_str());
  state_ = State::Idle;
  done_ = nullptr;
  lost_ = nullptr;
  recheck_timer_.reset();
  lock_fd_.reset();  // closing the description drops the OFD lock
  if (spec_.kind == LockSpec::Kind::Helper) stopHelper();
}

/* ---------------- File kind ---------------- */

void ClusterLock::takeFile() {
  UniqueFd fd(::open(spec_.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    D_ERR("cluster lock: unable to open %s: %s\n", spec_.path.c_str(), strerror(errno));
    finishTake(LockStatus::Error);
    return;
  }
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 1;
  fl.l_pid = 0;  // required for OFD locks
  if (fcntl(fd.get(), F_OFD_SETLK, &fl) != 0) {
    int err = errno;
    if (err == EACCES || err == EAGAIN) {
      finishTake(LockStatus::Contended);
    } else {
      D_ERR("cluster lock: failed to lock %s: %s\n", spec_.path.c_str(), strerror(err));
      finishTake(LockStatus::Error);
    }
    return;
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    D_ERR("cluster lock: fstat %s: %s\n", spec_.path.c_str(), strerror(errno));
    finishTake(LockStatus::Error);
    return;
  }
  inode_ = st.st_ino;
  dev_ = st.st_dev;
  lock_fd_ = std::move(fd);
  recheck_timer_ = std::make_unique<RepeatingTimer>(loop_, opts_.recheck,
                                                    [this]() { recheckFile(); });
  finishTake(LockStatus::Held);
}

void ClusterLock::recheckFile() {
  struct stat st {};
  if (::stat(spec_.path.c_str(), &st) != 0) {
    lose(std::string("lock file ") + spec_.path + " check failed: " + strerror(errno));
    return;
  }
  if (st.st_ino != inode_ || st.st_dev != dev_)
    lose("lock file " + spec_.path + " was replaced (inode changed)");
}

/* ---------------- Helper kind ---------------- */

void ClusterLock::takeHelper() {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    D_ERR("cluster lock: pipe: %s\n", strerror(errno));
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive()) finishTake(LockStatus::Error);
    });
    return;
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    D_ERR("cluster lock: pipe: %s\n", strerror(errno));
    close(out[0]);
    close(out[1]);
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive()) finishTake(LockStatus::Error);
    });
    return;
  }
  UniqueFd out_r(out[0]), out_w(out[1]), err_r(err[0]), err_w(err[1]);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err_w.get(), STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM, SIGQUIT})
    sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  for (const auto& a : spec_.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    D_ERR("cluster lock: unable to start mutex helper %s: %s\n", argv[0], strerror(rc));
    loop_.post([this, alive = guard_.watch()]() {
      if (alive.isAlive()) finishTake(LockStatus::Error);
    });
    return;
  }
  D_INFO("cluster lock: started mutex helper %s (pid %d)\n", argv[0], static_cast<int>(pid));
  child_ = pid;
  out_w.reset();
  err_w.reset();
  out_fd_ = std::move(out_r);
  err_fd_ = std::move(err_r);
  out_event_ = std::make_unique<FdEvent>(loop_, out_fd_.get(), FdEvent::kRead,
                                         [this](uint16_t) { onHelperOutput(); });
  err_event_ = std::make_unique<FdEvent>(loop_, err_fd_.get(), FdEvent::kRead,
                                         [this](uint16_t) { onHelperStderr(); });
  timeout_timer_ = std::make_unique<Timer>(loop_, opts_.take_timeout, [this]() {
    D_ERR("cluster lock: no answer from mutex helper (pid %d) within %lld ms\n",
          static_cast<int>(child_), static_cast<long long>(opts_.take_timeout.count()));
    finishTake(LockStatus::Timeout);
  });
}

void ClusterLock::onHelperOutput() {
  char buf[64];
  ssize_t n = ::read(out_fd_.get(), buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (state_ == State::Taking) {
    timeout_timer_.reset();
    if (n <= 0) {
      D_ERR("cluster lock: mutex helper (pid %d) exited without a status\n",
            static_cast<int>(child_));
      finishTake(LockStatus::Error);
      return;
    }
    LockStatus s = lockStatusFromChar(buf[0]);
    if (s != LockStatus::Held)
      D_ERR("cluster lock: unable to take cluster lock - %s\n", toString(s));
    confirmations_ = 0;
    finishTake(s);
    if (s == LockStatus::Held) noteStatusBytes(buf, static_cast<size_t>(n));
    return;
  }
  if (n <= 0) {
    // EOF: the helper exited (or closed stdout) while holding the lock.
    out_event_.reset();
    if (state_ == State::Held) lose("mutex helper terminated");
    return;
  }
  if (state_ == State::Held) noteStatusBytes(buf, static_cast<size_t>(n));
}

void ClusterLock::noteStatusBytes(const char* buf, size_t n) {
  // A helper that renews a lease (ctdb_etcd_lock) repeats '0' after each
  // renewal; anything else while held means it no longer has the lock.
  for (size_t i = 0; i < n && state_ == State::Held; ++i) {
    const LockStatus s = lockStatusFromChar(buf[i]);
    if (s == LockStatus::Held) {
      if (confirmations_++ == 0) held_since_ = loop_.now();
      last_confirmed_ = loop_.now();
    } else {
      lose(std::string("mutex helper reported ") + toString(s));
    }
  }
}

ClusterLock::Holding ClusterLock::holding() const {
  Holding h;
  if (state_ != State::Held) return h;
  h.held = true;
  h.may_renew = spec_.kind == LockSpec::Kind::Helper;
  h.since = spec_.kind == LockSpec::Kind::Helper ? held_since_ : held_at_;
  h.renewals = confirmations_ > 0 ? confirmations_ - 1 : 0;
  h.last_confirmed = spec_.kind == LockSpec::Kind::Helper ? last_confirmed_ : held_at_;
  return h;
}
void ClusterLock::onHelperStderr() {
  char buf[512];
  ssize_t n = ::read(err_fd_.get(), buf, sizeof(buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) err_buf_.append(buf, static_cast<size_t>(n));
  size_t pos;
  while ((pos = err_buf_.find('\n')) != std::string::npos) {
    D_ERR("cluster lock helper: %s\n", err_buf_.substr(0, pos).c_str());
    err_buf_.erase(0, pos + 1);
  }
  if (n <= 0) {
    if (!err_buf_.empty()) D_ERR("cluster lock helper: %s\n", err_buf_.c_str());
    err_buf_.clear();
    err_event_.reset();
  }
}

void ClusterLock::reapChildren() {
  for (auto it = reaping_.begin(); it != reaping_.end();) {
    int status;
    pid_t w = waitpid(it->pid, &status, WNOHANG);
    if (w == it->pid || (w < 0 && errno == ECHILD)) {
      it = reaping_.erase(it);
      continue;
    }
    if (++it->ticks == 100) {
      D_ERR("cluster lock: mutex helper pid %d ignores SIGTERM, killing it\n",
            static_cast<int>(it->pid));
      kill(it->pid, SIGKILL);
    }
    ++it;
  }
  if (reaping_.empty()) reap_timer_.reset();  // allowed from its own callback
}

void ClusterLock::stopHelper() {
  timeout_timer_.reset();
  out_event_.reset();
  err_event_.reset();
  out_fd_.reset();
  err_fd_.reset();
  err_buf_.clear();
  if (child_ <= 0) return;
  pid_t pid = child_;
  child_ = -1;
  kill(pid, SIGTERM);
  int status;
  if (waitpid(pid, &status, WNOHANG) == pid) return;
  reaping_.push_back(Reaping{pid, 0});
  if (!reap_timer_)
    reap_timer_ = std::make_unique<RepeatingTimer>(loop_, std::chrono::milliseconds(100),
                                                   [this]() { reapChildren(); });
}

}  // namespace ctdb::server
