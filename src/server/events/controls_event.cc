/*
 * The event controls of ctdbd:
 *  - GET_EVENT_SCRIPT_STATUS (opcode 96, CTDB 4.5): request uint32 event
 *    number, reply the last completed run of that event in 4.5's
 *    ctdb_script_list layout (event/script_status.h), empty when it never
 *    ran. A bad request is answered -1 with a message.
 *  - this project's EVENT_SCRIPT_LIST, EVENT_SCRIPT_ENABLE,
 *    EVENT_SCRIPT_DISABLE and EVENT_RUN (`ctdb event script ...`, `ctdb
 *    event run`; payloads and statuses in event/event_control.h) on the
 *    two trees the runner runs, so the tool changes and runs exactly what
 *    this daemon runs, whatever --event-script-dir says. EVENT_RUN goes
 *    through the EventRunner like every other event (same helper, queue,
 *    monitor rules, changes file, last status) and answers when the event
 *    is done; a client that left meanwhile gets nothing (the event still
 *    completes and its status is kept).
 */
#include <memory>

#include "event/event_control.h"
#include "event/script_status.h"
#include "server/events/event_service.h"
#include "util/logging.h"

namespace ctdb::server {

namespace {

void answer(ReplySink& sink, event::ControlAnswer a) {
  sink.reply({a.status, std::move(a.data),
              a.message.empty() ? std::nullopt : std::optional<std::string>(std::move(a.message))});
}

event::TreeDirs dirsOf(const event::EventRunner& runner) {
  return event::TreeDirs{runner.scriptDir(event::ScriptTree::Events),
                         runner.scriptDir(event::ScriptTree::IpEvents)};
}

}  // namespace

Status registerEventControls(ControlDispatcher& d, event::EventRunner& runner) {
  auto st = d.registerHandler(protocol::Opcode::GetEventScriptStatus,
                              [&runner](const ControlRequest& req, ReplySink sink) {
                                auto e = event::decodeScriptStatusRequest(req.data);
                                if (!e) {
                                  return sink.fail(-1, "GET_EVENT_SCRIPT_STATUS: " +
                                                           e.error().message());
                                }
                                sink.ok(event::encodeScriptStatusReply(runner.lastStatus(*e)));
                              });
  if (!st) return st;
  st = d.registerHandler(protocol::Opcode::EventScriptList,
                         [&runner](const ControlRequest& req, ReplySink sink) {
                           answer(sink, event::answerScriptList(dirsOf(runner), req.data));
                         });
  if (!st) return st;
  for (bool enable : {true, false}) {
    auto op = enable ? protocol::Opcode::EventScriptEnable : protocol::Opcode::EventScriptDisable;
    st = d.registerHandler(op, [&runner, enable](const ControlRequest& req, ReplySink sink) {
      auto a = event::answerScriptSetEnabled(dirsOf(runner), req.data, enable);
      if (auto r = event::decodeScriptRequest(req.data); r && a.status == 0) {
        D_NOTICE("event script %s/%s %s (ctdb event script)\n", event::treeName(r->tree),
                 r->name.c_str(), enable ? "enabled" : "disabled");
      }
      answer(sink, std::move(a));
    });
    if (!st) return st;
  }
  return d.registerHandler(
      protocol::Opcode::EventRun, [&runner](const ControlRequest& req, ReplySink sink) {
        auto plan = event::planRun(dirsOf(runner), req.data);
        if (!plan) return answer(sink, event::answerFromError(plan.error()));
        event::EventRequest er;
        er.event = plan->event;
        er.args = plan->args;
        er.timeout = std::chrono::seconds(plan->timeout_s);
        D_NOTICE("running event %s (ctdb event run, timeout %u s)\n",
                 event::EventResult{plan->event, plan->args, {}}.commandLine().c_str(),
                 plan->timeout_s);
        auto held = std::make_shared<ReplySink>(std::move(sink));
        runner.run(std::move(er), [held, p = *plan](Result<event::EventResult> r) {
                auto a = event::runAnswer(p, r);
                if (a.status != 0) D_NOTICE("ctdb event run: %s\n", a.message.c_str());
                answer(*held, std::move(a));
              })
            .detach();
      });
}

}  // namespace ctdb::server
