/* Command handlers for the node/daemon commands (not the IP ones). */
#include <strings.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

#include "config/nodes_file.h"
#include "tools/json.h"
#include "tools/tool_context.h"

namespace ctdb::tools {

using protocol::Opcode;
namespace NF = protocol::NodeFlags;

namespace {

std::chrono::milliseconds timelimit(const ToolContext& ctx) {
  return std::chrono::seconds(ctx.opts.timelimit);
}

/* Prints CTDB's library message for a failed helper and returns its code. */
int fail(const Error& e) {
  err(e.context + "\n");
  return errorExit(e);
}

/* 4.17's partially_online(): a node with flags 0 that has an interface down. */
bool partiallyOnline(ToolContext& ctx, const protocol::NodeAndFlags& n) {
  if (n.flags != 0) return false;
  auto ifaces = ctx.client->getIfaces(n.pnn);
  if (!ifaces) {
    err(ifaces.error().context + "\n");
    return false;
  }
  for (const auto& i : ifaces->ifaces)
    if (i.link_state == 0) return true;
  return false;
}

/* Waits up to -t for a LEADER message; UNKNOWN when none came. */
uint32_t waitLeader(ToolContext& ctx) {
  ctx.client->runUntil([&ctx]() { return ctx.leader_pnn != protocol::kUnknownPnn; }, timelimit(ctx));
  return ctx.leader_pnn;
}

/* smb_strtoul(..., SMB_STR_STANDARD): digits required, no '-', trailing text allowed. */
Result<uint32_t> parseUlong(const std::string& s) {
  if (s.find('-') != std::string::npos) return errnoError(EINVAL, "negative");
  const char* b = s.c_str();
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(b, &end, 0);
  if (errno != 0) return errnoError(errno, "range");
  if (end == b) return errnoError(EINVAL, "no digits");
  return static_cast<uint32_t>(v);
}

bool tunableKnown(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names)
    if (strcasecmp(n.c_str(), name.c_str()) == 0) return true;
  return false;
}

/* getvar for one name; appends to vars. Returns 0 or the exit status. */
int getvarInto(ToolContext& ctx, const std::string& name, std::vector<TunableView>& vars) {
  auto names = ctx.client->listTunables(ctx.cmd_pnn);
  if (!names) {
    err(names.error().context + "\n");
    err("Failed to get list of variables from node " + std::to_string(ctx.cmd_pnn) + "\n");
    return errorExit(names.error());
  }
  if (!tunableKnown(*names, name)) {
    out("No such tunable " + name + "\n");
    return 1;
  }
  auto v = ctx.client->getTunable(ctx.cmd_pnn, name);
  if (!v) return fail(v.error());
  vars.push_back({name, *v});
  return 0;
}

}  // namespace

int cmdPnn(ToolContext& ctx, const std::vector<std::string>&) {
  if (ctx.mode.json) out(formatPnnJson("pnn", ctx.pnn));
  else out(std::to_string(ctx.pnn) + "\n");
  return 0;
}

int cmdListnodes(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("listnodes");
  std::string path = nodesFilePath();
  auto nodes = config::loadNodesFile(path);
  if (!nodes) {
    err("Failed to read nodes file \"" + path + "\"\n");
    return 1;
  }
  std::vector<ListNode> list;
  for (const auto& n : *nodes)
    if (!n.is_deleted && n.address) list.push_back({n.pnn, n.address->toString()});
  out(formatListnodes(list, ctx.mode));
  return 0;
}

