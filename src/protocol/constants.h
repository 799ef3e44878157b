/*
 * Protocol constants of CTDB's packet protocol, numerically identical to
 * CTDB 4.17 (reference: shared/reference/ctdb-protocol.md sections 2-6).
 *
 * Owns: packet magic/version, operation codes, control opcodes and their
 * printable names, special PNNs, node flags, capabilities, run states,
 * recovery modes and SRVIDs. Pure data: no state, no I/O, thread-safe.
 *
 * All integers travel in host byte order (little-endian on x86-64).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ctdb::protocol {

constexpr uint32_t kMagic = 0x43544442;  // "CTDB" read as a LE u32: bytes 42 44 54 43
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderSize = 32;
/* Senders pad every packet to a multiple of this many bytes. */
constexpr uint32_t kPacketAlignment = 8;

enum class Operation : uint32_t {
  ReqCall = 0,
  ReplyCall = 1,
  ReqDmaster = 2,
  ReplyDmaster = 3,
  ReplyError = 4,
  ReqMessage = 5,
  ReqControl = 7,
  ReplyControl = 8,
  ReqKeepalive = 9,
  ReqTunnel = 10,
};
/* "REQ_CONTROL", ... or nullptr for an unknown value. */
const char* operationName(uint32_t operation);

/* Control opcodes (enum ctdb_controls of 4.17.12; gaps are removed numbers). */
enum class Opcode : uint32_t {
  ProcessExists = 0,
  Statistics = 1,
  Ping = 3,
  GetDbpath = 4,
  GetVnnmap = 5,
  SetVnnmap = 6,
  GetDebug = 7,
  SetDebug = 8,
  GetDbmap = 9,
  GetNodemapv4 = 10,
  SetDmaster = 11,
  PullDb = 13,
  PushDb = 14,
  GetRecmode = 15,
  SetRecmode = 16,
  StatisticsReset = 17,
  DbAttach = 18,
  SetCall = 19,
  TraverseStart = 20,
  TraverseAll = 21,
  TraverseData = 22,
  RegisterSrvid = 23,
  DeregisterSrvid = 24,
  GetDbname = 25,
  EnableSeqnum = 26,
  UpdateSeqnum = 27,
  DumpMemory = 29,
  GetPid = 30,
  GetRecmaster = 31,
  SetRecmaster = 32,
  Freeze = 33,
  Thaw = 34,
  GetPnn = 35,
  Shutdown = 36,
  GetMonmode = 37,
  TakeoverIpv4 = 42,
  ReleaseIpv4 = 43,
  TcpClient = 44,
  TcpAdd = 45,
  TcpRemove = 46,
  Startup = 47,
  SetTunable = 48,
  GetTunable = 49,
  ListTunables = 50,
  GetPublicIpsv4 = 51,
  ModifyFlags = 52,
  GetAllTunables = 53,
  KillTcp = 54,
  GetTcpTickleList = 55,
  SetTcpTickleList = 56,
  RegisterServerId = 57,
  UnregisterServerId = 58,
  CheckServerId = 59,
  GetServerIdList = 60,
  DbAttachPersistent = 61,
  PersistentStore = 62,
  UpdateRecord = 63,
  SendGratuitousArp = 64,
  TransactionStart = 65,
  TransactionCommit = 66,
  WipeDatabase = 67,
  Uptime = 69,
  StartRecovery = 70,
  EndRecovery = 71,
  ReloadNodesFile = 72,
  TryDeleteRecords = 74,
  EnableMonitor = 75,
  DisableMonitor = 76,
  AddPublicIp = 77,
  DelPublicIp = 78,
  RunEventscripts = 79,
  GetCapabilities = 80,
  StartPersistentUpdate = 81,
  CancelPersistentUpdate = 82,
  Trans2Commit = 83,
  Trans2Finished = 84,
  Trans2Error = 85,
  Trans2CommitRetry = 86,
  RecdPing = 87,
  ReleaseIp = 88,
  TakeoverIp = 89,
  GetPublicIps = 90,
  GetNodemap = 91,
  GetEventScriptStatus = 96,
  TraverseKill = 97,
  RecdReclockLatency = 98,
  GetReclockFile = 99,
  SetReclockFile = 100,
  StopNode = 101,
  ContinueNode = 102,
  SetNatgwstate = 103,
  SetLmasterrole = 104,
  SetRecmasterrole = 105,
  EnableScript = 107,
  DisableScript = 108,
  SetBanState = 109,
  GetBanState = 110,
  SetDbPriority = 111,
  GetDbPriority = 112,
  TransactionCancel = 113,
  RegisterNotify = 114,
  DeregisterNotify = 115,
  Trans2Active = 116,
  GetLog = 117,
  ClearLog = 118,
  Trans3Commit = 119,
  GetDbSeqnum = 120,
  DbSetHealthy = 121,
  DbGetHealth = 122,
  GetPublicIpInfo = 123,
  GetIfaces = 124,
  SetIfaceLinkState = 125,
  TcpAddDelayedUpdate = 126,
  GetStatHistory = 127,
  ScheduleForDeletion = 128,
  SetDbReadonly = 129,
  CheckSrvids = 130,
  TraverseStartExt = 131,
  GetDbStatistics = 132,
  SetDbSticky = 133,
  ReloadPublicIps = 134,
  TraverseAllExt = 135,
  ReceiveRecords = 136,
  Ipreallocated = 137,
  GetRunstate = 138,
  DbDetach = 139,
  GetNodesFile = 140,
  DbFreeze = 141,
  DbThaw = 142,
  DbTransactionStart = 143,
  DbTransactionCommit = 144,
  DbPull = 146,
  DbPushStart = 147,
  DbPushConfirm = 148,
  DbOpenFlags = 149,
  DbAttachReplicated = 150,
  CheckPidSrvid = 151,
  TunnelRegister = 152,
  TunnelDeregister = 153,
  VacuumFetch = 154,
  DbVacuum = 155,
  EchoData = 156,
  DisableNode = 157,
  EnableNode = 158,

