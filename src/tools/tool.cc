#include "tools/tool.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "config/nodes_file.h"
#include "tools/tool_context.h"
#include "util/install_paths.h"
#include "util/local_address.h"
#include "util/logging.h"

namespace ctdb::tools {

namespace {

/* Order and texts as 4.17's table (only the commands implemented here). */
const Command kCommands[] = {
    {"status", cmdStatus, false, true, "show node status", nullptr},
    {"uptime", cmdUptime, false, true, "show node uptime", nullptr},
    {"ping", cmdPing, false, true, "ping a node", nullptr},
    {"runstate", cmdRunstate, false, true, "get/check runstate of a node",
     "[setup|first_recovery|startup|running]"},
    {"getvar", cmdGetvar, false, true, "get a tunable variable", "<name>"},
    {"setvar", cmdSetvar, false, true, "set a tunable variable", "<name> <value>"},
    {"listvars", cmdListvars, false, true, "list tunable variables", nullptr},
    {"ip", cmdIp, false, true, "show public ips", "[all]"},
    {"ipinfo", cmdIpinfo, false, true, "show public ip details", "<ip>"},
    {"ifaces", cmdIfaces, false, true, "show interfaces", nullptr},
    {"setifacelink", cmdSetifacelink, false, true, "set interface link status", "<iface> up|down"},
    {"pnn", cmdPnn, false, false, "show the pnn of the currnet node", nullptr},
    {"getpid", cmdGetpid, false, true, "get ctdbd process ID", nullptr},
    {"disable", cmdDisable, false, true, "disable a node", nullptr},
    {"enable", cmdEnable, false, true, "enable a node", nullptr},
    {"stop", cmdStop, false, true, "stop a node", nullptr},
    {"continue", cmdContinue, false, true, "continue a stopped node", nullptr},
    {"ban", cmdBan, false, true, "ban a node", "<bantime>"},
    {"unban", cmdUnban, false, true, "unban a node", nullptr},
    {"shutdown", cmdShutdown, false, true, "shutdown ctdb daemon", nullptr},
    {"sync", cmdIpreallocate, false, true, "run ip reallocation (deprecated)", nullptr},
    {"ipreallocate", cmdIpreallocate, false, true, "run ip reallocation", nullptr},
    {"gratarp", cmdGratarp, false, true, "send a gratuitous arp", "<ip> <interface>"},
    {"listnodes", cmdListnodes, true, true, "list nodes in the cluster", nullptr},
    {"moveip", cmdMoveip, false, false, "move an ip address to another node", "<ip> <node>"},
    {"addip", cmdAddip, false, true, "add an ip address to a node", "<ip/mask> <iface>"},
    {"delip", cmdDelip, false, true, "delete an ip address from a node", "<ip>"},
    {"leader", cmdLeader, false, true, "show the pnn of the leader", nullptr},
    {"reloadips", cmdReloadips, false, false, "reload the public addresses file", "[all|<pnn-list>]"},
    {"scriptstatus", cmdScriptstatus, false, true, "show event script status",
     "[all|<event>]"},
    {"event", cmdEvent, false, true, "event and event script commands", nullptr},
};

const Command* matchCommand(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string commandLine(const Command& c) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), "  %-15s %-27s  %s\n", c.name, c.args ? c.args : "", c.msg);
  return buf;
}

/* 4.17's find_node_xpnn(), used only for the hint after a failed connect. */
bool findLocalNode() {
  auto path = nodesFilePath();
  auto nodes = config::loadNodesFile(path);
  if (!nodes) {
    err("Failed to read nodes file \"" + path + "\"\n");
    return false;
  }
  for (const auto& n : *nodes) {
    if (n.is_deleted || !n.address) continue;
    // 4.17's find_node_xpnn(): an address we cannot bind to (or check) is
    // not this node's.
    auto local = haveLocalAddress(*n.address);
    if (local && *local) return true;
  }
  err("Failed to detect PNN of the current node.\n");
  return false;
}

bool verifyPnn(ToolContext& ctx, int pnn) {
  if (pnn == -1) return false;
  const protocol::NodeMap* nm = getNodemap(ctx, false);
  if (nm == nullptr) return false;
  for (const auto& n : nm->nodes) {
    if (n.pnn != static_cast<uint32_t>(pnn)) continue;
    if (n.flags & (protocol::NodeFlags::kDisconnected | protocol::NodeFlags::kDeleted)) {
      err("Node " + std::to_string(static_cast<uint32_t>(pnn)) + " has status " +
          flagsToString(n.flags) + "\n");
      return false;
    }
    return true;
  }
  err("Node " + std::to_string(static_cast<uint32_t>(pnn)) + " does not exist\n");
  return false;
}