int cmdStatus(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("status");
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return 1;
  auto runstate = ctx.client->getRunstate(ctx.cmd_pnn);
  if (!runstate) {
    err(runstate.error().context + "\n");
    out("Unable to get runstate");
    return 1;
  }
  StatusView view;
  view.this_pnn = ctx.cmd_pnn;
  for (const auto& n : nm->nodes) {
    StatusNode s{n.pnn, n.addr.ip.toString(), n.flags, false};
    if (!(n.flags & NF::kDeleted) &&
        static_cast<uint32_t>(*runstate) <= static_cast<uint32_t>(protocol::Runstate::FirstRecovery) &&
        !(n.flags & NF::kDisconnected) && n.pnn != ctx.cmd_pnn)
      s.flags = NF::kUnknownCliOnly;
    view.nodes.push_back(std::move(s));
  }
  auto probe = [&](StatusNode& s) {
    protocol::NodeAndFlags n;
    n.pnn = s.pnn;
    n.flags = s.flags;
    s.partially_online = partiallyOnline(ctx, n);
  };
  /* Each node is probed right before its line is printed, as 4.17 does, so
   * probe errors on stderr interleave with stdout the same way. */
  if (ctx.mode.machine && !ctx.mode.json) {
    out(formatStatusMachineHeader(ctx.mode.sep));
    for (auto& s : view.nodes) {
      if (s.flags & NF::kDeleted) continue;
      probe(s);
      out(formatStatusMachineNode(view, s, ctx.mode.sep));
    }
    return 0;
  }
  auto vnn = ctx.client->getVnnmap(ctx.cmd_pnn);
  if (!vnn) return fail(vnn.error());
  auto recmode = ctx.client->getRecmode(ctx.cmd_pnn);
  if (!recmode) return fail(recmode.error());
  view.generation = vnn->generation;
  view.vnnmap = vnn->map;
  view.recmode = *recmode;
  view.leader = waitLeader(ctx);
  if (ctx.mode.json) {
    for (auto& s : view.nodes)
      if (!(s.flags & NF::kDeleted)) probe(s);
    out(formatStatusJson(view, true));
    return 0;
  }
  out(formatStatusHeader(view));
  for (auto& s : view.nodes) {
    if (s.flags & NF::kDeleted) continue;
    probe(s);
    out(formatStatusNode(view, s));
  }
  out(formatStatusTail(view));
  return 0;
}

int cmdUptime(ToolContext& ctx, const std::vector<std::string>&) {
  auto u = ctx.client->uptime(ctx.cmd_pnn);
  if (!u) return fail(u.error());
  UptimeView v;
  v.pnn = ctx.cmd_pnn;
  auto tv = [](const protocol::Timeval& t) { return TimevalView{t.sec, t.usec}; };
  v.current_time = tv(u->current_time);
  v.ctdbd_start_time = tv(u->ctdbd_start_time);
  v.last_recovery_started = tv(u->last_recovery_started);
  v.last_recovery_finished = tv(u->last_recovery_finished);
  out(ctx.mode.json ? formatUptimeJson(v) : formatUptime(v));
  return 0;
}

/* 4.17's control_shutdown: SHUTDOWN (NOREPLY) to the node; for the node
 * the tool is connected to, wait until the daemon closes the socket, which
 * it does once the shutdown is complete (every public IP released through
 * the releaseip path, the shutdown event run). systemd's ExecStop relies on
 * this wait. 4.17 waits without limit; ours gives up after a day. */
int cmdShutdown(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("shutdown");
  auto r = ctx.client->control(ctx.cmd_pnn, Opcode::Shutdown, {}, protocol::kCtrlFlagNoReply);
  if (!r) {
    err("Unable to shutdown node " + std::to_string(ctx.cmd_pnn) + "\n");
    return errorExit(r.error());
  }
  const bool waited = ctx.cmd_pnn == ctx.pnn;
  if (waited) {
    auto& conn = ctx.client->connection();
    if (!ctx.client->runUntil([&conn]() { return !conn.isConnected(); }, std::chrono::hours(24))) {
      err("Timed out waiting for node " + std::to_string(ctx.cmd_pnn) + " to shut down\n");
      return 1;
    }
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(static_cast<uint64_t>(ctx.cmd_pnn)).key("waited").value(waited);
    w.endObject();
    out(w.str() + "\n");
  }
  return 0;
}

int cmdPing(ToolContext& ctx, const std::vector<std::string>&) {
  auto start = std::chrono::steady_clock::now();
  auto clients = ctx.client->ping(ctx.cmd_pnn);
  if (!clients) return fail(clients.error());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out(formatPing(ctx.cmd_pnn, secs, *clients, ctx.mode));
  return 0;
}

