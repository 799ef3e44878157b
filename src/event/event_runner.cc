#include "event/event_runner.h"

#include <cstdlib>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
#include <cstring>
#include <string_view>
#include <thread>

#include "event/helper_proto.h"
#include "event/script_rules.h"
#include "util/logging.h"

extern char** environ;

namespace ctdb::event {

namespace {

constexpr const char* kEventsKey = "\x01events";
constexpr const char* kMonitorKey = "\x01monitor";

std::string keyFor(const EventRequest& r) {
  switch (r.event) {
    case Event::TakeIp:
    case Event::ReleaseIp:
      return r.args.at(1);
    case Event::UpdateIp:
      return r.args.at(2);
    case Event::Monitor:
      return kMonitorKey;
    default:
      return kEventsKey;
  }
}

}  // namespace

IpBatchSupport scanIpBatchSupport(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return IpBatchSupport::None;
  size_t batch = 0, classic = 0;
  while (dirent* de = readdir(d)) {
    if (!eh_is_script_name(de->d_name)) continue;
    const std::string path = dir + "/" + de->d_name;
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR)) continue;
    const bool found = eh_file_has_batch_marker(path.c_str()) != 0;
    ++(found ? batch : classic);
  }
  closedir(d);
  if (batch == 0) return IpBatchSupport::None;
  return classic == 0 ? IpBatchSupport::All : IpBatchSupport::Mixed;
}

size_t defaultMaxHelpers() {
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return std::min<size_t>(8, 4 * size_t(cores));
}

struct EventRunner::Request {
  EventRequest req;
  Completer<EventResult> c;
  std::string key;
  std::chrono::milliseconds timeout{0};
  Helper* helper = nullptr;  // set while running
  bool is_cancelled = false;
};

struct EventRunner::Helper {
  std::unique_ptr<HelperProcess> proc;
  std::vector<std::shared_ptr<Request>> jobs;
  std::vector<bool> is_done;
  bool is_delivery = false;  // ipreallocated holding the changes snapshot
};

EventRunner::EventRunner(EventLoop& loop, EventRunnerOptions options)
    : loop_(loop), reaper_(loop), options_(std::move(options)) {
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "CTDB_IP_CHANGES_FILE=", 21) == 0) continue;
    if (std::strncmp(*e, "CTDB_PUBLIC_IP_LIFETIME=", 24) == 0) continue;  // read per event
    if (!options_.ctdb_base.empty() && std::strncmp(*e, "CTDB_BASE=", 10) == 0) continue;
    base_env_.emplace_back(*e);
  }
  if (!options_.ctdb_base.empty()) base_env_.push_back("CTDB_BASE=" + options_.ctdb_base);
  if (options_.max_helpers == 0) options_.max_helpers = 1;
  if (options_.max_batch == 0) options_.max_batch = 1;
}

Result<std::unique_ptr<EventRunner>> EventRunner::create(EventLoop& loop,
                                                         EventRunnerOptions options) {
  if (access(options.helper_path.c_str(), X_OK) != 0) {
    return errnoError(errno, "event runner: helper " + options.helper_path);
  }
  auto changes = ChangesFile::open(options.state_dir);
  if (!changes.ok()) return changes.error();
  std::unique_ptr<EventRunner> r(new EventRunner(loop, std::move(options)));
  r->changes_ = std::move(*changes);
  return r;
}

EventRunner::~EventRunner() {
  guard_.revoke();
  for (auto& [raw, h] : helpers_) {
    h->proc->kill();
    if (h->is_delivery && changes_->isDelivering()) {
      if (auto st = changes_->abortDelivery(); !st.ok()) {
        D_ERR("event runner: merging back changes snapshot: %s\n", st.error().message().c_str());
      }
    }
  }
  helpers_.clear();
  if (auto st = changes_->sync(); !st.ok()) D_ERR("event runner: %s\n", st.error().message().c_str());
}

