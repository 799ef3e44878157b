#include "event/helper_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "event/helper_proto.h"
#include "util/logging.h"

namespace ctdb::event {

namespace {

constexpr int kResultFdInChild = 3;

std::chrono::system_clock::time_point fromUs(int64_t us) {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(us));
}

}  // namespace

HelperProcess::HelperProcess(EventLoop& loop, ChildReaper& reaper, size_t njobs, Callbacks cbs)
    : loop_(loop), reaper_(reaper), cbs_(std::move(cbs)), job_done_(njobs, false),
      current_(njobs) {}

Result<std::unique_ptr<HelperProcess>> HelperProcess::spawn(EventLoop& loop, ChildReaper& reaper,
                                                            const HelperSpec& spec,
                                                            Callbacks cbs) {
  if (spec.jobs.empty()) return errnoError(EINVAL, "event helper: no jobs");

  // Plan everything before the vfork-style spawn: argv, envp, fds.
  std::vector<std::string> args = {spec.helper_path, std::to_string(kResultFdInChild),
                                   std::to_string(spec.timeout.count()), spec.script_dir};
  if (spec.is_batch_group) {
    const Event ev = spec.jobs[0].event;
    if (spec.jobs.size() > EH_MAX_BATCH || (ev != Event::TakeIp && ev != Event::ReleaseIp)) {
      return errnoError(EINVAL, "event helper: a batch group needs 1.." +
                                    std::to_string(EH_MAX_BATCH) + " takeip or releaseip jobs");
    }
    for (const auto& j : spec.jobs) {
      if (j.event != ev || j.args.size() != 3) {
        return errnoError(EINVAL, "event helper: a batch group mixes events or arguments");
      }
    }
    args.push_back(EH_BATCH_WORD);
    args.push_back(std::to_string(spec.jobs.size()));
  }
  for (const auto& j : spec.jobs) {
    if (j.args.size() + 1 > EH_MAX_JOB_WORDS) {
      return errnoError(E2BIG, std::string("event helper: too many arguments for ") +
                                   toString(j.event));
    }
    args.push_back(std::to_string(j.args.size() + 1));
    args.push_back(toString(j.event));
    for (const auto& a : j.args) args.push_back(a);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errnoError(errno, "event helper: pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  if (wr.get() == kResultFdInChild) {  // dup2(3, 3) would keep CLOEXEC
    int moved = fcntl(wr.get(), F_DUPFD_CLOEXEC, 10);
    if (moved < 0) return errnoError(errno, "event helper: dup");
    wr.reset(moved);
  }

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), kResultFdInChild);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, spec.helper_path.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return errnoError(rc, "event helper: spawn " + spec.helper_path);
  wr.reset();

  std::unique_ptr<HelperProcess> hp(new HelperProcess(loop, reaper, spec.jobs.size(), std::move(cbs)));
  hp->pid_ = pid;
  std::weak_ptr<bool> reaped = hp->reaped_;
  reaper.watch(pid, [reaped](int) {
    if (auto r = reaped.lock()) *r = true;
  });
  fcntl(rd.get(), F_SETFL, O_NONBLOCK);
  hp->fd_ = std::move(rd);
  HelperProcess* raw = hp.get();
  hp->fde_ = std::make_unique<FdEvent>(loop, hp->fd_.get(), FdEvent::kRead,
                                       [raw](uint16_t) { raw->onReadable(); });
  D_DEBUG("event helper: started pid %d for %zu job(s) in %s\n", pid, spec.jobs.size(),
          spec.script_dir.c_str());
  return hp;
}

HelperProcess::~HelperProcess() {
  guard_.revoke();
  kill();
}

void HelperProcess::kill() {
  if (fde_ == nullptr && !fd_.valid()) return;
  fde_.reset();
  fd_.reset();
  if (*reaped_) return;  // pid may be reused: do not signal it
  // The helper may have started a script whose START record we have not
  // read yet, so it gets SIGTERM: it SIGKILLs its current script's group and
  // exits. A group we already know is killed here too; a helper that does
  // not exit within a second has its own group SIGKILLed by the reaper.
  ::kill(pid_, SIGTERM);
  if (script_pgid_ > 0) ::kill(-script_pgid_, SIGKILL);
  reaper_.killGroupLater(pid_, std::chrono::seconds(1));
  D_INFO("event helper: killed pid %d (script group %d)\n", pid_, script_pgid_);
  script_pgid_ = 0;
}

