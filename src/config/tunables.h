/*
 * Tunables (ctdb::config): CTDB's run-time tunable variables with CTDB
 * 4.17's names, defaults, GET_ALL_TUNABLES slot order and LIST_TUNABLES
 * order.
 *
 * Ownership/invariants:
 *   - definitions() is a static table of the 62 ctdb_tunable_list slots
 *     (slot 0..61, each exactly once), followed by this project's own
 *     tunables (slot kTunableListSlots and up: never on the wire in
 *     GET_ALL_TUNABLES, not listed, settable by name, in a tunables file and
 *     with GET/SET_TUNABLE, so the stock tool's getvar/setvar reach them). 49 are listed (LIST_TUNABLES / `ctdb
 *     listvars`, in 4.17's order); 13 are obsolete in 4.17 and are not
 *     listed but keep their slot and default.
 *   - Four of the 13 are CTDB 4.5's IP tunables that 4.17 made obsolete
 *     (DeterministicIPs, DisableIPFailover, LCP2PublicIPs,
 *     NoIPHostOnAllDisabled). This daemon keeps them as INTERNAL settable
 *     tunables: set() stores them and answers SetResult::Ok, get() reads
 *     them, a tunables file may set them; they still are not listed, so
 *     `ctdb listvars` matches 4.17 exactly. The other 9 obsolete ones behave
 *     as in 4.17: set() stores the value (nothing uses it) and answers
 *     SetResult::Obsolete; in a tunables file they are an error.
 *   - get() answers for all 62 names (4.17's GET_TUNABLE also reads
 *     obsolete slots); nullopt only for unknown names.
 *   - Names compare case-insensitively (as CTDB's strcasecmp).
 *   - CTDB 4.5 chose the IP allocation algorithm from LCP2PublicIPs and
 *     DeterministicIPs (LCP2PublicIPs==1 -> LCP2, else DeterministicIPs==1
 *     -> deterministic, else non-deterministic). Setting either of them
 *     recomputes IPAllocAlgorithm the same way (2 / 0 / 1); setting
 *     IPAllocAlgorithm directly leaves the two 4.5 values alone. See
 *     doc/config-files.md.
 *   - No value range is validated (CTDB 4.17 validates none), so set()
 *     never answers Invalid today; the value exists for callers that map
 *     SET_TUNABLE results.
 *
 * A Tunables object is a plain value (copyable); not thread-safe.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"

namespace ctdb::config {

struct TunableDef {
  const char* name;        // CTDB's CamelCase name
  uint32_t default_value;  // 4.17 default
  int slot;                // index in the GET_ALL_TUNABLES list (0..61), -1 if none
  bool is_listed;          // in 4.17 LIST_TUNABLES
  bool is_obsolete;        // set() answers Obsolete and ignores the value
};

inline constexpr size_t kTunableListSlots = 62;
/* Our own tunables (doc/cluster.md "Quorum and fencing"): FenceTimeout,
 * FenceMargin. */
inline constexpr size_t kOwnTunables = 2;
inline constexpr size_t kListedTunables = 49;

class Tunables {
 public:
  enum class SetResult { Ok, Unknown, Obsolete, Invalid };

  Tunables();  // 4.17 defaults

  /* All known tunables: the 49 listed ones in LIST_TUNABLES order, then the
     13 unlisted ones in slot order. */
  static std::span<const TunableDef> definitions();
  /* Looks a name up (case-insensitive); nullptr if unknown. */
  static const TunableDef* find(std::string_view name);

  /* The 49 names in 4.17 LIST_TUNABLES order. */
  std::vector<std::string> listNames() const;
  /* Any of the 62 names; nullopt for an unknown name. */
  std::optional<uint32_t> get(std::string_view name) const;
  SetResult set(std::string_view name, uint32_t value);
  /* The 62 u32 of struct ctdb_tunable_list, slot order. */
  std::array<uint32_t, kTunableListSlots> toTunableList() const;
  /* The other way (a GET_ALL_TUNABLES reply read through the typed
     accessors): slots beyond the list's length and our own tunables keep
     their defaults. */
  static Tunables fromTunableList(std::span<const uint32_t> list);

