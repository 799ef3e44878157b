#include "event/event_control.h"

#include <sys/stat.h>

#include <cerrno>

#include "event/script_status.h"
#include "protocol/wire.h"

namespace ctdb::event {

namespace {

Result<ScriptTree> treeFromWire(uint32_t v, const char* type) {
  if (v == 0) return ScriptTree::Events;
  if (v == 1) return ScriptTree::IpEvents;
  return errnoError(EINVAL, std::string(type) + ": unknown script tree " + std::to_string(v));
}

uint32_t treeToWire(ScriptTree t) { return t == ScriptTree::IpEvents ? 1 : 0; }

Error invalid(const Error& e) { return errnoError(EINVAL, e.context); }

/* One NUL-terminated word at the reader's position. */
std::optional<std::string> takeWord(protocol::wire::Reader& r, std::span<const uint8_t> all,
                                    size_t& off, const char* field) {
  for (size_t i = off; i < all.size(); ++i) {
    if (all[i] != 0) continue;
    std::string w(reinterpret_cast<const char*>(all.data() + off), i - off);
    r.skip(i + 1 - off, field);
    off = i + 1;
    return w;
  }
  r.fail(std::string(field) + ": missing NUL terminator");
  return std::nullopt;
}

bool isDir(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string inTree(const std::string& event, ScriptTree t) {
  return "Event " + event + " in " + treeName(t);
}

}  // namespace

Result<uint32_t> parseRunTimeout(std::string_view word) {
  uint64_t v = 0;
  bool ok = !word.empty() && word.size() <= 10;
  for (char c : word) {
    if (c < '0' || c > '9') ok = false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v == 0 || v > kMaxRunTimeoutSeconds) {
    return errnoError(EINVAL, "Invalid timeout " + std::string(word) + ": the timeout is 1 to " +
                                  std::to_string(kMaxRunTimeoutSeconds) + " seconds");
  }
  return static_cast<uint32_t>(v);
}

std::vector<uint8_t> encodeTreeRequest(ScriptTree t) {
  protocol::wire::Writer w;
  w.u32(treeToWire(t));
  return w.take();
}

Result<ScriptTree> decodeTreeRequest(std::span<const uint8_t> data) {
  protocol::wire::Reader r(data, "EVENT_SCRIPT_LIST request");
  uint32_t v = r.u32("tree");
  if (!r.ok()) return invalid(r.error());
  return treeFromWire(v, "EVENT_SCRIPT_LIST request");
}

std::vector<uint8_t> encodeScriptListReply(const std::vector<ScriptEntry>& list) {
  protocol::wire::Writer w;
  w.u32(static_cast<uint32_t>(list.size()));
  for (const auto& s : list) {
    w.u32(s.is_enabled ? 1 : 0);
    w.u32(static_cast<uint32_t>(s.name.size()));
    w.raw(s.name.data(), s.name.size());
  }
  return w.take();
}

Result<std::vector<ScriptEntry>> decodeScriptListReply(std::span<const uint8_t> data) {
  protocol::wire::Reader r(data, "EVENT_SCRIPT_LIST reply");
  uint32_t n = r.u32("count");
  std::vector<ScriptEntry> out;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    r.setItem("script " + std::to_string(i + 1) + " of " + std::to_string(n));
    ScriptEntry e;
    e.is_enabled = r.u32("enabled") != 0;
    uint32_t len = r.u32("len");
    auto bytes = r.take(len, "name");
    e.name.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (r.ok()) out.push_back(std::move(e));
  }
  if (!r.ok()) return invalid(r.error());
  return out;
}

std::vector<uint8_t> encodeScriptRequest(const ScriptRequest& req) {
  protocol::wire::Writer w;
  w.u32(treeToWire(req.tree));
  w.raw(req.name.data(), req.name.size());
  w.u8(0);
  return w.take();
}

Result<ScriptRequest> decodeScriptRequest(std::span<const uint8_t> data) {
  const char* type = "EVENT_SCRIPT_ENABLE/DISABLE request";
  protocol::wire::Reader r(data, type);
  uint32_t t = r.u32("tree");
  size_t off = 4;
  auto name = takeWord(r, data, off, "script");
  if (!r.ok()) return invalid(r.error());
  auto tree = treeFromWire(t, type);
  if (!tree) return tree.error();
  return ScriptRequest{*tree, *name};
}

std::vector<uint8_t> encodeRunRequest(const RunRequest& req) {
  protocol::wire::Writer w;
  w.u32(treeToWire(req.tree));
  w.u32(req.timeout_s);
  w.u32(static_cast<uint32_t>(req.words.size()));
  for (const auto& s : req.words) {
    w.raw(s.data(), s.size());
    w.u8(0);
  }
  return w.take();
}

Result<RunRequest> decodeRunRequest(std::span<const uint8_t> data) {
  const char* type = "EVENT_RUN request";
  protocol::wire::Reader r(data, type);
  RunRequest req;
  uint32_t t = r.u32("tree");
  req.timeout_s = r.u32("timeout");
  uint32_t n = r.u32("count");
  size_t off = 12;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    auto w = takeWord(r, data, off, "word");
    if (w) req.words.push_back(std::move(*w));
  }
  if (!r.ok()) return invalid(r.error());
  if (off != data.size()) return errnoError(EINVAL, std::string(type) + ": trailing bytes");
  auto tree = treeFromWire(t, type);
  if (!tree) return tree.error();
  req.tree = *tree;
  return req;
}

