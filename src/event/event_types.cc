#include "event/event_types.h"

#include <cerrno>

namespace ctdb::event {

namespace {

constexpr const char* kEventNames[kEventCount] = {
    "init",     "setup",  "startup",  "startrecovery", "recovered", "takeip",   "releaseip",
    "stopped",  "monitor", "status",  "shutdown",      "reload",    "updateip", "ipreallocated",
};

}  // namespace

const char* toString(ScriptTree t) {
  return t == ScriptTree::IpEvents ? "ip_events.d" : "events.d";
}

const char* toString(Event e) {
  auto i = static_cast<uint32_t>(e);
  return i < kEventCount ? kEventNames[i] : "unknown";
}

Result<Event> eventFromString(std::string_view name) {
  for (uint32_t i = 0; i < kEventCount; ++i) {
    if (name == kEventNames[i]) return static_cast<Event>(i);
  }
  return errnoError(EINVAL, "unknown event '" + std::string(name) + "'");
}

bool isIpEvent(Event e) {
  return e == Event::TakeIp || e == Event::ReleaseIp || e == Event::UpdateIp;
}

const char* treeName(ScriptTree t) { return t == ScriptTree::IpEvents ? "ip_events" : "events"; }

std::optional<ScriptTree> treeFromName(std::string_view name) {
  if (name == "events") return ScriptTree::Events;
  if (name == "ip_events") return ScriptTree::IpEvents;
  return std::nullopt;
}

ScriptTree treeFor(Event e) { return isIpEvent(e) ? ScriptTree::IpEvents : ScriptTree::Events; }

size_t argCountFor(Event e) {
  switch (e) {
    case Event::TakeIp:
    case Event::ReleaseIp:
      return 3;
    case Event::UpdateIp:
      return 4;
    default:
      return 0;
  }
}

const char* toString(ScriptState s) {
  switch (s) {
    case ScriptState::Ok: return "OK";
    case ScriptState::Failed: return "ERROR";
    case ScriptState::Signaled: return "SIGNALED";
    case ScriptState::TimedOut: return "TIMEDOUT";
    case ScriptState::Disabled: return "DISABLED";
    case ScriptState::Missing: return "MISSING";
    case ScriptState::ExecFailed: return "EXEC_FAILED";
    case ScriptState::SpawnFailed: return "SPAWN_FAILED";
    case ScriptState::Cancelled: return "CANCELLED";
  }
  return "UNKNOWN";
}

std::string ScriptResult::describe() const {
  std::string s = "script " + name + " " + toString(state) + " (status " +
                  std::to_string(status()) + ")";
  size_t end = output.find_last_not_of("\n\r \t");
  if (end == std::string::npos) return s;
  size_t start = output.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = output.substr(start, end - start + 1);
  if (line.size() > 200) line = line.substr(line.size() - 200);
  return s + ": " + line;
}

int ScriptResult::status() const {
  switch (state) {
    case ScriptState::Ok: return 0;
    case ScriptState::Failed: return code;
    case ScriptState::Signaled: return -EINTR;
    case ScriptState::TimedOut: return -ETIMEDOUT;
    case ScriptState::Disabled: return -ENOEXEC;
    case ScriptState::Missing: return -(code != 0 ? code : ENOENT);
    case ScriptState::ExecFailed: return -(code != 0 ? code : ENOEXEC);
    case ScriptState::SpawnFailed: return -(code != 0 ? code : EAGAIN);
    case ScriptState::Cancelled: return -ECANCELED;
  }
  return -EINVAL;
}

bool ScriptResult::isFailure() const {
  switch (state) {
    case ScriptState::Ok:
    case ScriptState::Disabled:
    case ScriptState::Missing:
      return false;
    default:
      return true;
  }
}

const ScriptResult* EventResult::firstFailure() const {
  for (const auto& s : scripts) {
    if (s.isFailure()) return &s;
  }
  return nullptr;
}

int EventResult::status() const {
  const ScriptResult* f = firstFailure();
  return f ? f->status() : 0;
}

std::string EventResult::commandLine() const {
  std::string s = toString(event);
  for (const auto& a : args) s += " " + a;
  return s;
}

}  // namespace ctdb::event
