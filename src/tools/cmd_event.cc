/* Command handlers for the event scripts:
 *  - `scriptstatus [all|EVENT]` (CTDB 4.5 syntax and text, default event
 *    monitor) and `event status [TREE] [EVENT]` (4.17's ctdb-event
 *    layout): GET_EVENT_SCRIPT_STATUS (96), 4.5's ctdb_script_list
 *    (event/script_status.h);
 *  - `event script list [TREE]`, `event script enable|disable TREE
 *    SCRIPT`, `event run TIMEOUT TREE EVENT [ARGS]`: the project's event
 *    controls (event/event_control.h), answered by the daemon on the trees
 *    it runs.
 * TREE is events or ip_events (4.17's component); legacy, 4.17's only
 * component, means "the tree that runs EVENT" for status and run.
 * Texts and exit statuses are 4.17's ctdb-event ones; its error lines go to
 * stderr here (4.17 printed them on stdout). -X changes nothing (4.17's
 * ctdb event has no machine-readable form). --json: doc/json.md. */
#include <cerrno>
#include <cstring>
#include <ctime>

#include "event/event_control.h"
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

void jsonScripts(JsonWriter& w, const Entries& entries) {
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
}

void jsonEvent(JsonWriter& w, event::Event e, const Entries& entries,
               std::optional<event::ScriptTree> tree = std::nullopt) {
  w.beginObject().key("event").value(event::toString(e));
  if (tree) w.key("tree").value(event::treeName(*tree));
  w.key("ran").value(entries.has_value());
  jsonScripts(w, entries);
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

/* ---- ctdb event (4.17's ctdb-event commands on our two trees) ---- */

namespace {

constexpr const char* kEventUsage =
    "Usage: ctdb event <command> [<args>]\n"
    "\n"
    "Commands:\n"
    "  run <timeout> <tree> <event> <args>     Run an event\n"
    "  status <tree> <event>                   Get status of an event\n"
    "  script list <tree>                      List event scripts\n"
    "  script enable <tree> <script>           Enable an event script\n"
    "  script disable <tree> <script>          Disable an event script\n"
    "\n"
    "<tree> is events (events.d) or ip_events (ip_events.d).\n";

/* 4.17 prints the usage on stdout and exits 1. */
int eventUsage() {
  out(kEventUsage);
  return 1;
}

/* What a TREE word names: one tree, legacy (4.17's only component), or
 * nothing we have (then the 4.17 line has been printed, exit ENOENT). */
enum class TreeWord { Tree, Legacy, Unknown };

TreeWord parseTree(const std::string& word, event::ScriptTree* tree) {
  if (word == "legacy") return TreeWord::Legacy;
  if (auto t = event::treeFromName(word)) {
    *tree = *t;
    return TreeWord::Tree;
  }
  err("Event dir for " + word + " does not exist\n");
  return TreeWord::Unknown;
}

/* An event control's reply (any status), or a transport Error. */
Result<protocol::ReplyControl> eventControl(
    ToolContext& ctx, protocol::Opcode op, std::vector<uint8_t> data,
    std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  return ctx.client->control(ctx.cmd_pnn, op, std::move(data), 0, 0, timeout);
}

/* Prints the one line of a failed event control (the daemon's message, else
 * one naming the control) and returns the exit status: the errno status as
 * 4.17's ctdb-event returns it, else 1. */
int controlFailed(const protocol::ReplyControl& r, protocol::Opcode op) {
  if (r.errmsg && !r.errmsg->empty()) {
    err(*r.errmsg + "\n");
  } else {
    err(std::string("Control ") + protocol::opcodeName(op) + " failed, ret=" +
        std::to_string(r.status) +
        (r.status == -1 ? " (the daemon has no event scripts or does not know this control)" : "") +
        "\n");
  }
  if (r.status > 0 && r.status < 256) return r.status;
  return 1;
}

int32_t summaryOf(const Entries& entries) {
  if (!entries) return 0;
  for (const auto& s : *entries)
    if (s.status != 0 && s.status != -ENOEXEC && s.status != -ENOENT) return s.status;
  return 0;
}

/* 4.17's print_status_one(). */
std::string statusLines(const std::vector<event::ScriptStatusEntry>& entries) {
  std::string text;
  char line[256];
  char tbuf[64];
  for (const auto& s : entries) {
    time_t t = static_cast<time_t>(s.start_sec);
    const char* when = ctime_r(&t, tbuf) ? tbuf : "\n";
    double dur = seconds(s.finished_sec - s.start_sec, s.finished_usec - s.start_usec);
    if (s.status == -ETIMEDOUT) {
      std::snprintf(line, sizeof line, "%-20s %-10s %s", s.name.c_str(), "TIMEDOUT", when);
    } else if (s.status == -ENOEXEC) {
      std::snprintf(line, sizeof line, "%-20s %-10s\n", s.name.c_str(), "DISABLED");
    } else if (s.status < 0) {
      std::snprintf(line, sizeof line, "%-20s %-10s (%s)\n", s.name.c_str(), "CANNOT RUN",
                    std::strerror(-s.status));
    } else {
      std::snprintf(line, sizeof line, "%-20s %-10s %.3lf %s", s.name.c_str(),
                    s.status == 0 ? "OK" : "ERROR", dur, when);
    }
    text += line;
    if (s.status != 0 && s.status != -ENOEXEC) text += "  OUTPUT: " + s.output + "\n";
  }
  return text;
}

/* `event status [TREE] [EVENT]`: 4.17 takes exactly TREE EVENT; without
 * them it is legacy monitor, with one word TREE monitor or legacy EVENT
 * (the forms this tool had before). */
int eventStatus(ToolContext& ctx, const std::vector<std::string>& a) {
  if (a.size() > 2) return eventUsage();
  std::optional<event::ScriptTree> tree;
  std::string tree_word = "legacy";
  const bool is_tree_only =
      a.size() == 1 && (a[0] == "legacy" || event::treeFromName(a[0]).has_value());
  if (a.size() == 2 || is_tree_only) {
    event::ScriptTree t{};
    tree_word = a[0];
    switch (parseTree(a[0], &t)) {
      case TreeWord::Unknown: return ENOENT;
      case TreeWord::Tree: tree = t; break;
      case TreeWord::Legacy: break;
    }
  }
  auto e = parseEvent(a.empty() || is_tree_only ? "monitor" : a.back());
  if (!e) {
    err(e.error().context + "\n");
    return 1;
  }
  auto entries = fetch(ctx, *e);
  if (!entries) return fail(entries.error());
  // A tree never runs the other tree's events.
  if (tree && event::treeFor(*e) != *tree) *entries = std::nullopt;
  int32_t summary = summaryOf(*entries);
  int result = *entries ? (summary < 0 ? -summary : summary) : EINVAL;
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(ctx.cmd_pnn).key("events").beginArray();
    jsonEvent(w, *e, *entries, tree);
    w.endArray().endObject();
    out(w.str() + "\n");
    return result;
  }
  if (!*entries) {
    err(std::string("Event ") + event::toString(*e) + " has never run in " + tree_word + "\n");
    return result;
  }
  out(statusLines(**entries));
  return result;
}

/* `event run TIMEOUT TREE EVENT [ARGS...]`. */
int eventRun(ToolContext& ctx, const std::vector<std::string>& a) {
  if (a.size() < 3) return eventUsage();
  auto timeout = event::parseRunTimeout(a[0]);
  if (!timeout) {
    err(timeout.error().context + "\n");
    return EINVAL;
  }
  event::RunRequest req;
  req.timeout_s = *timeout;
  switch (parseTree(a[1], &req.tree)) {
    case TreeWord::Unknown: return ENOENT;
    case TreeWord::Tree: break;
    case TreeWord::Legacy: {
      auto e = event::eventFromString(a[2]);
      req.tree = e ? event::treeFor(*e) : event::ScriptTree::Events;
      break;
    }
  }
  req.words.assign(a.begin() + 2, a.end());
  // The answer comes when the event is done: its timeout, plus slack for
  // the events queued before it (the -T alarm still bounds the tool).
  auto r = eventControl(ctx, protocol::Opcode::EventRun, event::encodeRunRequest(req),
                        std::chrono::seconds(*timeout + 30));
  if (!r) return fail(r.error());
  if (r->status == -1 || (r->status != 0 && r->data.empty())) {
    return controlFailed(*r, protocol::Opcode::EventRun);
  }
  auto entries = event::decodeScriptStatusReply(r->data);
  if (!entries) return fail(entries.error());
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject()
        .key("pnn").value(ctx.cmd_pnn)
        .key("tree").value(event::treeName(req.tree))
        .key("event").value(a[2])
        .key("arguments").beginArray();
    for (size_t i = 3; i < a.size(); ++i) w.value(a[i]);
    w.endArray()
        .key("timeout").value(*timeout)
        .key("result").value(static_cast<int64_t>(r->status));
    jsonScripts(w, *entries);
    w.endObject();
    out(w.str() + "\n");
  }
  if (r->status != 0) return controlFailed(*r, protocol::Opcode::EventRun);
  return 0;
}