  /* Name=Value lines (as 4.17's ctdb.tunables); '#' or ';' comment lines
     and blank lines ignored; spaces around '=' allowed; values decimal,
     0x hex or 0-prefixed octal (strtoul base 0), at most 2^32-1. Errors
     "FILE:LINE: ..." for unknown name, obsolete name, bad or missing value,
     missing '=', [section] lines. Applied on top of the current values; on
     error nothing of the text is applied. */
  Status parse(std::string_view text, std::string_view filename);
  /* A missing file is an error here (the caller decides whether an absent
     default file matters; 4.17 silently skips a missing ctdb.tunables). */
  Status loadFile(const std::string& path);

  uint32_t takeoverTimeout() const { return value(kTakeoverTimeout); }
  uint32_t noIpFailback() const { return value(kNoIpFailback); }
  uint32_t noIpTakeover() const { return value(kNoIpTakeover); }
  uint32_t noIpHostOnAllDisabled() const { return value(kNoIpHostOnAllDisabled); }
  uint32_t disableIpFailover() const { return value(kDisableIpFailover); }
  uint32_t ipAllocAlgorithm() const { return value(kIpAllocAlgorithm); }
  uint32_t eventScriptTimeout() const { return value(kScriptTimeout); }
  uint32_t monitorInterval() const { return value(kMonitorInterval); }
  uint32_t monitorTimeoutCount() const { return value(kMonitorTimeoutCount); }
  uint32_t keepaliveInterval() const { return value(kKeepaliveInterval); }
  uint32_t keepaliveLimit() const { return value(kKeepaliveLimit); }
  uint32_t enableBans() const { return value(kEnableBans); }
  uint32_t recoveryBanPeriod() const { return value(kRecoveryBanPeriod); }
  uint32_t recoveryGracePeriod() const { return value(kRecoveryGracePeriod); }
  uint32_t electionTimeout() const { return value(kElectionTimeout); }
  uint32_t recoverInterval() const { return value(kRecoverInterval); }
  uint32_t recoverTimeout() const { return value(kRecoverTimeout); }
  uint32_t rerecoveryTimeout() const { return value(kRerecoveryTimeout); }
  uint32_t controlTimeout() const { return value(kControlTimeout); }
  uint32_t tickleUpdateInterval() const { return value(kTickleUpdateInterval); }
  uint32_t recoveryDropAllIps() const { return value(kRecoveryDropAllIps); }
  uint32_t recdPingTimeout() const { return value(kRecdPingTimeout); }
  uint32_t recdFailCount() const { return value(kRecdFailCount); }
  uint32_t recLockLatencyMs() const { return value(kRecLockLatencyMs); }
  uint32_t deterministicIps() const { return value(kDeterministicIps); }
  uint32_t lcp2PublicIps() const { return value(kLcp2PublicIps); }
  /* Ours: seconds without a quorum after which a node has dropped its
   * public IPs; also the kernel lifetime of every hosted public address. */
  uint32_t fenceTimeout() const { return value(kFenceTimeout); }
  /* Ours: extra seconds the quorate side waits past a lost node's
   * FenceTimeout before reassigning its IPs. */
  uint32_t fenceMargin() const { return value(kFenceMargin); }

 private:
  /* Slot numbers of ctdb_tunable_list (4.17). */
  enum Slot : int {
    kControlTimeout = 2,
    kKeepaliveInterval = 4,
    kKeepaliveLimit = 5,
    kRecoverTimeout = 6,
    kRecoverInterval = 7,
    kElectionTimeout = 8,
    kTakeoverTimeout = 9,
    kMonitorInterval = 10,
    kTickleUpdateInterval = 11,
    kScriptTimeout = 12,
    kMonitorTimeoutCount = 13,
    kRecoveryGracePeriod = 15,
    kRecoveryBanPeriod = 16,
    kRerecoveryTimeout = 19,
    kEnableBans = 20,
    kDeterministicIps = 21,
    kNoIpFailback = 23,
    kDisableIpFailover = 24,
    kRecdPingTimeout = 26,
    kRecdFailCount = 27,
    kRecLockLatencyMs = 29,
    kRecoveryDropAllIps = 30,
    kLcp2PublicIps = 41,
    kNoIpTakeover = 49,
    kNoIpHostOnAllDisabled = 54,
    kIpAllocAlgorithm = 60,
    kFenceTimeout = 62,
    kFenceMargin = 63,
  };
  uint32_t value(Slot s) const { return values_[static_cast<size_t>(s)]; }

  std::array<uint32_t, kTunableListSlots + kOwnTunables> values_{};
};

const char* toString(Tunables::SetResult r);

}  // namespace ctdb::config