Result<ScriptResult> HelperProcess::decodeScriptDone(const uint8_t* p, size_t len, uint32_t* job) {
  eh_script_done d;
  if (len < sizeof d) return errnoError(EPROTO, "event helper: short SCRIPT_DONE record");
  std::memcpy(&d, p, sizeof d);
  if (sizeof d + size_t(d.name_len) + d.output_len != len || d.output_len > EH_MAX_OUTPUT ||
      d.name_len > EH_MAX_SCRIPT_NAME) {
    return errnoError(EPROTO, "event helper: bad SCRIPT_DONE lengths");
  }
  ScriptResult r;
  *job = d.job;
  r.name.assign(reinterpret_cast<const char*>(p + sizeof d), d.name_len);
  r.output.assign(reinterpret_cast<const char*>(p + sizeof d + d.name_len), d.output_len);
  r.is_output_truncated = d.output_total > d.output_len;
  r.code = d.code;
  r.start = fromUs(d.start_us);
  r.end = fromUs(d.end_us);
  switch (d.kind) {
    case EH_KIND_EXITED: r.state = d.code == 0 ? ScriptState::Ok : ScriptState::Failed; break;
    case EH_KIND_SIGNALED: r.state = ScriptState::Signaled; break;
    case EH_KIND_TIMEDOUT: r.state = ScriptState::TimedOut; break;
    case EH_KIND_DISABLED: r.state = ScriptState::Disabled; break;
    case EH_KIND_MISSING: r.state = ScriptState::Missing; break;
    case EH_KIND_EXEC_FAILED: r.state = ScriptState::ExecFailed; break;
    case EH_KIND_SPAWN_FAILED: r.state = ScriptState::SpawnFailed; break;
    default: return errnoError(EPROTO, "event helper: unknown script result kind");
  }
  return r;
}

void HelperProcess::onReadable() {
  uint8_t tmp[16384];
  for (;;) {
    ssize_t n = read(fd_.get(), tmp, sizeof tmp);
    if (n > 0) {
      buf_.insert(buf_.end(), tmp, tmp + n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      parseRecords();
      return;
    }
    // EOF (or a read error, treated alike): the helper is gone.
    if (!parseRecords() || !fde_) return;
    finish();
    return;
  }
}

void HelperProcess::finish() {
  fde_.reset();
  fd_.reset();
  script_pgid_ = 0;
  std::vector<size_t> unfinished;
  for (size_t i = 0; i < job_done_.size(); ++i) {
    if (!job_done_[i]) unfinished.push_back(i);
  }
  if (!unfinished.empty()) {
    D_ERR("event helper: pid %d exited with %zu job(s) unfinished\n", pid_, unfinished.size());
  }
  auto cb = std::move(cbs_.on_exit);
  if (cb) cb(std::move(unfinished));
}

bool HelperProcess::parseRecords() {
  const LifetimeGuard::Watch alive = guard_.watch();
  size_t off = 0;
  while (buf_.size() - off >= sizeof(eh_rec_hdr)) {
    eh_rec_hdr h;
    std::memcpy(&h, buf_.data() + off, sizeof h);
    if (h.len > EH_MAX_RECORD) {
      D_ERR("event helper: pid %d sent a %u byte record, killing it\n", pid_, h.len);
      buf_.clear();
      if (script_pgid_ > 0) ::kill(-script_pgid_, SIGKILL);
      ::kill(-pid_, SIGKILL);
      finish();
      return false;
    }
    if (buf_.size() - off - sizeof h < h.len) break;
    const uint8_t* p = buf_.data() + off + sizeof h;
    off += sizeof h + h.len;
    if (h.type == EH_REC_SCRIPT_START && h.len >= sizeof(eh_script_start)) {
      eh_script_start s;
      std::memcpy(&s, p, sizeof s);
      script_pgid_ = s.pid;
      if (cbs_.on_script_start) cbs_.on_script_start(s.job, s.pid);
    } else if (h.type == EH_REC_SCRIPT_DONE) {
      uint32_t job = 0;
      auto r = decodeScriptDone(p, h.len, &job);
      script_pgid_ = 0;
      if (!r.ok()) {
        D_ERR("event helper: pid %d: %s\n", pid_, r.error().message().c_str());
        continue;
      }
      if (job < current_.size()) current_[job].push_back(std::move(*r));
    } else if (h.type == EH_REC_BATCH_DONE && h.len >= sizeof(eh_batch_done)) {
      eh_batch_done b;
      std::memcpy(&b, p, sizeof b);
      uint32_t job = 0;
      auto r = decodeScriptDone(p + sizeof b, h.len - sizeof b, &job);
      script_pgid_ = 0;
      if (!r.ok()) {
        D_ERR("event helper: pid %d: %s\n", pid_, r.error().message().c_str());
        continue;
      }
      if (cbs_.on_batch_done) cbs_.on_batch_done(job, b.count, b.fallback != 0, std::move(*r));
    } else if (h.type == EH_REC_JOB_END && h.len >= sizeof(eh_job_end)) {
      eh_job_end e;
      std::memcpy(&e, p, sizeof e);
      if (e.job >= job_done_.size() || job_done_[e.job]) continue;
      job_done_[e.job] = true;
      auto scripts = std::move(current_[e.job]);
      current_[e.job] = {};
      if (cbs_.on_job_done) cbs_.on_job_done(e.job, std::move(scripts));
    }
    if (!alive.isAlive() || !fde_) return false;
  }
  buf_.erase(buf_.begin(), buf_.begin() + static_cast<long>(off));
  return true;
}

}  // namespace ctdb::event
