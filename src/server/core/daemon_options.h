/*
 * ctdbd command-line options (contract section 2, names as in CTDB 4.5).
 *
 * Owns: turning argv (+ the two environment variables ctdbd honours,
 * CTDB_SOCKET and CTDB_BASE) into one immutable DaemonOptions value. No I/O:
 * files named by options are not opened here, so every error this module
 * reports is about the command line itself (unknown option, missing value,
 * unparsable address or debug level, conflicting flags).
 *
 * Accepted forms: `--opt=value`, `--opt value`, `-d LEVEL`, `-dLEVEL`, `-i`.
 * Positional arguments are rejected (ctdbd takes none).
 *
 * CTDB_BASE (contract section 2) is the environment variable when set,
 * else the parent of --event-script-dir when that is given, else the
 * build's configured sysconfdir/ctdb (util/install_paths.h; /etc/ctdb for a
 * package). It is what the event scripts get as CTDB_BASE.
 *
 * Defaults otherwise follow ctdbd 4.5:
 *   nodes file        $CTDB_BASE/nodes
 *   event scripts     $CTDB_BASE/events.d
 *   IP event scripts  sibling "ip_events.d" of the event-script dir
 *   state dir         /var/lib/ctdb/state
 *   socket            $CTDB_SOCKET, else /run/ctdb/ctdbd.socket
 *   logging           file:/var/log/log.ctdb; with -i (and no --logging)
 *                     stderr, as CTDB 4.17's ctdbd -i
 *   debug level       NOTICE (3)
 * $CTDB_BASE/ctdb.conf, $CTDB_BASE/public_addresses and
 * $CTDB_BASE/ctdb.tunables are applied on top by server/core/daemon_config
 * (the command line wins; `from_command_line` records what it gave).
 */
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ctdb/result.h"
#include "util/ip_address.h"

namespace ctdb::server {

inline constexpr std::string_view kDefaultSocketPath = "/run/ctdb/ctdbd.socket";
inline constexpr std::string_view kDefaultCtdbBase = "/etc/ctdb";
inline constexpr std::string_view kDefaultStateDir = "/var/lib/ctdb/state";
inline constexpr std::string_view kDefaultLogging = "file:/var/log/log.ctdb";

/* Initial administrative state of this node (--start-as-*). */
enum class StartState { Normal, Disabled, Stopped, DisabledAndStopped };
const char* toString(StartState s);

/* Where DaemonOptions::ctdb_base came from (logged at start-up). */
enum class CtdbBaseSource { Environment, EventScriptDir, BuiltIn };
const char* toString(CtdbBaseSource s);

/* The settings that both the command line and ctdb.conf can give. */
enum class CliSetting : unsigned {
  Logging = 1u << 0,     // --logging, or -i (stderr)
  DebugLevel = 1u << 1,  // -d
  Listen = 1u << 2,      // --listen
  Reclock = 1u << 3,     // --reclock
  StateDir = 1u << 4,    // --dbdir-state
  ScriptLogLevel = 1u << 5,    // --script-log-level
  LeaderCapability = 1u << 6,  // --no-recmaster
};

struct DaemonOptions {
  std::string ctdb_base;  // the configuration directory, see above
  CtdbBaseSource ctdb_base_source = CtdbBaseSource::BuiltIn;
  std::string nodes_file;
  std::optional<std::string> public_addresses_file;  // none = no public IPs
  std::string socket_path;
  std::string event_script_dir;
  std::string ip_event_script_dir;
  std::string state_dir;
  std::optional<std::string> reclock;          // path or "!helper args"
  std::optional<IpAddress> listen_address;     // none = find a local one
  std::optional<std::string> tunables_file;
  bool is_interactive = false;
  std::string logging{kDefaultLogging};
  std::optional<std::string> pidfile;
  StartState start_state = StartState::Normal;
  int debug_level = 3;
  // From ctdb.conf only (daemon_config.h); defaults are CTDB 4.17's.
  std::chrono::seconds leader_timeout{5};  // [cluster] leader timeout
  bool has_leader_capability = true;       // [cluster] leader capability
  bool is_failover_disabled = false;       // [failover] disabled
  int script_log_level = 0;                // [legacy] script log level (ERROR)
  std::optional<std::string> event_debug_script;  // [event] debug script, full path

  unsigned from_command_line = 0;  // CliSetting bits
  bool isFromCommandLine(CliSetting s) const { return (from_command_line & static_cast<unsigned>(s)) != 0; }
};

/* The environment variables the parser consults, injected for tests. */
struct OptionEnvironment {
  std::optional<std::string> ctdb_socket;  // CTDB_SOCKET
  std::optional<std::string> ctdb_base;    // CTDB_BASE
  // The build's default CTDB_BASE (fromProcess(): processDefaultCtdbBase()).
  std::string default_ctdb_base{kDefaultCtdbBase};
  static OptionEnvironment fromProcess();
};

enum class ParseAction { Run, ShowHelp };

struct ParsedCommandLine {
  ParseAction action = ParseAction::Run;
  DaemonOptions options;
};

/*
 * Parses args (args[0] is the program name and is skipped). Errors carry a
 * one-line message naming the offending option, e.g.
 * "unknown option '--foo'" or "option '--nlist' needs a value".
 */
Result<ParsedCommandLine> parseDaemonOptions(std::span<const char* const> args,
                                             const OptionEnvironment& env);

/* Multi-line usage text listing every option. */
std::string daemonUsage(std::string_view program);

}  // namespace ctdb::server