int cmdGetpid(ToolContext& ctx, const std::vector<std::string>&) {
  auto pid = ctx.client->getPid(ctx.cmd_pnn);
  if (!pid) return fail(pid.error());
  out(formatGetpid(ctx.cmd_pnn, static_cast<uint32_t>(*pid), ctx.mode));
  return 0;
}

int cmdRunstate(ToolContext& ctx, const std::vector<std::string>& args) {
  auto rs = ctx.client->getRunstate(ctx.cmd_pnn);
  if (!rs) return fail(rs.error());
  bool found = true;
  for (const auto& a : args) {
    found = false;
    auto t = protocol::runstateFromString(a);
    if (!t || *t == protocol::Runstate::Unknown) {
      out("Invalid run state (" + a + ")\n");
      return 1;
    }
    if (*t == *rs) {
      found = true;
      break;
    }
  }
  if (!found) {
    out(std::string("CTDB not in required run state (got ") + protocol::runstateToString(*rs) + ")\n");
    return 1;
  }
  out(formatRunstate(ctx.cmd_pnn, protocol::runstateToString(*rs), ctx.mode));
  return 0;
}

int cmdGetvar(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 1) usageExit("getvar");
  std::vector<TunableView> vars;
  if (int r = getvarInto(ctx, args[0], vars); r != 0) return r;
  out(formatTunables(vars, ctx.mode, false));
  return 0;
}

int cmdSetvar(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() != 2) usageExit("setvar");
  auto names = ctx.client->listTunables(ctx.cmd_pnn);
  if (!names) {
    err(names.error().context + "\n");
    err("Failed to get list of variables from node " + std::to_string(ctx.cmd_pnn) + "\n");
    return errorExit(names.error());
  }
  if (!tunableKnown(*names, args[0])) {
    out("No such tunable " + args[0] + "\n");
    return 1;
  }
  auto value = parseUlong(args[1]);
  if (!value) return value.error().errnoValue();
  auto st = ctx.client->setTunable(ctx.cmd_pnn, args[0], *value);
  if (!st) return fail(st.error());
  bool obsolete = false;
  if (*st != 0) {
    err("Control SET_TUNABLE failed, ret=" + std::to_string(*st) + "\n");
    if (*st != 1) return *st;
    err("Setting obsolete tunable variable '" + args[0] + "'\n");
    obsolete = true;
  }
  if (ctx.mode.json) out(formatSetvarJson(args[0], *value, obsolete));
  return 0;
}

int cmdListvars(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("listvars");
  auto names = ctx.client->listTunables(ctx.cmd_pnn);
  if (!names) return fail(names.error());
  std::vector<TunableView> vars;
  for (const auto& n : *names) {
    /* 4.17 runs a full getvar per name and ignores its failures. */
    std::vector<TunableView> one;
    if (getvarInto(ctx, n, one) == 0) {
      if (!ctx.mode.json) out(formatTunables(one, ctx.mode, true));
      vars.insert(vars.end(), one.begin(), one.end());
    }
  }
  if (ctx.mode.json) out(formatTunables(vars, ctx.mode, true));
  return 0;
}

int cmdLeader(ToolContext& ctx, const std::vector<std::string>&) {
  uint32_t leader = waitLeader(ctx);
  out(ctx.mode.json ? formatPnnJson("leader", leader) : formatPnn(leader));
  return 0;
}

int cmdIpreallocate(ToolContext& ctx, const std::vector<std::string>& args) {
  if (!args.empty()) usageExit("ipreallocate");
  auto r = ctx.client->takeoverRun();
  if (!r) {
    int code = r.error().errnoValue();
    if (code < 0) return code;  // the leader's negative answer, silently (4.17)
    return fail(r.error());
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("leader").value(static_cast<int64_t>(*r)).endObject();
    out(w.str() + "\n");
  }
  return 0;
}

}  // namespace ctdb::tools