  /* This project's own controls (doc/event-subsystem.md §8), numbered far
   * above CTDB's (0-158 in 4.17) so that no CTDB release collides; a stock
   * ctdbd answers them -1 like any unknown opcode. */
  EventScriptList = 0x43540001,     // "CT" 0001: scripts of one tree
  EventScriptEnable = 0x43540002,   // chmod +x a script of one tree
  EventScriptDisable = 0x43540003,  // chmod -x
  EventRun = 0x43540004,            // run an event through the event runner
};

/* CTDB's upper-case control name as the CLI prints it ("GET_PNN",
 * "GETVNNMAP", "GET_PUBLIC_IPSv4"), or nullptr for an unknown opcode. */
const char* opcodeName(uint32_t opcode);
inline const char* opcodeName(Opcode op) { return opcodeName(static_cast<uint32_t>(op)); }
/* Inverse of opcodeName (exact, case-sensitive match). */
std::optional<Opcode> opcodeFromName(std::string_view name);

/* Special node numbers (destnode/srcnode/pnn fields). */
constexpr uint32_t kCurrentNode = 0xF0000001;
constexpr uint32_t kBroadcastAll = 0xF0000002;
constexpr uint32_t kBroadcastActive = 0xF0000003;
constexpr uint32_t kBroadcastConnected = 0xF0000004;
constexpr uint32_t kMulticast = 0xF0000005;
constexpr uint32_t kUnknownPnn = 0xFFFFFFFF;
/* True for kCurrentNode..kMulticast. */
constexpr bool isSpecialPnn(uint32_t pnn) { return pnn >= kCurrentNode && pnn <= kMulticast; }

constexpr uint32_t kInvalidGeneration = 1;

/* REQ_CONTROL flags. */
constexpr uint32_t kCtrlFlagNoReply = 0x00000001;
constexpr uint32_t kCtrlFlagOpcodeSpecific = 0xFFFF0000;
constexpr uint32_t kPublicIpFlagsOnlyAvailable = 0x00010000;
constexpr uint32_t kCtrlFlagAttachRecovery = 0x00020000;

namespace NodeFlags {
constexpr uint32_t kDisconnected = 0x01;
constexpr uint32_t kUnhealthy = 0x02;
constexpr uint32_t kPermanentlyDisabled = 0x04;
constexpr uint32_t kBanned = 0x08;
constexpr uint32_t kDeleted = 0x10;
constexpr uint32_t kStopped = 0x20;
constexpr uint32_t kDisabled = kUnhealthy | kPermanentlyDisabled;                   // 0x06
constexpr uint32_t kInactive = kDeleted | kDisconnected | kBanned | kStopped;       // 0x39
/* CLI-only pseudo flag, never sent on the wire. */
constexpr uint32_t kUnknownCliOnly = 0x40;
}  // namespace NodeFlags

