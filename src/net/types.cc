#include "net/types.h"

#include <net/if.h>

namespace ctdb::net {

const char* toString(AddressChange c) {
  switch (c) {
    case AddressChange::Added: return "added";
    case AddressChange::Updated: return "updated";
    case AddressChange::Removed: return "removed";
  }
  return "unknown";
}

Result<AddressChange> addressChangeFromString(std::string_view text) {
  if (text == "added") return AddressChange::Added;
  if (text == "updated") return AddressChange::Updated;
  if (text == "removed") return AddressChange::Removed;
  return makeError("unknown address change '" + std::string(text) + "'");
}

Status validateIfaceName(std::string_view name) {
  const std::string quoted = "interface name '" + std::string(name) + "'";
  if (name.empty()) return makeError("empty interface name");
  if (name.size() >= IFNAMSIZ) {
    return makeError(quoted + " is longer than " + std::to_string(IFNAMSIZ - 1) + " bytes");
  }
  if (name == "." || name == "..") return makeError(quoted + " is not allowed");
  for (char ch : name) {
    if (ch == '/' || ch == ' ' || ch == '\t' || ch == '\n' || ch == ':' ||
        static_cast<unsigned char>(ch) < 0x20) {
      return makeError(quoted + " contains a forbidden character");
    }
  }
  return {};
}

}  // namespace ctdb::net
