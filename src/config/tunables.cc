#include "config/tunables.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "config/text_lines.h"
#include "util/logging.h"

namespace ctdb::config {

using detail::where;

namespace {

/* Listed tunables in 4.17 LIST_TUNABLES order, then the unlisted ones in
   slot order. Names, defaults and slots are facts of CTDB 4.17.12. */
constexpr TunableDef kDefs[] = {
    {"SeqnumInterval", 1000, 1, true, false},
    {"ControlTimeout", 60, 2, true, false},
    {"TraverseTimeout", 20, 3, true, false},
    {"KeepaliveInterval", 5, 4, true, false},
    {"KeepaliveLimit", 5, 5, true, false},
    {"RecoverTimeout", 30, 6, true, false},
    {"RecoverInterval", 1, 7, true, false},
    {"ElectionTimeout", 3, 8, true, false},
    {"TakeoverTimeout", 9, 9, true, false},
    {"MonitorInterval", 15, 10, true, false},
    {"TickleUpdateInterval", 20, 11, true, false},
    {"EventScriptTimeout", 30, 12, true, false},
    {"MonitorTimeoutCount", 20, 13, true, false},
    {"RecoveryGracePeriod", 120, 15, true, false},
    {"RecoveryBanPeriod", 300, 16, true, false},
    {"DatabaseHashSize", 100001, 17, true, false},
    {"DatabaseMaxDead", 5, 18, true, false},
    {"RerecoveryTimeout", 10, 19, true, false},
    {"EnableBans", 1, 20, true, false},
    {"NoIPFailback", 0, 23, true, false},
    {"VerboseMemoryNames", 0, 25, true, false},
    {"RecdPingTimeout", 60, 26, true, false},
    {"RecdFailCount", 10, 27, true, false},
    {"LogLatencyMs", 0, 28, true, false},
    {"RecLockLatencyMs", 1000, 29, true, false},
    {"RecoveryDropAllIPs", 120, 30, true, false},
    {"VacuumInterval", 10, 32, true, false},
    {"VacuumMaxRunTime", 120, 33, true, false},
    {"RepackLimit", 10000, 34, true, false},
    {"VacuumFastPathCount", 60, 40, true, false},
    {"MaxQueueDropMsg", 1000000, 36, true, false},
    {"AllowUnhealthyDBRead", 0, 37, true, false},
    {"StatHistoryInterval", 1, 38, true, false},
    {"DeferredAttachTO", 120, 39, true, false},
    {"AllowClientDBAttach", 1, 42, true, false},
    {"FetchCollapse", 1, 45, true, false},
    {"HopcountMakeSticky", 50, 46, true, false},
    {"StickyDuration", 600, 47, true, false},
    {"StickyPindown", 200, 48, true, false},
    {"NoIPTakeover", 0, 49, true, false},
    {"DBRecordCountWarn", 100000, 50, true, false},
    {"DBRecordSizeWarn", 10000000, 51, true, false},
    {"DBSizeWarn", 100000000, 52, true, false},
    {"PullDBPreallocation", 10485760, 53, true, false},
    {"LockProcessesPerDB", 200, 57, true, false},
    {"RecBufferSizeLimit", 1000000, 58, true, false},
    {"QueueBufferSize", 1024, 59, true, false},
    {"IPAllocAlgorithm", 2, 60, true, false},
    {"AllowMixedVersions", 0, 61, true, false},
    // Obsolete in 4.17 and not listed.
    {"MaxRedirectCount", 3, 0, false, true},
    {"EventScriptUnhealthyOnTimeout", 0, 14, false, true},
    {"DeterministicIPs", 0, 21, false, false},  // 4.5 IP tunable, kept internal
    {"ReclockPingPeriod", 60, 22, false, true},
    {"DisableIPFailover", 0, 24, false, false},  // 4.5 IP tunable, kept internal
    {"VerifyRecoveryLock", 1, 31, false, true},
    {"VacuumLimit", 5000, 35, false, true},
    {"LCP2PublicIPs", 1, 41, false, false},  // 4.5 IP tunable, kept internal
    {"RecoverPDBBySeqNum", 1, 43, false, true},
    {"DeferredRebalanceOnNodeAdd", 300, 44, false, true},
    {"NoIPHostOnAllDisabled", 1, 54, false, false},  // 4.5 IP tunable, kept internal
    {"Samba3AvoidDeadlocks", 0, 55, false, true},
    {"TDBMutexEnabled", 1, 56, false, true},
    // This project's own (doc/cluster.md "Quorum and fencing").
    {"FenceTimeout", 15, 62, false, false},
    {"FenceMargin", 5, 63, false, false},
};
static_assert(std::size(kDefs) == kTunableListSlots + kOwnTunables);

bool equalsNoCase(std::string_view a, const char* b) {
  size_t n = std::char_traits<char>::length(b);
  return a.size() == n && strncasecmp(a.data(), b, n) == 0;
}

/* strtoul(base 0) semantics on the whole string, no sign, fits in u32. */
std::optional<uint32_t> parseValue(std::string_view s) {
  if (s.empty()) return std::nullopt;
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > std::numeric_limits<uint32_t>::max()) return std::nullopt;
  }
  return static_cast<uint32_t>(v);
}

}  // namespace