std::vector<std::string> EventRunner::environmentFor(const std::string& changes_path) const {
  std::vector<std::string> env = base_env_;
  env.push_back("CTDB_IP_CHANGES_FILE=" + changes_path);
  // Set by ctdbd's IpService and changed with FenceTimeout: current value.
  if (const char* lft = std::getenv("CTDB_PUBLIC_IP_LIFETIME"); lft && *lft)
    env.push_back(std::string("CTDB_PUBLIC_IP_LIFETIME=") + lft);
  return env;
}

PendingOp EventRunner::run(EventRequest req, Done done) {
  auto [op, c] = makeAsync<EventResult>(loop_, std::move(done));
  if (req.args.size() != argCountFor(req.event)) {
    c.complete(errnoError(EINVAL, std::string("event ") + toString(req.event) + ": expected " +
                                      std::to_string(argCountFor(req.event)) + " arguments, got " +
                                      std::to_string(req.args.size())));
    return std::move(op);
  }
  if (req.event == Event::Monitor) {
    // "Running" means a job has not reported its end; a helper that has
    // reported everything and is only exiting does not count.
    bool others = !queue_.empty() ||
                  std::any_of(helpers_.begin(), helpers_.end(), [this](auto& kv) {
                    const auto& done = kv.second->is_done;
                    return kv.first != monitor_ &&
                           std::find(done.begin(), done.end(), false) != done.end();
                  });
    if (others) {
      D_DEBUG("event runner: monitor skipped, another event is running\n");
      c.complete(errnoError(ECANCELED, "monitor skipped: another event is running"));
      return std::move(op);
    }
  }
  if (monitor_ != nullptr) cancelMonitor();

  auto r = std::make_shared<Request>();
  r->req = std::move(req);
  r->c = c;
  r->key = keyFor(r->req);
  r->timeout = r->req.timeout.value_or(options_.timeout);
  queue_.push_back(r);
  const LifetimeGuard::Watch alive = guard_.watch();
  std::weak_ptr<Request> weak = r;
  c.onCancel([this, alive, weak] {
    auto req = weak.lock();
    if (alive.isAlive() && req) cancelRequest(req);
  });
  scheduleDispatch();
  return std::move(op);
}

const EventResult* EventRunner::lastStatus(Event e) const {
  auto it = last_.find(e);
  return it == last_.end() ? nullptr : &it->second;
}

void EventRunner::scheduleDispatch() {
  if (is_dispatch_posted_) return;
  is_dispatch_posted_ = true;
  const LifetimeGuard::Watch alive = guard_.watch();
  loop_.post([this, alive] {
    if (!alive.isAlive()) return;
    is_dispatch_posted_ = false;
    dispatch();
  });
}

void EventRunner::dispatch() {
  while (helpers_.size() < options_.max_helpers && !queue_.empty()) {
    // Candidates: the first waiting request of each key that is not busy.
    std::vector<size_t> ready;
    std::set<std::string> seen;
    for (size_t i = 0; i < queue_.size(); ++i) {
      const auto& key = queue_[i]->key;
      if (busy_keys_.count(key) || !seen.insert(key).second) continue;
      ready.push_back(i);
    }
    if (ready.empty()) return;
    auto first = queue_[ready[0]];
    std::vector<size_t> chosen = {ready[0]};
    const bool is_group = first->req.batch != 0 && (first->req.event == Event::TakeIp ||
                                                     first->req.event == Event::ReleaseIp);
    if (is_group) {
      // Every ready member of the group goes into this one helper.
      for (size_t k = 1; k < ready.size() && chosen.size() < EH_MAX_BATCH; ++k) {
        const auto& q = queue_[ready[k]];
        if (q->req.batch == first->req.batch && q->req.event == first->req.event &&
            q->timeout == first->timeout) {
          chosen.push_back(ready[k]);
        }
      }
    } else if (isIpEvent(first->req.event)) {
      auto packable = [&](const Request& q) {
        return isIpEvent(q.req.event) && q.req.batch == 0 && q.timeout == first->timeout;
      };
      size_t ready_ip = 0;
      for (size_t i : ready) {
        if (packable(*queue_[i])) ++ready_ip;
      }
      size_t free_slots = options_.max_helpers - helpers_.size();
      size_t batch = std::min(options_.max_batch, (ready_ip + free_slots - 1) / free_slots);
      for (size_t k = 1; k < ready.size() && chosen.size() < batch; ++k) {
        if (packable(*queue_[ready[k]])) chosen.push_back(ready[k]);
      }
    }
    std::vector<std::shared_ptr<Request>> jobs;
    for (size_t i : chosen) jobs.push_back(queue_[i]);
    for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
      queue_.erase(queue_.begin() + static_cast<long>(*it));
    }
    for (auto& j : jobs) busy_keys_.insert(j->key);
    startHelper(std::move(jobs), is_group);
  }
}