/* GET_CAPABILITIES bits. */
constexpr uint32_t kCapRecmaster = 0x00000001;  // printed "LEADER" by the CLI
constexpr uint32_t kCapLmaster = 0x00000002;
constexpr uint32_t kCapLvs = 0x00000004;        // obsolete
constexpr uint32_t kCapNatgw = 0x00000008;      // obsolete
constexpr uint32_t kCapParallelRecovery = 0x00010000;
constexpr uint32_t kCapFragmentedControls = 0x00020000;
constexpr uint32_t kCapDefault = 0x00030003;

enum class Runstate : uint32_t {
  Unknown = 0,
  Init = 1,
  Setup = 2,
  FirstRecovery = 3,
  Startup = 4,
  Running = 5,
  Shutdown = 6,
};
/* "UNKNOWN", "INIT", "SETUP", "FIRST_RECOVERY", "STARTUP", "RUNNING",
 * "SHUTDOWN"; values out of range print as "UNKNOWN". */
const char* runstateToString(Runstate rs);
/* Case-insensitive inverse of runstateToString. */
std::optional<Runstate> runstateFromString(std::string_view text);

/* Recovery mode (GET_RECMODE status). */
constexpr uint32_t kRecmodeNormal = 0;
constexpr uint32_t kRecmodeActive = 1;

/* SRVIDs (message ports). */
constexpr uint64_t kSrvidAll = 0xFFFFFFFFFFFFFFFFULL;
constexpr uint64_t kSrvidRecovery = 0xF001000000000000ULL;
constexpr uint64_t kSrvidBanning = 0xF002000000000000ULL;
constexpr uint64_t kSrvidElection = 0xF100000000000000ULL;
constexpr uint64_t kSrvidLeader = 0xF101000000000000ULL;
constexpr uint64_t kSrvidReconfigure = 0xF200000000000000ULL;
constexpr uint64_t kSrvidReleaseIp = 0xF300000000000000ULL;
constexpr uint64_t kSrvidTakeIp = 0xF301000000000000ULL;
constexpr uint64_t kSrvidSetNodeFlags = 0xF400000000000000ULL;  // obsolete
constexpr uint64_t kSrvidRecdUpdateIp = 0xF500000000000000ULL;
constexpr uint64_t kSrvidVacuumFetch = 0xF700000000000000ULL;
constexpr uint64_t kSrvidDetachDatabase = 0xF701000000000000ULL;
constexpr uint64_t kSrvidMemDump = 0xF800000000000000ULL;
constexpr uint64_t kSrvidGetlog = 0xF801000000000000ULL;
constexpr uint64_t kSrvidClearlog = 0xF802000000000000ULL;
constexpr uint64_t kSrvidPushNodeFlags = 0xF900000000000000ULL;
constexpr uint64_t kSrvidReloadNodes = 0xFA00000000000000ULL;
constexpr uint64_t kSrvidTakeoverRun = 0xFB00000000000000ULL;
constexpr uint64_t kSrvidRebalanceNode = 0xFB01000000000000ULL;
constexpr uint64_t kSrvidDisableTakeoverRuns = 0xFB03000000000000ULL;
constexpr uint64_t kSrvidDisableRecoveries = 0xFB04000000000000ULL;
constexpr uint64_t kSrvidDisableIpCheck = 0xFC00000000000000ULL;
constexpr uint64_t kSrvidPidRange = 0x0000000000000000ULL;
constexpr uint64_t kSrvidSambaNotify = 0xFE00000000000000ULL;
constexpr uint64_t kSrvidSambaRange = 0xFE00000000000000ULL;
constexpr uint64_t kSrvidNfsdRange = 0xEE00000000000000ULL;
constexpr uint64_t kSrvidIscsidRange = 0xDE00000000000000ULL;
constexpr uint64_t kSrvidToolRange = 0xCE00000000000000ULL;
constexpr uint64_t kSrvidClientRange = 0xBE00000000000000ULL;
constexpr uint64_t kSrvidTestRange = 0xAE00000000000000ULL;
/* Mask selecting the "range" byte of a srvid (top 8 bits). */
constexpr uint64_t kSrvidRangeMask = 0xFF00000000000000ULL;

/* Number of u32 slots in the GET_ALL_TUNABLES reply (struct ctdb_tunable_list). */
constexpr size_t kTunableListSize = 62;
/* Interface name capacity: CTDB_IFACE_SIZE 16 + 2 bytes in the wire record. */
constexpr size_t kIfaceNameMax = 16;
constexpr size_t kIfaceNameField = 18;

}  // namespace ctdb::protocol