const char* toString(Tunables::SetResult r) {
  switch (r) {
    case Tunables::SetResult::Ok: return "Ok";
    case Tunables::SetResult::Unknown: return "Unknown";
    case Tunables::SetResult::Obsolete: return "Obsolete";
    case Tunables::SetResult::Invalid: return "Invalid";
  }
  return "?";
}

Tunables::Tunables() {
  for (const auto& d : kDefs) values_[static_cast<size_t>(d.slot)] = d.default_value;
}

std::span<const TunableDef> Tunables::definitions() { return kDefs; }

const TunableDef* Tunables::find(std::string_view name) {
  for (const auto& d : kDefs)
    if (equalsNoCase(name, d.name)) return &d;
  return nullptr;
}

std::vector<std::string> Tunables::listNames() const {
  std::vector<std::string> out;
  out.reserve(kListedTunables);
  for (const auto& d : kDefs)
    if (d.is_listed) out.emplace_back(d.name);
  return out;
}

std::optional<uint32_t> Tunables::get(std::string_view name) const {
  const TunableDef* d = find(name);
  if (!d) return std::nullopt;
  return values_[static_cast<size_t>(d->slot)];
}

Tunables::SetResult Tunables::set(std::string_view name, uint32_t new_value) {
  const TunableDef* d = find(name);
  if (!d) return SetResult::Unknown;
  values_[static_cast<size_t>(d->slot)] = new_value;
  if (d->is_obsolete) return SetResult::Obsolete;
  if (d->slot == kLcp2PublicIps || d->slot == kDeterministicIps) {
    // CTDB 4.5's choice: LCP2 wins, then deterministic, else non-deterministic.
    uint32_t algo = value(kLcp2PublicIps) == 1 ? 2 : value(kDeterministicIps) == 1 ? 0 : 1;
    values_[kIpAllocAlgorithm] = algo;
  }
  return SetResult::Ok;
}

std::array<uint32_t, kTunableListSlots> Tunables::toTunableList() const {
  std::array<uint32_t, kTunableListSlots> list{};
  std::copy_n(values_.begin(), kTunableListSlots, list.begin());
  return list;
}

Tunables Tunables::fromTunableList(std::span<const uint32_t> list) {
  Tunables t;
  std::copy_n(list.begin(), std::min(list.size(), kTunableListSlots), t.values_.begin());
  return t;
}

Status Tunables::parse(std::string_view text, std::string_view filename) {
  Tunables next = *this;
  std::optional<Error> failure;

  detail::forEachLine(text, [&](int line_no, std::string_view raw) {
    std::string_view line = detail::trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') return true;
    auto fail = [&](const std::string& what) {
      failure = makeError(where(filename, line_no) + what);
      return false;
    };
    if (line.front() == '[') return fail("sections are not supported: '" + std::string(line) + "'");
    size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail("missing '=' in '" + std::string(line) + "' (expected Name=Value)");
    std::string_view name = detail::trim(line.substr(0, eq));
    std::string_view val = detail::trim(line.substr(eq + 1));
    if (name.empty()) return fail("missing tunable name in '" + std::string(line) + "'");
    const TunableDef* d = find(name);
    if (!d) return fail("unknown tunable '" + std::string(name) + "'");
    if (d->is_obsolete) return fail("obsolete tunable '" + std::string(name) + "'");
    if (val.empty()) return fail("missing value for tunable '" + std::string(name) + "'");
    auto v = parseValue(val);
    if (!v) return fail("invalid value '" + std::string(val) + "' for tunable '" + std::string(name) + "'");
    next.set(d->name, *v);
    return true;
  });

  if (failure) return *failure;
  *this = next;
  return {};
}

Status Tunables::loadFile(const std::string& path) {
  auto text = detail::readFile(path);
  if (!text) return text.error();
  D_NOTICE("tunables: loading %s", path.c_str());
  return parse(*text, path);
}

}  // namespace ctdb::config
