/*
 * The core control handlers, split by area, and the context they run in.
 *
 *   controls_basic.cc     PROCESS_EXISTS, GET_PNN, PING, GET_PID, UPTIME,
 *                         GET_RUNSTATE, GET/SET_DEBUG, (DE)REGISTER_SRVID,
 *                         GET_RECMODE, GET_RECMASTER, GET_CAPABILITIES,
 *                         GET_RECLOCK_FILE, SHUTDOWN
 *   controls_tunables.cc  GET/SET_TUNABLE, LIST_TUNABLES, GET_ALL_TUNABLES
 *   controls_nodes.cc     GET_NODEMAP, GETVNNMAP, GET_NODES_FILE,
 *                         GET/SET_BAN_STATE, MODIFY_FLAGS, DISABLE/ENABLE_NODE,
 *                         STOP/CONTINUE_NODE
 *
 * Each register*Controls() adds its handlers to the dispatcher; the context
 * (and everything it refers to) must outlive the dispatcher. Answers are the
 * ones a one-node CTDB cluster gives (reference ctdb-protocol.md 4 and 8).
 */
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "config/tunables.h"
#include "ctdb/result.h"
#include "server/core/control_dispatcher.h"
#include "server/core/message_router.h"
#include "server/core/node_state.h"
#include "server/core/runstate.h"
#include "server/core/srvid_registry.h"
#include "util/event_loop.h"

namespace ctdb::server {

/* Wall-clock times reported by UPTIME. */
struct DaemonTimes {
  std::chrono::system_clock::time_point start = std::chrono::system_clock::now();
  std::chrono::system_clock::time_point last_recovery_started = start;
  std::chrono::system_clock::time_point last_recovery_finished = start;
};

struct ControlContext {
  EventLoop& loop;
  NodeState& nodes;
  config::Tunables& tunables;
  RunstateMachine& runstate;
  SrvidRegistry& srvids;
  MessageRouter& messages;
  DaemonTimes& times;
  std::optional<std::string> reclock;
  std::function<size_t()> client_count;
  std::function<bool(pid_t)> is_client_pid;
  /* Starts a clean shutdown on a later loop iteration. */
  std::function<void(const std::string& reason)> request_shutdown;
};

Status registerBasicControls(ControlDispatcher& d, ControlContext& ctx);
Status registerTunableControls(ControlDispatcher& d, ControlContext& ctx);
Status registerNodeControls(ControlDispatcher& d, ControlContext& ctx);

}  // namespace ctdb::server
