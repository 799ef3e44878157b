/*
 * Script status for `ctdb scriptstatus`: the GET_EVENT_SCRIPT_STATUS
 * control (opcode 96, CTDB 4.5; obsolete in 4.17, whose tool asks eventd
 * directly) with a payload in CTDB 4.5's x86_64 ctdb_script_list layout,
 * plus the 4.5-style text formatter for the CLI.
 *
 * Request data: uint32 event (enum ctdb_event numbering, event::Event).
 * Reply data: empty when the event never ran ("cycle never run"), else
 *   uint32 num_scripts, uint32 padding (0), then num_scripts records of
 *   584 bytes each:
 *     char    name[32]      NUL-terminated, at most 31 bytes
 *     int64   start_sec, start_usec       (struct timeval)
 *     int64   finished_sec, finished_usec
 *     int32   status        0 OK, >0 exit code, -ENOEXEC disabled,
 *                           -ETIMEDOUT timeout, -EINTR signal, other -errno
 *     char    output[512]   NUL-terminated; the LAST 511 bytes of the
 *                           script's output (4.5 kept the first 511; the
 *                           end of the output is where the error is)
 *     uint32  padding (0)
 * Native byte order, like the rest of the control protocol.
 *
 * Pure code: no I/O, no loop.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctdb/result.h"
#include "event/event_types.h"

namespace ctdb::event {

inline constexpr uint32_t kGetEventScriptStatusOpcode = 96;
inline constexpr size_t kScriptNameMax = 31;
inline constexpr size_t kScriptOutputMax = 511;
inline constexpr size_t kScriptRecordSize = 584;

struct ScriptStatusEntry {
  std::string name;
  int64_t start_sec = 0, start_usec = 0;
  int64_t finished_sec = 0, finished_usec = 0;
  int32_t status = 0;
  std::string output;
};

std::vector<uint8_t> encodeScriptStatusRequest(Event e);
Result<Event> decodeScriptStatusRequest(std::span<const uint8_t> data);

/* nullptr / nullopt = never run (empty payload). */
std::vector<uint8_t> encodeScriptStatusReply(const EventResult* last);
Result<std::optional<std::vector<ScriptStatusEntry>>> decodeScriptStatusReply(
    std::span<const uint8_t> data);

/* Entry view of an EventResult (name/output truncated as on the wire). */
std::vector<ScriptStatusEntry> toEntries(const EventResult& r);

/* The text CTDB 4.5's `ctdb scriptstatus` printed for one event:
 *   "N scripts were executed last EVENT cycle" then one line per script
 *   ("%-20s Status:OK    Duration:0.012 <ctime>", "   OUTPUT:..." for
 *   failures, "Status:DISABLED" for skipped ones), or
 *   "EVENT cycle never run". With machine_readable (-X / -Y) the lines are
 *   `sep`-separated fields: event, name, code, status, start, end, output;
 *   print the header line with scriptStatusHeader() first. */
std::string formatScriptStatus(const std::string& event_name,
                               const std::optional<std::vector<ScriptStatusEntry>>& entries,
                               bool machine_readable = false, const std::string& sep = ":");
std::string scriptStatusHeader(const std::string& sep = ":");

/* The events `ctdb scriptstatus all` shows, in 4.5's order. */
const std::vector<Event>& scriptStatusEvents();

}  // namespace ctdb::event
