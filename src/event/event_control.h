/*
 * Payloads of this project's event controls (doc/event-subsystem.md §8),
 * which carry `ctdb event script list|enable|disable` and `ctdb event run`
 * to the daemon that owns the script trees, and the daemon-side answers of
 * the three script controls (the run control needs the EventRunner and is
 * answered in src/server/events/controls_event.cc with runAnswer()).
 *
 * Wire layouts (native byte order, like the rest of the control protocol):
 *   tree            uint32: 0 events, 1 ip_events
 *   EVENT_SCRIPT_LIST     request: tree
 *                         reply:   uint32 count, count x { uint32 enabled
 *                                  (0/1), uint32 len, len bytes of name }
 *   EVENT_SCRIPT_ENABLE / EVENT_SCRIPT_DISABLE
 *                         request: tree, then the script name and a NUL
 *                         reply:   no data
 *   EVENT_RUN             request: tree, uint32 timeout in seconds,
 *                                  uint32 n, then n NUL-terminated words:
 *                                  the event name and its arguments
 *                         reply:   data = the run's script list in the
 *                                  GET_EVENT_SCRIPT_STATUS layout
 *                                  (event/script_status.h) when the event
 *                                  ran, else empty
 * Status: 0, or the errno CTDB 4.17's ctdb-event returns for the case
 * (ENOENT tree or script missing, EINVAL invalid script or request,
 * ETIMEDOUT, ECANCELED, ENOEXEC a script failed); the error message is the
 * one line 4.17's tool prints ("Script X does not exist in events").
 *
 * Pure code apart from answerScript*(), which read and chmod the tree
 * (event/script_dir.h).
 */
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctdb/result.h"
#include "event/event_types.h"
#include "event/script_dir.h"

namespace ctdb::event {

/* Largest timeout `ctdb event run` accepts (one hour). */
inline constexpr uint32_t kMaxRunTimeoutSeconds = 3600;

/* The timeout word of `ctdb event run`: decimal seconds, 1 to
 * kMaxRunTimeoutSeconds; else EINVAL "Invalid timeout WORD: the timeout
 * is 1 to 3600 seconds" (4.17's atoi() made such words 0 or garbage). */
Result<uint32_t> parseRunTimeout(std::string_view word);

struct TreeDirs {
  std::string events;
  std::string ip_events;
  const std::string& of(ScriptTree t) const { return t == ScriptTree::IpEvents ? ip_events : events; }
};

/* A control answer: status, data and the message line (empty when OK). */
struct ControlAnswer {
  int32_t status = 0;
  std::vector<uint8_t> data;
  std::string message;
};

std::vector<uint8_t> encodeTreeRequest(ScriptTree t);
Result<ScriptTree> decodeTreeRequest(std::span<const uint8_t> data);

std::vector<uint8_t> encodeScriptListReply(const std::vector<ScriptEntry>& list);
Result<std::vector<ScriptEntry>> decodeScriptListReply(std::span<const uint8_t> data);

struct ScriptRequest {
  ScriptTree tree = ScriptTree::Events;
  std::string name;
};
std::vector<uint8_t> encodeScriptRequest(const ScriptRequest& r);
Result<ScriptRequest> decodeScriptRequest(std::span<const uint8_t> data);

struct RunRequest {
  ScriptTree tree = ScriptTree::Events;
  uint32_t timeout_s = 0;
  std::vector<std::string> words;  // event name, then its arguments
};
std::vector<uint8_t> encodeRunRequest(const RunRequest& r);
Result<RunRequest> decodeRunRequest(std::span<const uint8_t> data);

/* The daemon's answers to EVENT_SCRIPT_LIST and EVENT_SCRIPT_ENABLE/DISABLE. */
ControlAnswer answerScriptList(const TreeDirs& dirs, std::span<const uint8_t> request);
ControlAnswer answerScriptSetEnabled(const TreeDirs& dirs, std::span<const uint8_t> request,
                                     bool enable);

/* EVENT_RUN before running: the checked event, or an Error{errno, line}
 * that refuses it (unknown event, wrong tree, bad timeout or argument
 * count, missing tree: 4.17 wording where 4.17 has the case); answer a
 * refusal with answerFromError(). */
struct RunPlan {
  Event event = Event::Monitor;
  std::vector<std::string> args;
  uint32_t timeout_s = 0;
  ScriptTree tree = ScriptTree::Events;
};
Result<RunPlan> planRun(const TreeDirs& dirs, std::span<const uint8_t> request);
ControlAnswer answerFromError(const Error& e);
/* EVENT_RUN after the runner finished (or refused with an error). */
ControlAnswer runAnswer(const RunPlan& plan, const Result<EventResult>& result);

}  // namespace ctdb::event
