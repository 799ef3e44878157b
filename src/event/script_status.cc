#include "event/script_status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace ctdb::event {

namespace {

template <class T>
void put(std::vector<uint8_t>& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}
template <class T>
T get(std::span<const uint8_t> b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}
std::string cstr(std::span<const uint8_t> b, size_t off, size_t max) {
  size_t n = 0;
  while (n < max && b[off + n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(b.data() + off), n);
}

// Record offsets.
constexpr size_t kName = 0, kStart = 32, kFinished = 48, kStatus = 64, kOutput = 68;

}  // namespace

std::vector<uint8_t> encodeScriptStatusRequest(Event e) {
  std::vector<uint8_t> b(4);
  put<uint32_t>(b, 0, static_cast<uint32_t>(e));
  return b;
}

Result<Event> decodeScriptStatusRequest(std::span<const uint8_t> data) {
  if (data.size() != 4) return errnoError(EINVAL, "script status request: need 4 bytes");
  uint32_t v = get<uint32_t>(data, 0);
  if (v >= kEventCount) return errnoError(EINVAL, "script status request: bad event number");
  return static_cast<Event>(v);
}

std::vector<ScriptStatusEntry> toEntries(const EventResult& r) {
  std::vector<ScriptStatusEntry> out;
  for (const auto& s : r.scripts) {
    ScriptStatusEntry e;
    e.name = s.name.substr(0, kScriptNameMax);
    auto us = [](auto tp) {
      return std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch()).count();
    };
    e.start_sec = us(s.start) / 1000000;
    e.start_usec = us(s.start) % 1000000;
    e.finished_sec = us(s.end) / 1000000;
    e.finished_usec = us(s.end) % 1000000;
    e.status = s.status();
    e.output = s.output.size() > kScriptOutputMax
                   ? s.output.substr(s.output.size() - kScriptOutputMax)
                   : s.output;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<uint8_t> encodeScriptStatusReply(const EventResult* last) {
  if (last == nullptr) return {};
  auto entries = toEntries(*last);
  std::vector<uint8_t> b(8 + entries.size() * kScriptRecordSize, 0);
  put<uint32_t>(b, 0, static_cast<uint32_t>(entries.size()));
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t o = 8 + i * kScriptRecordSize;
    const auto& e = entries[i];
    std::memcpy(b.data() + o + kName, e.name.data(), std::min(e.name.size(), kScriptNameMax));
    put<int64_t>(b, o + kStart, e.start_sec);
    put<int64_t>(b, o + kStart + 8, e.start_usec);
    put<int64_t>(b, o + kFinished, e.finished_sec);
    put<int64_t>(b, o + kFinished + 8, e.finished_usec);
    put<int32_t>(b, o + kStatus, e.status);
    std::memcpy(b.data() + o + kOutput, e.output.data(),
                std::min(e.output.size(), kScriptOutputMax));
  }
  return b;
}

Result<std::optional<std::vector<ScriptStatusEntry>>> decodeScriptStatusReply(
    std::span<const uint8_t> data) {
  if (data.empty()) return std::optional<std::vector<ScriptStatusEntry>>{};
  if (data.size() < 8) return errnoError(EINVAL, "script status reply: short header");
  uint32_t n = get<uint32_t>(data, 0);
  if (data.size() != 8 + size_t(n) * kScriptRecordSize) {
    return errnoError(EINVAL, "script status reply: " + std::to_string(n) + " scripts need " +
                                  std::to_string(8 + size_t(n) * kScriptRecordSize) +
                                  " bytes, have " + std::to_string(data.size()));
  }
  std::vector<ScriptStatusEntry> out;
  for (uint32_t i = 0; i < n; ++i) {
    size_t o = 8 + size_t(i) * kScriptRecordSize;
    ScriptStatusEntry e;
    e.name = cstr(data, o + kName, kScriptNameMax + 1);
    e.start_sec = get<int64_t>(data, o + kStart);
    e.start_usec = get<int64_t>(data, o + kStart + 8);
    e.finished_sec = get<int64_t>(data, o + kFinished);
    e.finished_usec = get<int64_t>(data, o + kFinished + 8);
    e.status = get<int32_t>(data, o + kStatus);
    e.output = cstr(data, o + kOutput, kScriptOutputMax + 1);
    out.push_back(std::move(e));
  }
  return std::optional<std::vector<ScriptStatusEntry>>(std::move(out));
}

const std::vector<Event>& scriptStatusEvents() {
  static const std::vector<Event> all = {Event::Init,     Event::Setup,     Event::Startup,
                                         Event::Monitor,  Event::TakeIp,    Event::ReleaseIp,
                                         Event::UpdateIp, Event::IpReallocated};
  return all;
}

std::string scriptStatusHeader(const std::string& sep) {
  return sep + "Type" + sep + "Name" + sep + "Code" + sep + "Status" + sep + "Start" + sep +
         "End" + sep + "Error Output" + sep + "\n";
}

std::string formatScriptStatus(const std::string& event_name,
                               const std::optional<std::vector<ScriptStatusEntry>>& entries,
                               bool machine_readable, const std::string& sep) {
  std::string out;
  char line[1024];
  if (!entries) return machine_readable ? "" : event_name + " cycle never run\n";
  int num_run = 0;
  for (const auto& e : *entries) num_run += e.status != -ENOEXEC;
  if (!machine_readable) {
    out += std::to_string(num_run) + " scripts were executed last " + event_name + " cycle\n";
  }
  for (const auto& e : *entries) {
    const char* status = nullptr;
    if (e.status == -ETIMEDOUT || e.status == -ETIME) status = "TIMEDOUT";
    else if (e.status == -ENOEXEC) status = "DISABLED";
    else if (e.status == 0) status = "OK";
    else if (e.status > 0) status = "ERROR";
    if (machine_readable) {
      snprintf(line, sizeof line, "%s%s%s%s%s%d%s%s%s%lld.%06lld%s%lld.%06lld%s", sep.c_str(),
               event_name.c_str(), sep.c_str(), e.name.c_str(), sep.c_str(), e.status,
               sep.c_str(), status ? status : "", sep.c_str(), (long long)e.start_sec,
               (long long)e.start_usec, sep.c_str(), (long long)e.finished_sec,
               (long long)e.finished_usec, sep.c_str());
      out += line + e.output + sep + "\n";
      continue;
    }
    if (status) {
      snprintf(line, sizeof line, "%-20s Status:%s    ", e.name.c_str(), status);
    } else {
      snprintf(line, sizeof line, "%-20s Status:CANNOT RUN (%s)", e.name.c_str(),
               strerror(-e.status));
    }
    out += line;
    if (e.status >= 0) {
      double d = double(e.finished_sec - e.start_sec) +
                 double(e.finished_usec - e.start_usec) / 1e6;
      snprintf(line, sizeof line, "Duration:%.3lf ", d);
      out += line;
    }
    if (e.status != -ENOEXEC) {
      time_t t = static_cast<time_t>(e.start_sec);
      char tbuf[64];
      out += ctime_r(&t, tbuf);  // ends in '\n'
      if (e.status != 0) out += "   OUTPUT:" + e.output + "\n";
    } else {
      out += "\n";
    }
  }
  return out;
}

}  // namespace ctdb::event
