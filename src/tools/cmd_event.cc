/* Command handlers for script status: `scriptstatus [all|EVENT]` (CTDB 4.5
 * syntax and text, default event monitor) and `event status [legacy]
 * [EVENT]` (4.17's ctdb-event layout). Both ask the daemon with
 * GET_EVENT_SCRIPT_STATUS (96) and decode 4.5's ctdb_script_list
 * (event/script_status.h). --json: doc/json.md. */
#include <cerrno>
#include <cstring>
#include <ctime>

#include "event/script_status.h"
#include "tools/json.h"
#include "tools/tool_context.h"

namespace ctdb::tools {

namespace {

using Entries = std::optional<std::vector<event::ScriptStatusEntry>>;

int fail(const Error& e) {
  err(e.context + "\n");
  return errorExit(e);
}

Result<Entries> fetch(ToolContext& ctx, event::Event e) {
  auto r = ctx.client->control(ctx.cmd_pnn, protocol::Opcode::GetEventScriptStatus,
                               event::encodeScriptStatusRequest(e));
  if (!r) return r.error();
  if (r->status != 0) {
    return Error{std::make_error_code(std::errc::io_error),
                 std::string("Failed to get script status for ") + event::toString(e) + ": " +
                     r->errmsg.value_or("status " + std::to_string(r->status))};
  }
  return event::decodeScriptStatusReply(r->data);
}

const char* statusWord(int32_t s) {
  if (s == 0) return "OK";
  if (s == -ETIMEDOUT || s == -ETIME) return "TIMEDOUT";
  if (s == -ENOEXEC) return "DISABLED";
  if (s > 0) return "ERROR";
  return "CANNOT RUN";
}

double seconds(int64_t sec, int64_t usec) { return double(sec) + double(usec) / 1e6; }

void jsonEvent(JsonWriter& w, event::Event e, const Entries& entries) {
  w.beginObject().key("event").value(event::toString(e)).key("ran").value(entries.has_value());
  w.key("scripts");
  if (!entries) {
    w.null();
  } else {
    w.beginArray();
    for (const auto& s : *entries) {
      w.beginObject()
          .key("name").value(s.name)
          .key("status").value(statusWord(s.status))
          .key("code").value(static_cast<int64_t>(s.status))
          .key("start").value(seconds(s.start_sec, s.start_usec))
          .key("end").value(seconds(s.finished_sec, s.finished_usec))
          .key("duration").value(seconds(s.finished_sec - s.start_sec,
                                         s.finished_usec - s.start_usec))
          .key("output").value(s.output)
          .endObject();
    }
    w.endArray();
  }
  w.endObject();
}

Result<event::Event> parseEvent(const std::string& name) {
  auto e = event::eventFromString(name);
  if (!e) {
    return Error{std::make_error_code(std::errc::invalid_argument), "Unknown event name " + name};
  }
  return e;
}

}  // namespace

int cmdScriptstatus(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.size() > 1) usageExit("scriptstatus");
  std::vector<event::Event> events;
  if (!args.empty() && args[0] == "all") {
    events = event::scriptStatusEvents();
  } else {
    auto e = parseEvent(args.empty() ? "monitor" : args[0]);
    if (!e) {
      out(e.error().context + "\n");
      usageExit("scriptstatus");
    }
    events.push_back(*e);
  }
  std::string text;
  JsonWriter w;
  if (ctx.mode.json) {
    w.beginObject().key("pnn").value(ctx.cmd_pnn).key("events").beginArray();
  } else if (ctx.mode.machine) {
    text += event::scriptStatusHeader(ctx.mode.sep);
  }
  for (size_t i = 0; i < events.size(); ++i) {
    auto entries = fetch(ctx, events[i]);
    if (!entries) return fail(entries.error());
    if (ctx.mode.json) {
      jsonEvent(w, events[i], *entries);
      continue;
    }
    if (!ctx.mode.machine && i > 0) text += "\n";
    text += event::formatScriptStatus(event::toString(events[i]), *entries, ctx.mode.machine,
                                      ctx.mode.sep);
  }
  if (ctx.mode.json) {
    w.endArray().endObject();
    out(w.str() + "\n");
  } else {
    out(text);
  }
  return 0;
}

/* `event status [legacy] [EVENT]`: 4.17's per-script lines; exit status is
 * the event's result (0 OK, else 1), as 4.17's ctdb-event returns it. */
int cmdEvent(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args[0] != "status") usageExit("event");
  size_t i = 1;
  if (i < args.size() && args[i] == "legacy") ++i;  // 4.17's component
  if (args.size() > i + 1) usageExit("event");
  auto e = parseEvent(i < args.size() ? args[i] : "monitor");
  if (!e) {
    err(e.error().context + "\n");
    return 1;
  }
  auto entries = fetch(ctx, *e);
  if (!entries) return fail(entries.error());
  int result = 0;
  if (*entries) {
    for (const auto& s : **entries)
      if (s.status != 0 && s.status != -ENOEXEC) result = 1;
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(ctx.cmd_pnn).key("events").beginArray();
    jsonEvent(w, *e, *entries);
    w.endArray().endObject();
    out(w.str() + "\n");
    return result;
  }
  if (!*entries) {
    out(std::string("Event ") + event::toString(*e) + " has never run\n");
    return 0;
  }
  std::string text;
  char line[256];
  for (const auto& s : **entries) {
    const char* word = statusWord(s.status);
    if (s.status == -ENOEXEC) {
      std::snprintf(line, sizeof line, "%-20s %-10s\n", s.name.c_str(), word);
      text += line;
      continue;
    }
    if (s.status < 0 && s.status != -ETIMEDOUT && s.status != -ETIME) {
      std::snprintf(line, sizeof line, "%-20s %-10s (%s)\n", s.name.c_str(), word,
                    std::strerror(-s.status));
      text += line;
    } else {
      time_t t = static_cast<time_t>(s.start_sec);
      char tbuf[64];
      std::snprintf(line, sizeof line, "%-20s %-10s %.3fs %s", s.name.c_str(), word,
                    seconds(s.finished_sec - s.start_sec, s.finished_usec - s.start_usec),
                    ctime_r(&t, tbuf));
      text += line;
    }
    if (s.status != 0) text += "  OUTPUT: " + s.output + "\n";
  }
  out(text);
  return result;
}

}  // namespace ctdb::tools