void EventRunner::startHelper(std::vector<std::shared_ptr<Request>> batch, bool is_batch_group) {
  auto fail_all = [&](const Error& e) {
    for (auto& r : batch) {
      busy_keys_.erase(r->key);
      r->c.complete(e);
    }
  };
  const Event ev = batch[0]->req.event;
  auto h = std::make_unique<Helper>();
  std::string changes_path = changes_->livePath();
  if (ev == Event::IpReallocated) {
    auto snap = changes_->beginDelivery();
    if (!snap.ok()) {
      D_ERR("event runner: ipreallocated not started: %s\n", snap.error().message().c_str());
      fail_all(snap.error());
      return;
    }
    changes_path = *snap;
    h->is_delivery = true;
  }
  HelperSpec spec;
  spec.helper_path = options_.helper_path;
  spec.script_dir = treeFor(ev) == ScriptTree::IpEvents ? options_.ip_events_dir
                                                        : options_.events_dir;
  spec.timeout = batch[0]->timeout;
  spec.env = environmentFor(changes_path);
  spec.is_batch_group = is_batch_group;
  for (auto& r : batch) spec.jobs.push_back(HelperJob{r->req.event, r->req.args});

  Helper* raw = h.get();
  HelperProcess::Callbacks cbs;
  cbs.on_job_done = [this, raw](size_t job, std::vector<ScriptResult> s) {
    onJobDone(raw, job, std::move(s));
  };
  cbs.on_exit = [this, raw](std::vector<size_t> unfinished) {
    removeHelper(raw, unfinished, false);
  };
  cbs.on_batch_done = [this, ev](size_t, size_t count, bool fallback, ScriptResult s) {
    ++batch_runs_;
    if (!fallback && !s.isFailure()) {
      D_INFO("event: %sbatch of %zu IPs: script %s %s in %.3f s\n", toString(ev), count,
             s.name.c_str(), toString(s.state), double(s.duration().count()) / 1e6);
      return;
    }
    if (fallback) ++batch_fallbacks_;
    D_ERR("event: %sbatch of %zu IPs: %s; %s\n", toString(ev), count, s.describe().c_str(),
          fallback ? "running it per IP to find the failed ones" : "every IP of the run fails");
  };
  auto proc = HelperProcess::spawn(loop_, reaper_, spec, std::move(cbs));
  if (!proc.ok()) {
    D_ERR("event runner: %s not started: %s\n", toString(ev), proc.error().message().c_str());
    if (h->is_delivery) {
      if (auto st = changes_->abortDelivery(); !st.ok()) {
        D_ERR("event runner: changes file: %s\n", st.error().message().c_str());
      }
    }
    fail_all(proc.error());
    return;
  }
  h->proc = std::move(*proc);
  h->jobs = std::move(batch);
  h->is_done.assign(h->jobs.size(), false);
  for (auto& r : h->jobs) r->helper = raw;
  if (ev == Event::Monitor) monitor_ = raw;
  helpers_.emplace(raw, std::move(h));
  ++spawned_;
  max_seen_ = std::max(max_seen_, helpers_.size());
}