int processCommand(const Command& cmd, ToolContext& ctx, const std::vector<std::string>& args) {
  if (cmd.without_daemon) {
    if (ctx.opts.pnn != -1) {
      err(std::string("Cannot specify node for command ") + cmd.name + "\n");
      return 1;
    }
    return cmd.fn(ctx, args);
  }
  const std::string& socket = *ctx.opts.socket;
  auto client = client::SyncClient::connect(socket, std::chrono::seconds(ctx.opts.timelimit));
  if (!client) {
    err(client.error().context + "\n");
    err("Failed to connect to CTDB daemon (" + socket + ")\n");
    if (!findLocalNode()) err("Is this node part of CTDB cluster?\n");
    return 1;
  }
  ctx.client = client->get();
  ctx.pnn = ctx.client->pnn();
  if (ctx.opts.pnn != -1) {
    if (!verifyPnn(ctx, ctx.opts.pnn)) return 1;
    ctx.cmd_pnn = static_cast<uint32_t>(ctx.opts.pnn);
  } else {
    ctx.cmd_pnn = ctx.pnn;
  }
  if (!cmd.remote && ctx.pnn != ctx.cmd_pnn) {
    err(std::string("Node cannot be specified for command ") + cmd.name + "\n");
    return 1;
  }
  ctx.leader_pnn = protocol::kUnknownPnn;
  ctx.client->connection().setMessageHandler(
      protocol::kSrvidLeader, [&ctx](uint64_t, std::span<const uint8_t> data) {
        if (auto v = protocol::decodeU32(data)) ctx.leader_pnn = *v;
      });
  auto reg = ctx.client->control(ctx.pnn, protocol::Opcode::RegisterSrvid, {}, 0,
                                 protocol::kSrvidLeader, std::chrono::milliseconds(0));
  if (!reg || reg->status != 0) {
    err("Failed to setup leader handler\n");
    return 1;
  }
  int ret = cmd.fn(ctx, args);
  ctx.client = nullptr;
  return ret;
}

void alarmHandler(int) {
  static const char kMsg[] = "Maximum runtime exceeded - exiting\n";
  ssize_t n = ::write(2, kMsg, sizeof(kMsg) - 1);
  (void)n;
  _exit(1);
}

}  // namespace

std::string nodesFilePath() {
  const char* base = std::getenv("CTDB_BASE");
  return (base && *base ? std::string(base) : processDefaultCtdbBase()) + "/nodes";
}

std::string fullUsageText() {
  std::string s = helpText() + "\nCommands:\n";
  for (const auto& c : kCommands) s += commandLine(c);
  return s;
}

std::string commandUsageText(const std::string& command) {
  const Command* c = matchCommand(command);
  if (c == nullptr) return fullUsageText();
  return briefUsageText() + "\nCommands:\n" + commandLine(*c);
}

void usageExit(const std::string& command) {
  out(commandUsageText(command));
  std::fflush(stdout);
  std::exit(1);
}

const protocol::NodeMap* getNodemap(ToolContext& ctx, bool force) {
  if (force) ctx.nodemap.reset();
  if (ctx.nodemap) return &*ctx.nodemap;
  uint32_t current = ctx.pnn;
  while (true) {
    auto nm = ctx.client->getNodemap(current);
    if (!nm) {
      err(nm.error().context + "\n");
      err("Failed to get nodemap from node " + std::to_string(current) + "\n");
      return nullptr;
    }
    const protocol::NodeAndFlags* node = nullptr;
    for (const auto& n : nm->nodes)
      if (n.pnn == current) node = &n;
    if (node != nullptr && (node->flags & protocol::NodeFlags::kBanned) && !nm->nodes.empty()) {
      uint32_t num = static_cast<uint32_t>(nm->nodes.size());
      do {
        current = (current + 1) % num;
        const protocol::NodeAndFlags* cand = nullptr;
        for (const auto& n : nm->nodes)
          if (n.pnn == current) cand = &n;
        if (cand && !(cand->flags & (protocol::NodeFlags::kDeleted | protocol::NodeFlags::kDisconnected)))
          break;
      } while (current != ctx.pnn);
      if (current == ctx.pnn) {
        err("Warning: All nodes are banned.\n");
        return nullptr;
      }
      continue;
    }
    ctx.nodemap = std::move(*nm);
    return &*ctx.nodemap;
  }
}

int runTool(const std::vector<std::string>& argv, const EnvLookup& env) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  auto parsed = parseOptions(argv);
  if (!parsed) {
    err(parsed.error().context + "\n");
    return 1;
  }
  ToolContext ctx;
  ctx.opts = std::move(*parsed);
  if (ctx.opts.help) {
    out(helpText());
    return 0;
  }
  if (ctx.opts.brief_usage) {
    out(briefUsageText());
    return 0;
  }
  if (auto st = applyEnvironment(ctx.opts, env); !st) {
    err(st.error().context + "\n");
    return 1;
  }
  ctx.mode.machine = ctx.opts.machine_readable;
  ctx.mode.sep = ctx.opts.sep;
  ctx.mode.json = ctx.opts.json;
  if (ctx.opts.args.empty()) {
    out(fullUsageText());
    return 1;
  }
  const Command* cmd = matchCommand(ctx.opts.args[0]);
  if (cmd == nullptr) {
    err("Unknown command '" + ctx.opts.args[0] + "'\n");
    return 1;
  }
  log::setProgramName("ctdb");
  int level = static_cast<int>(log::Level::Err);
  if (ctx.opts.debug) {
    if (auto l = log::levelFromString(*ctx.opts.debug)) level = *l;
  }
  log::setLevel(level);
  if (ctx.opts.maxruntime > 0) {
    signal(SIGALRM, alarmHandler);
    alarm(static_cast<unsigned>(ctx.opts.maxruntime));
  }
  std::vector<std::string> args(ctx.opts.args.begin() + 1, ctx.opts.args.end());
  int ret = processCommand(*cmd, ctx, args);
  if (ret == -1) ret = 1;
  return ret;
}

}  // namespace ctdb::tools
