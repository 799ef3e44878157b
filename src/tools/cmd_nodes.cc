/* Command handlers that change a node's state: disable, enable, stop,
 * continue, ban, unban (4.17's check flag / control / poll the node map once
 * a second / takeover run, reference ctdb-protocol.md 7.12-7.14), plus the
 * takeover-run step they share with reloadips. */
#include "tools/ip_args.h"
#include "tools/json.h"
#include "tools/tool_context.h"

namespace ctdb::tools {

using protocol::Opcode;
namespace NF = protocol::NodeFlags;

int runTakeoverRun(ToolContext& ctx, uint32_t* leader) {
  auto r = ctx.client->takeoverRun();
  if (!r) {
    int code = r.error().errnoValue();
    if (code < 0) return code;  // the leader's negative answer, silently (4.17)
    err(r.error().context + "\n");
    return errorExit(r.error());
  }
  if (leader) *leader = static_cast<uint32_t>(*r);
  return 0;
}

namespace {

/* 4.17 indexes the node map by PNN; entries are in PNN order. */
const protocol::NodeAndFlags* nodeAt(const protocol::NodeMap& nm, uint32_t pnn) {
  if (pnn < nm.nodes.size()) return &nm.nodes[pnn];
  return nullptr;
}

struct FlagCommand {
  const char* name;
  const char* desc;   // "disabled", "stopped", "banned"
  uint32_t flag;
  bool set;           // wanted state
  const char* failure;  // "Failed to disable node"
};

void reportJson(ToolContext& ctx, bool changed, uint32_t leader, std::optional<uint32_t> ban_time) {
  if (!ctx.mode.json) return;
  JsonWriter w;
  w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn)).key("changed").value(changed);
  w.key("leader");
  if (leader == protocol::kUnknownPnn) w.null();
  else w.value(static_cast<uint64_t>(leader));
  if (ban_time) w.key("ban_time").value(static_cast<uint64_t>(*ban_time));
  w.endObject();
  out(w.str() + "\n");
}

/* 4.17's check_flags(): 0 = already in the wanted state (message printed),
 * 1 = go on, -1 = node map error (exit 1). */
int checkFlags(ToolContext& ctx, const FlagCommand& c) {
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return -1;
  const protocol::NodeAndFlags* n = nodeAt(*nm, ctx.cmd_pnn);
  bool is_set = n != nullptr && (n->flags & c.flag);
  if (is_set != c.set) return 1;
  if (c.set) err("Node " + std::to_string(ctx.cmd_pnn) + " is already " + c.desc + "\n");
  else err("Node " + std::to_string(ctx.cmd_pnn) + " is not " + c.desc + "\n");
  return 0;
}

/* 4.17's wait_for_flags(): no bound but the -T alarm. */
void waitForFlags(ToolContext& ctx, uint32_t flag, bool set) {
  while (true) {
    const protocol::NodeMap* nm = getNodemap(ctx, true);
    if (nm == nullptr) {
      err("Failed to get nodemap, trying again\n");
    } else {
      const protocol::NodeAndFlags* n = nodeAt(*nm, ctx.cmd_pnn);
      bool is_set = n != nullptr && (n->flags & flag);
      if (is_set == set) return;
    }
    ctx.client->runUntil([] { return false; }, std::chrono::seconds(1));
  }
}

int flagCommand(ToolContext& ctx, const std::vector<std::string>& args, const FlagCommand& c,
                Opcode opcode) {
  if (!args.empty()) usageExit(c.name);
  int chk = checkFlags(ctx, c);
  if (chk < 0) return 1;
  if (chk == 0) {
    reportJson(ctx, false, protocol::kUnknownPnn, std::nullopt);
    return 0;
  }
  auto r = ctx.client->controlOk(ctx.cmd_pnn, opcode);
  if (!r) {
    err(r.error().context + "\n");
    err(std::string(c.failure) + " " + std::to_string(ctx.cmd_pnn) + "\n");
    return errorExit(r.error());
  }
  waitForFlags(ctx, c.flag, c.set);
  uint32_t leader = protocol::kUnknownPnn;
  if (int ret = runTakeoverRun(ctx, &leader); ret != 0) return ret;
  reportJson(ctx, true, leader, std::nullopt);
  return 0;
}

int banCommand(ToolContext& ctx, const std::vector<std::string>& args, bool ban) {
  FlagCommand c{ban ? "ban" : "unban", "banned", NF::kBanned, ban,
                ban ? "Failed to ban node" : "Failed to unban node"};
  if (args.size() != (ban ? 1u : 0u)) usageExit(c.name);
  int chk = checkFlags(ctx, c);
  if (chk < 0) return 1;
  if (chk == 0) {
    reportJson(ctx, false, protocol::kUnknownPnn, std::nullopt);
    return 0;
  }
  protocol::BanState bs{ctx.cmd_pnn, 0};
  if (ban) {
    int e = 0;
    auto t = smbStrtoul(args[0], 0, false, &e);
    if (!t) {
      /* Ours: 4.17 exits with EINVAL/ERANGE without a word. */
      err("Invalid ban time " + args[0] + "\n");
      return e;
    }
    bs.time = static_cast<uint32_t>(*t);
    if (bs.time == 0) {
      err("Ban time cannot be zero\n");
      return EINVAL;
    }
  }
  auto r = ctx.client->controlOk(ctx.cmd_pnn, Opcode::SetBanState, protocol::encode(bs));
  if (!r) {
    err(r.error().context + "\n");
    err(std::string(c.failure) + " " + std::to_string(ctx.cmd_pnn) + "\n");
    return errorExit(r.error());
  }
  waitForFlags(ctx, NF::kBanned, ban);
  uint32_t leader = protocol::kUnknownPnn;
  if (int ret = runTakeoverRun(ctx, &leader); ret != 0) return ret;
  reportJson(ctx, true, leader, ban ? std::optional<uint32_t>(bs.time) : std::nullopt);
  return 0;
}

}  // namespace

int cmdDisable(ToolContext& ctx, const std::vector<std::string>& args) {
  return flagCommand(ctx, args, {"disable", "disabled", NF::kPermanentlyDisabled, true, "Failed to disable node"},
                     Opcode::DisableNode);
}

int cmdEnable(ToolContext& ctx, const std::vector<std::string>& args) {
  return flagCommand(ctx, args, {"enable", "disabled", NF::kPermanentlyDisabled, false, "Failed to enable node"},
                     Opcode::EnableNode);
}

int cmdStop(ToolContext& ctx, const std::vector<std::string>& args) {
  return flagCommand(ctx, args, {"stop", "stopped", NF::kStopped, true, "Failed to stop node"}, Opcode::StopNode);
}

int cmdContinue(ToolContext& ctx, const std::vector<std::string>& args) {
  return flagCommand(ctx, args,
                     {"continue", "stopped", NF::kStopped, false, "Failed to continue stopped node"},
                     Opcode::ContinueNode);
}

int cmdBan(ToolContext& ctx, const std::vector<std::string>& args) { return banCommand(ctx, args, true); }
int cmdUnban(ToolContext& ctx, const std::vector<std::string>& args) { return banCommand(ctx, args, false); }

}  // namespace ctdb::tools
