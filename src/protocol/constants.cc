/*
 * Name tables for the protocol constants (see constants.h).
 */
#include "protocol/constants.h"

#include <array>
#include <cctype>
#include <utility>

namespace ctdb::protocol {

namespace {

struct OpcodeEntry {
  Opcode op;
  const char* name;
};

/* Sorted by opcode value. */
constexpr OpcodeEntry kOpcodes[] = {
    {Opcode::ProcessExists, "PROCESS_EXISTS"},
    {Opcode::Statistics, "STATISTICS"},
    {Opcode::Ping, "PING"},
    {Opcode::GetDbpath, "GETDBPATH"},
    {Opcode::GetVnnmap, "GETVNNMAP"},
    {Opcode::SetVnnmap, "SETVNNMAP"},
    {Opcode::GetDebug, "GET_DEBUG"},
    {Opcode::SetDebug, "SET_DEBUG"},
    {Opcode::GetDbmap, "GET_DBMAP"},
    {Opcode::GetNodemapv4, "GET_NODEMAPv4"},
    {Opcode::SetDmaster, "SET_DMASTER"},
    {Opcode::PullDb, "PULL_DB"},
    {Opcode::PushDb, "PUSH_DB"},
    {Opcode::GetRecmode, "GET_RECMODE"},
    {Opcode::SetRecmode, "SET_RECMODE"},
    {Opcode::StatisticsReset, "STATISTICS_RESET"},
    {Opcode::DbAttach, "DB_ATTACH"},
    {Opcode::SetCall, "SET_CALL"},
    {Opcode::TraverseStart, "TRAVERSE_START"},
    {Opcode::TraverseAll, "TRAVERSE_ALL"},
    {Opcode::TraverseData, "TRAVERSE_DATA"},
    {Opcode::RegisterSrvid, "REGISTER_SRVID"},
    {Opcode::DeregisterSrvid, "DEREGISTER_SRVID"},
    {Opcode::GetDbname, "GET_DBNAME"},
    {Opcode::EnableSeqnum, "ENABLE_SEQNUM"},
    {Opcode::UpdateSeqnum, "UPDATE_SEQNUM"},
    {Opcode::DumpMemory, "DUMP_MEMORY"},
    {Opcode::GetPid, "GET_PID"},
    {Opcode::GetRecmaster, "GET_RECMASTER"},
    {Opcode::SetRecmaster, "SET_RECMASTER"},
    {Opcode::Freeze, "FREEZE"},
    {Opcode::Thaw, "THAW"},
    {Opcode::GetPnn, "GET_PNN"},
    {Opcode::Shutdown, "SHUTDOWN"},
    {Opcode::GetMonmode, "GET_MONMODE"},
    {Opcode::TakeoverIpv4, "TAKEOVER_IPv4"},
    {Opcode::ReleaseIpv4, "RELEASE_IPv4"},
    {Opcode::TcpClient, "TCP_CLIENT"},
    {Opcode::TcpAdd, "TCP_ADD"},
    {Opcode::TcpRemove, "TCP_REMOVE"},
    {Opcode::Startup, "STARTUP"},
    {Opcode::SetTunable, "SET_TUNABLE"},
    {Opcode::GetTunable, "GET_TUNABLE"},
    {Opcode::ListTunables, "LIST_TUNABLES"},
    {Opcode::GetPublicIpsv4, "GET_PUBLIC_IPSv4"},
    {Opcode::ModifyFlags, "MODIFY_FLAGS"},
    {Opcode::GetAllTunables, "GET_ALL_TUNABLES"},
    {Opcode::KillTcp, "KILL_TCP"},
    {Opcode::GetTcpTickleList, "GET_TCP_TICKLE_LIST"},
    {Opcode::SetTcpTickleList, "SET_TCP_TICKLE_LIST"},
    {Opcode::RegisterServerId, "REGISTER_SERVER_ID"},
    {Opcode::UnregisterServerId, "UNREGISTER_SERVER_ID"},
    {Opcode::CheckServerId, "CHECK_SERVER_ID"},
    {Opcode::GetServerIdList, "GET_SERVER_ID_LIST"},
    {Opcode::DbAttachPersistent, "DB_ATTACH_PERSISTENT"},
    {Opcode::PersistentStore, "PERSISTENT_STORE"},
    {Opcode::UpdateRecord, "UPDATE_RECORD"},
    {Opcode::SendGratuitousArp, "SEND_GRATUITOUS_ARP"},
    {Opcode::TransactionStart, "TRANSACTION_START"},
    {Opcode::TransactionCommit, "TRANSACTION_COMMIT"},
    {Opcode::WipeDatabase, "WIPE_DATABASE"},
    {Opcode::Uptime, "UPTIME"},
    {Opcode::StartRecovery, "START_RECOVERY"},
    {Opcode::EndRecovery, "END_RECOVERY"},
    {Opcode::ReloadNodesFile, "RELOAD_NODES_FILE"},
    {Opcode::TryDeleteRecords, "TRY_DELETE_RECORDS"},
    {Opcode::EnableMonitor, "ENABLE_MONITOR"},
    {Opcode::DisableMonitor, "DISABLE_MONITOR"},
    {Opcode::AddPublicIp, "ADD_PUBLIC_IP"},
    {Opcode::DelPublicIp, "DEL_PUBLIC_IP"},
    {Opcode::RunEventscripts, "RUN_EVENTSCRIPTS"},
    {Opcode::GetCapabilities, "GET_CAPABILITIES"},
    {Opcode::StartPersistentUpdate, "START_PERSISTENT_UPDATE"},
    {Opcode::CancelPersistentUpdate, "CANCEL_PERSISTENT_UPDATE"},
    {Opcode::Trans2Commit, "TRANS2_COMMIT"},
    {Opcode::Trans2Finished, "TRANS2_FINISHED"},
    {Opcode::Trans2Error, "TRANS2_ERROR"},
    {Opcode::Trans2CommitRetry, "TRANS2_COMMIT_RETRY"},
    {Opcode::RecdPing, "RECD_PING"},
    {Opcode::ReleaseIp, "RELEASE_IP"},
    {Opcode::TakeoverIp, "TAKEOVER_IP"},
    {Opcode::GetPublicIps, "GET_PUBLIC_IPS"},
    {Opcode::GetNodemap, "GET_NODEMAP"},
    {Opcode::GetEventScriptStatus, "GET_EVENT_SCRIPT_STATUS"},
    {Opcode::TraverseKill, "TRAVERSE_KILL"},
    {Opcode::RecdReclockLatency, "RECD_RECLOCK_LATENCY"},
    {Opcode::GetReclockFile, "GET_RECLOCK_FILE"},
    {Opcode::SetReclockFile, "SET_RECLOCK_FILE"},
    {Opcode::StopNode, "STOP_NODE"},
    {Opcode::ContinueNode, "CONTINUE_NODE"},
    {Opcode::SetNatgwstate, "SET_NATGWSTATE"},
    {Opcode::SetLmasterrole, "SET_LMASTERROLE"},
    {Opcode::SetRecmasterrole, "SET_RECMASTERROLE"},
    {Opcode::EnableScript, "ENABLE_SCRIPT"},
    {Opcode::DisableScript, "DISABLE_SCRIPT"},
    {Opcode::SetBanState, "SET_BAN_STATE"},
    {Opcode::GetBanState, "GET_BAN_STATE"},
    {Opcode::SetDbPriority, "SET_DB_PRIORITY"},
    {Opcode::GetDbPriority, "GET_DB_PRIORITY"},
    {Opcode::TransactionCancel, "TRANSACTION_CANCEL"},
    {Opcode::RegisterNotify, "REGISTER_NOTIFY"},
    {Opcode::DeregisterNotify, "DEREGISTER_NOTIFY"},
    {Opcode::Trans2Active, "TRANS2_ACTIVE"},
    {Opcode::GetLog, "GET_LOG"},
    {Opcode::ClearLog, "CLEAR_LOG"},
    {Opcode::Trans3Commit, "TRANS3_COMMIT"},
    {Opcode::GetDbSeqnum, "GET_DB_SEQNUM"},
    {Opcode::DbSetHealthy, "DB_SET_HEALTHY"},
    {Opcode::DbGetHealth, "DB_GET_HEALTH"},
    {Opcode::GetPublicIpInfo, "GET_PUBLIC_IP_INFO"},
    {Opcode::GetIfaces, "GET_IFACES"},
    {Opcode::SetIfaceLinkState, "SET_IFACE_LINK_STATE"},
    {Opcode::TcpAddDelayedUpdate, "TCP_ADD_DELAYED_UPDATE"},
    {Opcode::GetStatHistory, "GET_STAT_HISTORY"},
    {Opcode::ScheduleForDeletion, "SCHEDULE_FOR_DELETION"},
    {Opcode::SetDbReadonly, "SET_DB_READONLY"},
    {Opcode::CheckSrvids, "CHECK_SRVIDS"},
    {Opcode::TraverseStartExt, "TRAVERSE_START_EXT"},
    {Opcode::GetDbStatistics, "GET_DB_STATISTICS"},
    {Opcode::SetDbSticky, "SET_DB_STICKY"},
    {Opcode::ReloadPublicIps, "RELOAD_PUBLIC_IPS"},
    {Opcode::TraverseAllExt, "TRAVERSE_ALL_EXT"},
    {Opcode::ReceiveRecords, "RECEIVE_RECORDS"},
    {Opcode::Ipreallocated, "IPREALLOCATED"},
    {Opcode::GetRunstate, "GET_RUNSTATE"},
    {Opcode::DbDetach, "DB_DETACH"},
    {Opcode::GetNodesFile, "GET_NODES_FILE"},
    {Opcode::DbFreeze, "DB_FREEZE"},
    {Opcode::DbThaw, "DB_THAW"},
    {Opcode::DbTransactionStart, "DB_TRANSACTION_START"},
    {Opcode::DbTransactionCommit, "DB_TRANSACTION_COMMIT"},
    {Opcode::DbPull, "DB_PULL"},
    {Opcode::DbPushStart, "DB_PUSH_START"},
    {Opcode::DbPushConfirm, "DB_PUSH_CONFIRM"},
    {Opcode::DbOpenFlags, "DB_OPEN_FLAGS"},
    {Opcode::DbAttachReplicated, "DB_ATTACH_REPLICATED"},
    {Opcode::CheckPidSrvid, "CHECK_PID_SRVID"},
    {Opcode::TunnelRegister, "TUNNEL_REGISTER"},
    {Opcode::TunnelDeregister, "TUNNEL_DEREGISTER"},
    {Opcode::VacuumFetch, "VACUUM_FETCH"},
    {Opcode::DbVacuum, "DB_VACUUM"},
    {Opcode::EchoData, "ECHO_DATA"},
    {Opcode::DisableNode, "DISABLE_NODE"},
    {Opcode::EnableNode, "ENABLE_NODE"},
    {Opcode::EventScriptList, "EVENT_SCRIPT_LIST"},
    {Opcode::EventScriptEnable, "EVENT_SCRIPT_ENABLE"},
    {Opcode::EventScriptDisable, "EVENT_SCRIPT_DISABLE"},
    {Opcode::EventRun, "EVENT_RUN"},
};

constexpr const char* kRunstateNames[] = {
    "UNKNOWN", "INIT", "SETUP", "FIRST_RECOVERY", "STARTUP", "RUNNING", "SHUTDOWN",
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* operationName(uint32_t operation) {
  switch (static_cast<Operation>(operation)) {
    case Operation::ReqCall: return "REQ_CALL";
    case Operation::ReplyCall: return "REPLY_CALL";
    case Operation::ReqDmaster: return "REQ_DMASTER";
    case Operation::ReplyDmaster: return "REPLY_DMASTER";
    case Operation::ReplyError: return "REPLY_ERROR";
    case Operation::ReqMessage: return "REQ_MESSAGE";
    case Operation::ReqControl: return "REQ_CONTROL";
    case Operation::ReplyControl: return "REPLY_CONTROL";
    case Operation::ReqKeepalive: return "REQ_KEEPALIVE";
    case Operation::ReqTunnel: return "REQ_TUNNEL";
  }
  return nullptr;
}

const char* opcodeName(uint32_t opcode) {
  size_t lo = 0, hi = std::size(kOpcodes);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    uint32_t v = static_cast<uint32_t>(kOpcodes[mid].op);
    if (v == opcode) return kOpcodes[mid].name;
    if (v < opcode) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return nullptr;
}

std::optional<Opcode> opcodeFromName(std::string_view name) {
  for (const auto& e : kOpcodes) {
    if (name == e.name) return e.op;
  }
  return std::nullopt;
}

const char* runstateToString(Runstate rs) {
  auto v = static_cast<uint32_t>(rs);
  if (v >= std::size(kRunstateNames)) return "UNKNOWN";
  return kRunstateNames[v];
}

std::optional<Runstate> runstateFromString(std::string_view text) {
  for (uint32_t i = 0; i < std::size(kRunstateNames); ++i) {
    if (equalsIgnoreCase(text, kRunstateNames[i])) return static_cast<Runstate>(i);
  }
  return std::nullopt;
}

}  // namespace ctdb::protocol
