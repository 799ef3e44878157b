// Runs one "startup" event through EventRunner and exits 0 on success; used
// by HelperIsStartedWithVfork under strace. argv: HELPER_PATH CTDB_BASE
#include <cstdio>
#include <optional>

#include "event/event_runner.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto loop = ctdb::EventLoop::create().value();
  ctdb::event::EventRunnerOptions o;
  o.helper_path = argv[1];
  o.events_dir = std::string(argv[2]) + "/events.d";
  o.ip_events_dir = std::string(argv[2]) + "/ip_events.d";
  o.state_dir = std::string(argv[2]) + "/probe_state";
  auto runner = ctdb::event::EventRunner::create(*loop, o);
  if (!runner.ok()) return 3;
  std::optional<bool> ok;
  auto op = (*runner)->run({ctdb::event::Event::Startup, {}, std::nullopt},
                           [&](ctdb::Result<ctdb::event::EventResult> r) {
                             ok = r.ok() && r->isSuccess();
                           });
  loop->runUntil([&] { return ok.has_value(); }, std::chrono::seconds(10));
  return ok.value_or(false) ? 0 : 1;
}
