/*
 * Runs a test body inside a private network namespace so nothing on the host
 * changes: the test forks, the child unshare(CLONE_NEWNET)s, brings up lo,
 * creates a veth pair pub0 <-> pub0p (both up; this kernel may lack the
 * dummy driver), runs the body and exits with 1 if any gtest assertion
 * failed. The namespace and everything in it vanish when the child exits.
 * The child is killed by SIGALRM after kChildTimeout (bounded). IPv4 test
 * addresses come from 198.18.0.0/15, IPv6 from fd00::/8 (ULA) only.
 */
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "net/link_watcher.h"

namespace ctdb::net::test {

inline constexpr const char* kIface = "pub0";
inline constexpr const char* kPeer = "pub0p";

/* Call from a TEST body; skips visibly when not root or when namespaces are
 * unavailable. */
void runInNetns(const std::function<void()>& body);

/* In the namespace: creates veth NAME <-> PEER, both admin up. */
void createVethPair(const std::string& name, const std::string& peer);
void deleteLink(const std::string& name);

/* Polls the watcher's fd and calls process() until pred() holds or timeout.
 * Returns pred(). */
bool processUntil(LinkWatcher& w, const std::function<bool()>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(3));

/* poll() for readability, bounded. */
bool waitReadable(int fd, std::chrono::milliseconds timeout);

}  // namespace ctdb::net::test
