/*
 * Private to src/tools: the state one `ctdb` invocation shares between the
 * driver and the command handlers (4.17's struct ctdb_context).
 *
 * Invariants: client is connected and pnn is its PNN for every handler of a
 * daemon command; cmd_pnn is -n or pnn; leader_pnn is updated by the LEADER
 * message handler the driver installs; nodemap caches the node map (reset
 * by getNodemap(force)). Output helpers write to stdout/stderr unbuffered
 * enough for line-oriented use (stdout is line buffered, as 4.17 sets).
 */
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "client/sync_client.h"
#include "protocol/types.h"
#include "tools/format.h"
#include "tools/options.h"

namespace ctdb::tools {

struct ToolContext {
  Options opts;
  OutputMode mode;
  client::SyncClient* client = nullptr;
  uint32_t pnn = protocol::kUnknownPnn;
  uint32_t cmd_pnn = protocol::kUnknownPnn;
  uint32_t leader_pnn = protocol::kUnknownPnn;
  std::optional<protocol::NodeMap> nodemap;
};

using Handler = int (*)(ToolContext& ctx, const std::vector<std::string>& args);

struct Command {
  const char* name;
  Handler fn;
  bool without_daemon;
  bool remote;
  const char* msg;
  const char* args;
};

inline void out(const std::string& s) { std::fputs(s.c_str(), stdout); }
inline void err(const std::string& s) { std::fputs(s.c_str(), stderr); }

/* Prints the usage of `command` on stdout and exits 1 (as 4.17's usage()). */
[[noreturn]] void usageExit(const std::string& command);

/* 4.17's get_nodemap(): cached unless force; if this node is BANNED ask the
 * next connected, not deleted node. nullopt after printing the error. */
const protocol::NodeMap* getNodemap(ToolContext& ctx, bool force);

/* Exit status for a Result error: its code, -1 mapped to 1 later by main. */
inline int errorExit(const Error& e) {
  int v = e.code.value();
  return v == 0 ? 1 : v;
}

/* Handlers (cmd_*.cc). */
int cmdPnn(ToolContext&, const std::vector<std::string>&);
int cmdListnodes(ToolContext&, const std::vector<std::string>&);
int cmdStatus(ToolContext&, const std::vector<std::string>&);
int cmdUptime(ToolContext&, const std::vector<std::string>&);
int cmdPing(ToolContext&, const std::vector<std::string>&);
int cmdShutdown(ToolContext&, const std::vector<std::string>&);
int cmdGetpid(ToolContext&, const std::vector<std::string>&);
int cmdRunstate(ToolContext&, const std::vector<std::string>&);
int cmdGetvar(ToolContext&, const std::vector<std::string>&);
int cmdSetvar(ToolContext&, const std::vector<std::string>&);
int cmdListvars(ToolContext&, const std::vector<std::string>&);
int cmdLeader(ToolContext&, const std::vector<std::string>&);
int cmdIpreallocate(ToolContext&, const std::vector<std::string>&);
int cmdIp(ToolContext&, const std::vector<std::string>&);
int cmdIpinfo(ToolContext&, const std::vector<std::string>&);
int cmdIfaces(ToolContext&, const std::vector<std::string>&);
int cmdSetifacelink(ToolContext&, const std::vector<std::string>&);
int cmdAddip(ToolContext&, const std::vector<std::string>&);
int cmdDelip(ToolContext&, const std::vector<std::string>&);
int cmdReloadips(ToolContext&, const std::vector<std::string>&);
int cmdGratarp(ToolContext&, const std::vector<std::string>&);
int cmdMoveip(ToolContext&, const std::vector<std::string>&);
int cmdDisable(ToolContext&, const std::vector<std::string>&);
int cmdEnable(ToolContext&, const std::vector<std::string>&);
int cmdStop(ToolContext&, const std::vector<std::string>&);
int cmdContinue(ToolContext&, const std::vector<std::string>&);
int cmdBan(ToolContext&, const std::vector<std::string>&);
int cmdUnban(ToolContext&, const std::vector<std::string>&);
int cmdScriptstatus(ToolContext&, const std::vector<std::string>&);
int cmdEvent(ToolContext&, const std::vector<std::string>&);

/* 4.17's ipreallocate() step (TAKEOVER_RUN request, wait, resend): 0 and the
 * answering leader's PNN in *leader, or the exit status (a negative answer
 * is returned silently, a transport error is printed). */
int runTakeoverRun(ToolContext& ctx, uint32_t* leader);

/* Nodes file helpers shared by listnodes and the connect-failure hint. */
std::string nodesFilePath();

}  // namespace ctdb::tools