int eventScriptList(ToolContext& ctx, const std::vector<std::string>& a) {
  if (a.size() > 1) return eventUsage();
  std::vector<event::ScriptTree> trees;
  bool is_both = a.empty();
  if (!a.empty()) {
    event::ScriptTree t{};
    switch (parseTree(a[0], &t)) {
      case TreeWord::Unknown: return ENOENT;
      case TreeWord::Tree: trees.push_back(t); break;
      case TreeWord::Legacy: is_both = true; break;
    }
  }
  if (is_both) trees = {event::ScriptTree::Events, event::ScriptTree::IpEvents};
  std::vector<std::pair<event::ScriptTree, std::vector<event::ScriptEntry>>> lists;
  for (auto t : trees) {
    auto r = eventControl(ctx, protocol::Opcode::EventScriptList, event::encodeTreeRequest(t));
    if (!r) return fail(r.error());
    // Both trees: a tree this node does not have (no ip_events.d: built-in
    // IP actions) is left out; one tree asked for must exist.
    if (is_both && r->status == ENOENT) continue;
    if (r->status != 0) return controlFailed(*r, protocol::Opcode::EventScriptList);
    auto list = event::decodeScriptListReply(r->data);
    if (!list) return fail(list.error());
    lists.emplace_back(t, std::move(*list));
  }
  if (lists.empty()) {
    err("Event dir for events does not exist\n");
    return ENOENT;
  }
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject().key("pnn").value(ctx.cmd_pnn).key("trees").beginArray();
    for (const auto& [t, list] : lists) {
      w.beginObject().key("tree").value(event::treeName(t)).key("scripts").beginArray();
      for (const auto& s : list)
        w.beginObject().key("name").value(s.name).key("enabled").value(s.is_enabled).endObject();
      w.endArray().endObject();
    }
    w.endArray().endObject();
    out(w.str() + "\n");
    return 0;
  }
  std::string text;
  for (size_t i = 0; i < lists.size(); ++i) {
    if (i > 0) text += "\n";  // 4.17's blank line between its two lists
    for (const auto& s : lists[i].second) text += std::string(s.is_enabled ? "* " : "  ") + s.name + "\n";
  }
  out(text);
  return 0;
}

