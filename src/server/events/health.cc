#include "server/events/health.h"

#include <algorithm>
#include <cerrno>

#include "util/logging.h"

namespace ctdb::server {

const char* HealthMonitor::toString(Verdict v) {
  switch (v) {
    case Verdict::Ignore: return "ignore";
    case Verdict::Ok: return "ok";
    case Verdict::Fail: return "fail";
  }
  return "?";
}

HealthMonitor::HealthMonitor(EventLoop& loop, HealthHooks hooks)
    : loop_(loop), hooks_(std::move(hooks)) {}

HealthMonitor::~HealthMonitor() { stop(); }

std::chrono::seconds HealthMonitor::cap(std::chrono::seconds s) const {
  uint32_t mi = hooks_.monitor_interval_s ? hooks_.monitor_interval_s() : 15;
  return std::min(s, std::chrono::seconds(std::max<uint32_t>(mi, 1)));
}

void HealthMonitor::start() {
  if (is_started_) return;
  is_started_ = true;
  next_ = cap(std::chrono::seconds(2));
  schedule();
}

void HealthMonitor::stop() {
  is_started_ = false;
  timer_.reset();
  op_.cancel();
}

void HealthMonitor::schedule() {
  if (!is_started_) return;
  auto wait = next_;
  next_ = cap(next_ * 2);
  timer_ = std::make_unique<Timer>(loop_, std::chrono::duration_cast<std::chrono::milliseconds>(wait),
                                   [this]() { runOnce(); });
}

void HealthMonitor::runOnce() {
  if (!is_started_ || !hooks_.run_monitor) return;
  op_ = hooks_.run_monitor([this](Result<event::EventResult> r) { onResult(std::move(r)); });
}

HealthMonitor::Verdict HealthMonitor::classify(const Result<event::EventResult>& r) {
  if (!r) {
    if (r.error().code.value() == ECANCELED) return Verdict::Ignore;
    timeouts_ = 0;
    return Verdict::Fail;
  }
  const event::ScriptResult* f = r->firstFailure();
  if (f == nullptr) {
    timeouts_ = 0;
    return Verdict::Ok;
  }
  if (f->state == event::ScriptState::Cancelled) return Verdict::Ignore;
  if (f->state == event::ScriptState::TimedOut) {
    ++timeouts_;
    uint32_t limit = hooks_.monitor_timeout_count ? hooks_.monitor_timeout_count() : 20;
    if (timeouts_ >= limit) {
      D_ERR("monitor event: %u consecutive timeouts (MonitorTimeoutCount %u) - counting as failure\n",
            timeouts_, limit);
      return Verdict::Fail;
    }
    D_WARNING("monitor event: script %s timed out (%u of %u before the node is unhealthy)\n",
              f->name.c_str(), timeouts_, limit);
    return Verdict::Ok;
  }
  timeouts_ = 0;
  return Verdict::Fail;
}

void HealthMonitor::onResult(Result<event::EventResult> r) {
  op_ = PendingOp();
  if (!is_started_) return;
  ++runs_;
  Verdict v = classify(r);
  bool unhealthy = hooks_.is_unhealthy && hooks_.is_unhealthy();
  std::string why;
  if (!r) {
    why = r.error().message();
  } else if (const auto* f = r->firstFailure()) {
    why = f->describe();
  }
  if (v == Verdict::Fail && !unhealthy) {
    D_ERR("monitor event failed - disabling node: %s\n", why.c_str());
    if (hooks_.set_unhealthy) hooks_.set_unhealthy(true);
    next_ = cap(std::chrono::seconds(5));
    if (hooks_.request_takeover_run) hooks_.request_takeover_run("node became unhealthy");
  } else if (v == Verdict::Ok && unhealthy) {
    D_NOTICE("monitor event OK - node re-enabled\n");
    if (hooks_.set_unhealthy) hooks_.set_unhealthy(false);
    next_ = cap(std::chrono::seconds(5));
    if (hooks_.request_takeover_run) hooks_.request_takeover_run("node became healthy");
  } else if (v == Verdict::Fail) {
    D_INFO("monitor event failed again: %s\n", why.c_str());
  }
  schedule();
}

}  // namespace ctdb::server
