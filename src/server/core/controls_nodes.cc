#include <memory>

#include "protocol/types.h"
#include "server/core/controls.h"
#include "util/logging.h"

namespace ctdb::server {
namespace {

using protocol::Opcode;
namespace NF = protocol::NodeFlags;

/* Ban bookkeeping shared by the ban controls (SET/GET_BAN_STATE). */
struct BanTimer {
  std::unique_ptr<Timer> timer;
  std::chrono::steady_clock::time_point until;
};

/* Handler that sets/clears one flag bit of this node and answers 0. */
ControlHandler localFlagHandler(ControlContext& ctx, uint32_t set, uint32_t clear,
                                const char* what) {
  return [&ctx, set, clear, what](const ControlRequest& req, ReplySink sink) {
    D_NOTICE("%s requested by client %u\n", what, req.client_id);
    ctx.nodes.modifyFlags(ctx.nodes.ownPnn(), set, clear);
    sink.ok();
  };
}

}  // namespace

Status registerNodeControls(ControlDispatcher& d, ControlContext& ctx) {
  Status st;
  auto add = [&](Opcode op, ControlHandler h) {
    auto s = d.registerHandler(op, std::move(h));
    if (st.ok() && !s.ok()) st = s;
  };

  add(Opcode::GetNodemap, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encode(ctx.nodes.nodeMap()));
  });

  add(Opcode::GetVnnmap, [&ctx](const ControlRequest&, ReplySink sink) {
    sink.ok(protocol::encode(ctx.nodes.vnnMap()));
  });

  add(Opcode::GetNodesFile, [&ctx](const ControlRequest&, ReplySink sink) {
    protocol::NodeMap m = ctx.nodes.nodeMap();
    for (auto& n : m.nodes) n.flags &= NF::kDeleted;
    sink.ok(protocol::encode(m));
  });

  add(Opcode::DisableNode, localFlagHandler(ctx, NF::kPermanentlyDisabled, 0, "DISABLE_NODE"));
  add(Opcode::EnableNode, localFlagHandler(ctx, 0, NF::kPermanentlyDisabled, "ENABLE_NODE"));
  add(Opcode::StopNode, localFlagHandler(ctx, NF::kStopped, 0, "STOP_NODE"));
  add(Opcode::ContinueNode, localFlagHandler(ctx, 0, NF::kStopped, "CONTINUE_NODE"));

  // CTDB 4.5's CLI disabled/enabled nodes with MODIFY_FLAGS; only the
  // administrative DISABLED bit may be changed this way.
  add(Opcode::ModifyFlags, [&ctx](const ControlRequest& req, ReplySink sink) {
    auto c = protocol::decode<protocol::NodeFlagChange>(req.data);
    if (!c || c->pnn >= ctx.nodes.nodeCount()) {
      sink.status(-1);
      return;
    }
    const uint32_t mask = NF::kPermanentlyDisabled;
    uint32_t set = c->new_flags & ~c->old_flags & mask;
    uint32_t clear = c->old_flags & ~c->new_flags & mask;
    ctx.nodes.modifyFlags(c->pnn, set, clear);
    sink.ok();
  });

  auto ban = std::make_shared<BanTimer>();

  add(Opcode::GetBanState, [&ctx, ban](const ControlRequest&, ReplySink sink) {
    protocol::BanState b{ctx.nodes.ownPnn(), 0};
    if (ban->timer) {
      auto left = std::chrono::ceil<std::chrono::seconds>(ban->until - ctx.loop.now()).count();
      b.time = left > 0 ? static_cast<uint32_t>(left) : 0;
    }
    sink.ok(protocol::encode(b));
  });

  add(Opcode::SetBanState, [&ctx, ban](const ControlRequest& req, ReplySink sink) {
    auto b = protocol::decode<protocol::BanState>(req.data);
    if (!b) {
      sink.status(-1);
      return;
    }
    if (b->pnn != ctx.nodes.ownPnn()) {
      D_ERR("SET_BAN_STATE for node %u sent to node %u, refusing\n", b->pnn, ctx.nodes.ownPnn());
      sink.status(-1);
      return;
    }
    if (b->time == 0) {
      D_NOTICE("node %u unbanned\n", b->pnn);
      ban->timer.reset();
      ctx.nodes.modifyFlags(b->pnn, 0, NF::kBanned);
      sink.ok();
      return;
    }
    D_NOTICE("node %u banned for %u seconds\n", b->pnn, b->time);
    ban->until = ctx.loop.now() + std::chrono::seconds(b->time);
    std::weak_ptr<BanTimer> weak = ban;
    ban->timer = std::make_unique<Timer>(ctx.loop, std::chrono::seconds(b->time),
                                         [&ctx, weak]() {
                                           auto bt = weak.lock();
                                           if (!bt) return;
                                           D_NOTICE("ban of node %u expired\n",
                                                    ctx.nodes.ownPnn());
                                           ctx.nodes.modifyFlags(ctx.nodes.ownPnn(), 0,
                                                                 NF::kBanned);
                                           bt->timer.reset();
                                         });
    ctx.nodes.modifyFlags(b->pnn, NF::kBanned, 0);
    sink.ok();
  });

  return st;
}

}  // namespace ctdb::server
