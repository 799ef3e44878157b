#include "event/script_ip_actions.h"

#include <algorithm>
#include <cerrno>

#include "util/logging.h"

namespace ctdb::event {

namespace {

constexpr size_t kTake = 0;
constexpr size_t kRelease = 1;

Status toStatus(Result<EventResult> r) {
  if (!r.ok()) return r.error();
  const ScriptResult* f = r->firstFailure();
  if (f == nullptr) return Status{};
  // ETIMEDOUT lets the daemon tell a hung script (CTDB 4.5 bans the node
  // for it) from a failing one; describe() carries the script's last
  // output line, so an admin reading the log need not re-run it.
  const int code = f->state == ScriptState::TimedOut ? ETIMEDOUT : EIO;
  return errnoError(code, r->commandLine() + ": " + f->describe());
}

std::vector<std::string> ipArgs(const std::string& iface, const IpPrefix& ip) {
  return {iface, ip.addr.toString(), std::to_string(ip.prefix)};
}

template <class T>
bool eraseFrom(std::vector<T>& v, const T& x) {
  auto it = std::find(v.begin(), v.end(), x);
  if (it == v.end()) return false;
  v.erase(it);
  return true;
}

}  // namespace

struct ScriptIpActions::Item {
  Event event = Event::TakeIp;
  std::vector<std::string> args;
  Completer<void> c;
  PendingOp run;  // the runner's request, once submitted
};

ScriptIpActions::ScriptIpActions(EventRunner& runner, size_t max_batch)
    : runner_(runner), max_batch_(std::max<size_t>(1, max_batch)) {}

ScriptIpActions::~ScriptIpActions() {
  guard_.revoke();
  for (auto& k : kinds_) {
    for (auto* list : {&k.waiting, &k.running}) {
      for (auto& item : *list) {
        item->run.cancel();
        item->c.complete(errnoError(ECANCELED, std::string(toString(item->event)) +
                                                   ": IP actions shut down"));
      }
      list->clear();
    }
  }
}

PendingOp ScriptIpActions::run(Event e, std::vector<std::string> args, Done done) {
  return runner_.run(EventRequest{e, std::move(args), std::nullopt},
                     [done = std::move(done)](Result<EventResult> r) {
                       done(toStatus(std::move(r)));
                     });
}

PendingOp ScriptIpActions::queue(size_t kind, Event e, std::vector<std::string> args,
                                 Done done) {
  auto [op, c] = makeAsync<void>(runner_.loop(), std::move(done));
  auto item = std::make_shared<Item>();
  item->event = e;
  item->args = std::move(args);
  item->c = c;
  kinds_[kind].waiting.push_back(item);
  const LifetimeGuard::Watch alive = guard_.watch();
  std::weak_ptr<Item> weak = item;
  c.onCancel([this, alive, weak, kind] {
    auto it = weak.lock();
    if (alive.isAlive() && it) cancel(kind, it);
  });
  scheduleFlush(kind);
  return std::move(op);
}

void ScriptIpActions::scheduleFlush(size_t kind) {
  Kind& k = kinds_[kind];
  if (k.is_flush_posted || k.waiting.empty()) return;
  k.is_flush_posted = true;
  const LifetimeGuard::Watch alive = guard_.watch();
  runner_.loop().post([this, alive, kind] {
    if (!alive.isAlive()) return;
    kinds_[kind].is_flush_posted = false;
    flush(kind);
  });
}

void ScriptIpActions::flush(size_t kind) {
  Kind& k = kinds_[kind];
  if (k.waiting.empty()) return;
  const IpBatchSupport support = runner_.ipBatchSupport();
  if (support == IpBatchSupport::None) {
    // Nothing to gain from groups: every IP is an ordinary request now.
    ++flushes_;
    auto items = std::move(k.waiting);
    k.waiting.clear();
    for (auto& item : items) submit(kind, item, 0);
    return;
  }
  // Keep collecting while the previous batch of this kind runs.
  if (!k.running.empty()) return;
  ++flushes_;
  const size_t n = std::min(k.waiting.size(), max_batch_);
  std::vector<std::shared_ptr<Item>> items(k.waiting.begin(), k.waiting.begin() + long(n));
  k.waiting.erase(k.waiting.begin(), k.waiting.begin() + long(n));
  // Mixed trees: one group per helper, so classic scripts' per-IP runs
  // still run in parallel.
  const size_t groups =
      support == IpBatchSupport::Mixed ? std::min(n, std::max<size_t>(1, runner_.maxHelpers())) : 1;
  const size_t per_group = (n + groups - 1) / groups;
  D_INFO("ip events: %s of %zu IPs in %zu group(s)%s\n", kind == kTake ? "takeip" : "releaseip",
         n, (n + per_group - 1) / per_group, k.waiting.empty() ? "" : ", more waiting");
  for (size_t i = 0; i < n; i += per_group) {
    const size_t end = std::min(n, i + per_group);
    // A group of one is an ordinary event.
    const uint64_t batch = end - i > 1 ? ++next_batch_ : 0;
    for (size_t j = i; j < end; ++j) submit(kind, items[j], batch);
  }
}

void ScriptIpActions::submit(size_t kind, const std::shared_ptr<Item>& item, uint64_t batch) {
  kinds_[kind].running.push_back(item);
  const LifetimeGuard::Watch alive = guard_.watch();
  std::weak_ptr<Item> weak = item;
  item->run = runner_.run(EventRequest{item->event, item->args, std::nullopt, batch},
                          [this, alive, weak, kind](Result<EventResult> r) {
                            auto it = weak.lock();
                            if (!alive.isAlive() || !it) return;
                            finish(kind, it, toStatus(std::move(r)));
                          });
}

void ScriptIpActions::finish(size_t kind, const std::shared_ptr<Item>& item, Status st) {
  eraseFrom(kinds_[kind].running, item);
  item->c.complete(std::move(st));
  scheduleFlush(kind);
}

void ScriptIpActions::cancel(size_t kind, const std::shared_ptr<Item>& item) {
  Kind& k = kinds_[kind];
  if (eraseFrom(k.waiting, item)) return;
  if (eraseFrom(k.running, item)) {
    item->run.cancel();
    scheduleFlush(kind);
  }
}

PendingOp ScriptIpActions::takeIp(const std::string& iface, const IpPrefix& ip, Done done) {
  return queue(kTake, Event::TakeIp, ipArgs(iface, ip), std::move(done));
}

PendingOp ScriptIpActions::releaseIp(const std::string& iface, const IpPrefix& ip, Done done) {
  return queue(kRelease, Event::ReleaseIp, ipArgs(iface, ip), std::move(done));
}

PendingOp ScriptIpActions::updateIp(const std::string& old_iface, const std::string& new_iface,
                                    const IpPrefix& ip, Done done) {
  return run(Event::UpdateIp,
             {old_iface, new_iface, ip.addr.toString(), std::to_string(ip.prefix)},
             std::move(done));
}

PendingOp ScriptIpActions::ipreallocated(Done done) {
  return run(Event::IpReallocated, {}, std::move(done));
}

}  // namespace ctdb::event
