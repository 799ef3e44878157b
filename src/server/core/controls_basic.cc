#include <signal.h>
#include <unistd.h>

#include "protocol/types.h"
#include "server/core/controls.h"
#include "util/logging.h"

namespace ctdb::server {
namespace {

using protocol::Opcode;

protocol::Timeval toTimeval(std::chrono::system_clock::time_point t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  return protocol::Timeval{us / 1000000, us % 1000000};
}

}  // namespace

Status registerBasicControls(ControlDispatcher& d, ControlContext& ctx) {
  auto add = [&d](Opcode op, ControlHandler h) { return d.registerHandler(op, std::move(h)); };
  Status st;
  auto chain = [&st](Status s) {
    if (st.ok() && !s.ok()) st = s;
  };

  chain(add(Opcode::ProcessExists, [&ctx](const ControlRequest& req, ReplySink sink) {
    auto pid = protocol::decodeI32(req.data);
    if (!pid) {
      sink.status(-1);
      return;
    }
    // As ctdbd: only pids of connected clients count, and not while inactive.
    if (!ctx.is_client_pid(static_cast<pid_t>(*pid)) ||
        (ctx.nodes.localFlags() & protocol::NodeFlags::kInactive)) {
      sink.status(-1);
      return;
    }
    sink.status(kill(static_cast<pid_t>(*pid), 0) == 0 ? 0 : -1);
  }));

  chain(add(Opcode::GetPnn, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.status(static_cast<int32_t>(ctx.nodes.ownPnn()));
  }));

  chain(add(Opcode::Ping, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.status(static_cast<int32_t>(ctx.client_count()));
  }));

  chain(add(Opcode::GetPid, [](const ControlRequest&, ReplySink sink) {
    sink.status(static_cast<int32_t>(getpid()));
  }));

  chain(add(Opcode::Uptime, [&ctx](const ControlRequest&, ReplySink sink) {
    protocol::Uptime u;
    u.current_time = toTimeval(std::chrono::system_clock::now());
    u.ctdbd_start_time = toTimeval(ctx.times.start);
    u.last_recovery_started = toTimeval(ctx.times.last_recovery_started);
    u.last_recovery_finished = toTimeval(ctx.times.last_recovery_finished);
    sink.ok(protocol::encode(u));
  }));

  chain(add(Opcode::GetRunstate, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encodeU32(static_cast<uint32_t>(ctx.runstate.current())));
  }));

  chain(add(Opcode::GetDebug, [](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encodeU32(static_cast<uint32_t>(log::level())));
  }));

  chain(add(Opcode::SetDebug, [](const ControlRequest& req, ReplySink sink) {
    auto level = protocol::decodeI32(req.data);
    if (!level) {
      sink.status(-1);
      return;
    }
    D_NOTICE("debug level set to %d by client %u\n", *level, req.client_id);
    log::setLevel(*level);
    sink.ok();
  }));

  chain(add(Opcode::RegisterSrvid, [&ctx](const ControlRequest& req, ReplySink sink) {
    if (req.client_id == kNoClient) {
      sink.status(-1);
      return;
    }
    ctx.srvids.registerSrvid(req.client_id, req.srvid);
    D_DEBUG("client %u registered srvid 0x%016llx\n", req.client_id,
            static_cast<unsigned long long>(req.srvid));
    sink.ok();
    // The CLI waits for the leader right after registering for it; tell it
    // at once instead of making it wait for the next periodic broadcast.
    if (req.srvid == protocol::kSrvidLeader)
      ctx.messages.pushToClient(req.client_id, protocol::kSrvidLeader,
                                protocol::encodeU32(ctx.nodes.leader()));
  }));

  chain(add(Opcode::DeregisterSrvid, [&ctx](const ControlRequest& req, ReplySink sink) {
    auto st2 = ctx.srvids.deregisterSrvid(req.client_id, req.srvid);
    if (!st2) {
      sink.status(ENOENT);
      return;
    }
    sink.ok();
  }));

  chain(add(Opcode::GetRecmode, [](const ControlRequest&, ReplySink sink) {
    sink.status(static_cast<int32_t>(protocol::kRecmodeNormal));
  }));

  chain(add(Opcode::GetRecmaster, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.status(static_cast<int32_t>(ctx.nodes.leader()));
  }));

  chain(add(Opcode::GetCapabilities, [](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encodeU32(protocol::kCapDefault));
  }));

  chain(add(Opcode::GetReclockFile, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encode(protocol::String{ctx.reclock}));
  }));

  chain(add(Opcode::Shutdown, [&ctx](const ControlRequest& req, ReplySink sink) {
    D_NOTICE("shutdown requested by client %u (pid %d)\n", req.client_id,
             static_cast<int>(req.client_pid));
    sink.ok();  // goes nowhere for the usual NOREPLY request
    ctx.request_shutdown("SHUTDOWN control");
  }));

  return st;
}

}  // namespace ctdb::server