ControlAnswer answerFromError(const Error& e) {
  int v = e.errnoValue();
  return ControlAnswer{v == 0 ? EINVAL : v, {}, e.context};
}

ControlAnswer answerScriptList(const TreeDirs& dirs, std::span<const uint8_t> request) {
  auto tree = decodeTreeRequest(request);
  if (!tree) return answerFromError(tree.error());
  auto list = listScripts(dirs.of(*tree), *tree);
  if (!list) return answerFromError(list.error());
  return ControlAnswer{0, encodeScriptListReply(*list), {}};
}

ControlAnswer answerScriptSetEnabled(const TreeDirs& dirs, std::span<const uint8_t> request,
                                     bool enable) {
  auto req = decodeScriptRequest(request);
  if (!req) return answerFromError(req.error());
  if (auto st = setScriptEnabled(dirs.of(req->tree), req->tree, req->name, enable); !st) {
    return answerFromError(st.error());
  }
  return {};
}

Result<RunPlan> planRun(const TreeDirs& dirs, std::span<const uint8_t> request) {
  auto req = decodeRunRequest(request);
  if (!req) return req.error();
  if (req->words.empty()) return errnoError(EINVAL, "EVENT_RUN request: no event name");
  const std::string& name = req->words[0];
  if (auto t = parseRunTimeout(std::to_string(req->timeout_s)); !t) return t.error();
  if (!isDir(dirs.of(req->tree))) {
    return errnoError(ENOENT, std::string("Event dir for ") + treeName(req->tree) +
                                  " does not exist");
  }
  auto e = eventFromString(name);
  if (!e) return errnoError(EINVAL, "Unknown event name " + name);
  if (treeFor(*e) != req->tree) {
    return errnoError(EINVAL, "Event " + name + " runs in " + treeName(treeFor(*e)) +
                                  ", not in " + treeName(req->tree));
  }
  RunPlan plan;
  plan.event = *e;
  plan.args.assign(req->words.begin() + 1, req->words.end());
  plan.timeout_s = req->timeout_s;
  plan.tree = req->tree;
  if (plan.args.size() != argCountFor(*e)) {
    return errnoError(EINVAL, "Event " + name + " takes " + std::to_string(argCountFor(*e)) +
                                  " arguments, got " + std::to_string(plan.args.size()));
  }
  return plan;
}

ControlAnswer runAnswer(const RunPlan& plan, const Result<EventResult>& result) {
  const std::string what = inTree(toString(plan.event), plan.tree);
  if (!result) {
    int v = result.error().errnoValue();
    if (v == ECANCELED) return ControlAnswer{ECANCELED, {}, what + " got cancelled"};
    if (v == 0) v = EIO;
    return ControlAnswer{v, {},
                         std::string("Failed to run event ") + toString(plan.event) + " in " +
                             treeName(plan.tree) + ", result=" + std::to_string(v) + ": " +
                             result.error().context};
  }
  ControlAnswer a{0, encodeScriptStatusReply(&*result), {}};
  if (const ScriptResult* f = result->firstFailure()) {
    if (f->state == ScriptState::TimedOut) {
      a.status = ETIMEDOUT;
      a.message = what + " timed out";
    } else {
      a.status = ENOEXEC;
      a.message = what + " failed";
    }
  }
  return a;
}

}  // namespace ctdb::event