int eventScriptSet(ToolContext& ctx, const std::vector<std::string>& a, bool enable) {
  if (a.size() != 2) return eventUsage();
  event::ScriptRequest req;
  if (parseTree(a[0], &req.tree) != TreeWord::Tree) {
    if (a[0] == "legacy") err("Event dir for legacy does not exist\n");
    return ENOENT;
  }
  req.name = a[1];
  auto op = enable ? protocol::Opcode::EventScriptEnable : protocol::Opcode::EventScriptDisable;
  auto r = eventControl(ctx, op, event::encodeScriptRequest(req));
  if (!r) return fail(r.error());
  if (r->status != 0) return controlFailed(*r, op);
  if (ctx.mode.json) {
    JsonWriter w;
    w.beginObject()
        .key("pnn").value(ctx.cmd_pnn)
        .key("tree").value(event::treeName(req.tree))
        .key("script").value(req.name)
        .key("enabled").value(enable)
        .endObject();
    out(w.str() + "\n");
  }
  return 0;
}

}  // namespace

int cmdEvent(ToolContext& ctx, const std::vector<std::string>& args) {
  if (args.empty()) return eventUsage();
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "status") return eventStatus(ctx, rest);
  if (args[0] == "run") return eventRun(ctx, rest);
  if (args[0] == "script" && !rest.empty()) {
    std::vector<std::string> r2(rest.begin() + 1, rest.end());
    if (rest[0] == "list") return eventScriptList(ctx, r2);
    if (rest[0] == "enable") return eventScriptSet(ctx, r2, true);
    if (rest[0] == "disable") return eventScriptSet(ctx, r2, false);
  }
  return eventUsage();
}

}  // namespace ctdb::tools
