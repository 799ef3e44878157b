/*
 * Value types of the event subsystem: event names, the two script trees,
 * one script's result, one event's result, and the rules that turn script
 * results into an event status.
 *
 * Trees (contract §5): takeip, releaseip and updateip run only the scripts
 * in ip_events.d/; every other event runs only events.d/.
 *
 * Status rules (see doc/event-subsystem.md):
 *   exit 0, DISABLED (not an executable regular file) and MISSING (stat
 *   failed, e.g. a dangling link) count as success, as in CTDB 4.5;
 *   any other exit code, a signal, exec failure, spawn failure and a
 *   timeout are failures (contract §5: running past EventScriptTimeout
 *   fails the event; CTDB 4.5 turned timeouts of takeip/releaseip/
 *   startrecovery/recovered into success, we do not). The first failure
 *   ends the event; later scripts are not run and not listed.
 *   Status codes follow CTDB's script_status convention: 0 OK, >0 exit
 *   code, <0 -errno (-ENOEXEC disabled, -ETIMEDOUT timeout, -EINTR signal,
 *   -ECANCELED cancelled).
 *
 * Pure values, no I/O: safe to copy between loop iterations.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"

namespace ctdb::event {

enum class ScriptTree { Events, IpEvents };
const char* toString(ScriptTree t);  // "events.d" / "ip_events.d"
/* The tree's name on the `ctdb event` command line and in the event
 * controls: "events" / "ip_events" (CTDB 4.17's "component"). */
const char* treeName(ScriptTree t);
std::optional<ScriptTree> treeFromName(std::string_view name);

/* The events of CTDB 4.5, numbered as its enum ctdb_event (the wire value of
 * GET_EVENT_SCRIPT_STATUS). */
enum class Event : uint32_t {
  Init = 0,
  Setup = 1,
  Startup = 2,
  StartRecovery = 3,
  Recovered = 4,
  TakeIp = 5,
  ReleaseIp = 6,
  Stopped = 7,
  Monitor = 8,
  Status = 9,
  Shutdown = 10,
  Reload = 11,
  UpdateIp = 12,
  IpReallocated = 13,
};
inline constexpr uint32_t kEventCount = 14;

const char* toString(Event e);
Result<Event> eventFromString(std::string_view name);
bool isIpEvent(Event e);
ScriptTree treeFor(Event e);
/* Number of arguments the event takes (takeip/releaseip 3, updateip 4,
 * others 0), as CTDB's check_options. */
size_t argCountFor(Event e);

enum class ScriptState {
  Ok,          // exited 0
  Failed,      // exited non-zero (code = exit status)
  Signaled,    // killed by a signal (code = signal)
  TimedOut,    // past the event deadline, group killed
  Disabled,    // not executable: skipped, not a failure
  Missing,     // stat failed (code = errno): skipped, not a failure
  ExecFailed,  // execve failed (code = errno)
  SpawnFailed, // helper could not create the process (code = errno)
  Cancelled,   // the run was cancelled while this script ran
};
const char* toString(ScriptState s);

struct ScriptResult {
  std::string name;
  ScriptState state = ScriptState::Ok;
  int code = 0;
  std::chrono::system_clock::time_point start{};
  std::chrono::system_clock::time_point end{};
  std::string output;           // last kMaxOutput bytes of stdout+stderr
  bool is_output_truncated = false;

  /* CTDB-style status integer (see header comment). */
  int status() const;
  bool isFailure() const;
  /* "script NAME STATE (status N): LAST OUTPUT LINE" (the last non-empty
   * line, at most 200 bytes; left out when there is none): what a log
   * line or an error needs to say why this script failed. */
  std::string describe() const;
  std::chrono::microseconds duration() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(end - start);
  }
};

struct EventResult {
  Event event = Event::Monitor;
  std::vector<std::string> args;
  std::vector<ScriptResult> scripts;

  /* 0, or the status of the first failing script. */
  int status() const;
  bool isSuccess() const { return status() == 0; }
  /* The first failing script, if any. */
  const ScriptResult* firstFailure() const;
  /* "takeip eth0 198.18.0.1 24" */
  std::string commandLine() const;
};

}  // namespace ctdb::event