void EventRunner::onJobDone(Helper* h, size_t job, std::vector<ScriptResult> scripts) {
  if (job >= h->jobs.size() || h->is_done[job]) return;
  h->is_done[job] = true;
  auto r = h->jobs[job];
  EventResult res{r->req.event, r->req.args, std::move(scripts)};
  const bool ok = res.isSuccess();
  if (!ok) {
    const ScriptResult* f = res.firstFailure();
    if (options_.failure_log_level <= log::level())
      log::write(static_cast<log::Level>(options_.failure_log_level), "event: %s failed: %s\n",
                 res.commandLine().c_str(), f->describe().c_str());
  }
  if (isIpEvent(res.event) && ok) {
    if (auto st = changes_->append(res.commandLine()); !st.ok()) {
      D_ERR("event: %s succeeded but its change was not recorded: %s\n",
            res.commandLine().c_str(), st.error().message().c_str());
    } else if (!is_sync_posted_) {
      // One fdatasync for all results of this loop iteration, posted before
      // the completions so it runs before any callback sees success.
      is_sync_posted_ = true;
      const LifetimeGuard::Watch alive = guard_.watch();
      loop_.post([this, alive] {
        if (!alive.isAlive()) return;
        is_sync_posted_ = false;
        if (auto st = changes_->sync(); !st.ok()) {
          D_ERR("event runner: %s\n", st.error().message().c_str());
        }
      });
    }
  }
  if (h->is_delivery) {
    h->is_delivery = false;
    auto st = ok ? changes_->commitDelivery() : changes_->abortDelivery();
    if (!st.ok()) D_ERR("event runner: changes file: %s\n", st.error().message().c_str());
  }
  last_[res.event] = res;
  busy_keys_.erase(r->key);
  r->helper = nullptr;
  r->c.complete(std::move(res));
  scheduleDispatch();
}

void EventRunner::removeHelper(Helper* h, const std::vector<size_t>& unfinished, bool is_killed) {
  auto it = helpers_.find(h);
  if (it == helpers_.end()) return;
  std::unique_ptr<Helper> owned = std::move(it->second);
  helpers_.erase(it);
  if (monitor_ == h) monitor_ = nullptr;
  if (owned->is_delivery) {
    owned->is_delivery = false;
    if (auto st = changes_->abortDelivery(); !st.ok()) {
      D_ERR("event runner: changes file: %s\n", st.error().message().c_str());
    }
  }
  for (size_t j : unfinished) {
    if (j >= owned->jobs.size() || owned->is_done[j]) continue;
    auto& r = owned->jobs[j];
    busy_keys_.erase(r->key);
    r->helper = nullptr;
    if (!is_killed) {
      r->c.complete(errnoError(EPIPE, std::string("event ") + toString(r->req.event) +
                                          ": helper exited before the event finished"));
    }
  }
  // We may be inside this helper's own FdEvent callback: destroy it later.
  if (owned->proc) owned->proc->kill();
  loop_.deleteLater(std::move(owned));
  scheduleDispatch();
}

void EventRunner::cancelRequest(const std::shared_ptr<Request>& r) {
  r->is_cancelled = true;
  auto q = std::find(queue_.begin(), queue_.end(), r);
  if (q != queue_.end()) {
    queue_.erase(q);
    return;
  }
  Helper* h = r->helper;
  if (h == nullptr || !helpers_.count(h)) return;
  for (size_t j = 0; j < h->jobs.size(); ++j) {
    if (!h->is_done[j] && !h->jobs[j]->is_cancelled) return;  // batch partner still wants it
  }
  D_INFO("event runner: %s cancelled, killing helper %d\n", toString(r->req.event),
         h->proc->pid());
  std::vector<size_t> all(h->jobs.size());
  for (size_t j = 0; j < all.size(); ++j) all[j] = j;
  removeHelper(h, all, true);
}

void EventRunner::cancelMonitor() {
  Helper* h = monitor_;
  monitor_ = nullptr;
  if (h == nullptr || !helpers_.count(h)) return;
  D_INFO("event runner: cancelling the running monitor event\n");
  h->jobs[0]->c.complete(errnoError(ECANCELED, "monitor cancelled by another event"));
  removeHelper(h, {0}, true);
}

}  // namespace ctdb::event
