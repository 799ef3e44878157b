/*
 * Test helpers: a blocking raw-protocol client for the control socket and a
 * scratch directory. Every read has a deadline so a broken daemon fails a
 * test instead of hanging it.
 */
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "protocol/packet.h"

namespace ctdb::server::testing {

class ScratchDir {
 public:
  ScratchDir() {
    char tmpl[] = "/tmp/ctdb-server-test.XXXXXX";
    const char* p = mkdtemp(tmpl);
    path_ = p ? p : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class RawClient {
 public:
  /* Connects; invalid() afterwards if it failed. */
  explicit RawClient(const std::string& socket_path) {
    fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
    if (connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) fd_.reset();
  }
  bool valid() const { return fd_.valid(); }
  int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

  bool sendBytes(const std::vector<uint8_t>& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = ::send(fd_.get(), b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  uint32_t sendControl(protocol::Opcode op, std::vector<uint8_t> data = {}, uint64_t srvid = 0,
                       uint32_t flags = 0, uint32_t destnode = protocol::kCurrentNode) {
    protocol::ReqControl c;
    c.hdr.destnode = destnode;
    c.hdr.srcnode = protocol::kUnknownPnn;
    c.hdr.reqid = next_reqid_++;
    c.opcode = static_cast<uint32_t>(op);
    c.srvid = srvid;
    c.flags = flags;
    c.data = std::move(data);
    sendBytes(protocol::encodePacket(c));
    return c.hdr.reqid;
  }

  void sendMessage(uint32_t destnode, uint64_t srvid, std::vector<uint8_t> data) {
    protocol::ReqMessage m;
    m.hdr.destnode = destnode;
    m.hdr.srcnode = 0;
    m.hdr.reqid = next_reqid_++;
    m.srvid = srvid;
    m.data = std::move(data);
    sendBytes(protocol::encodePacket(m));
  }

  /* Next whole packet, or nullopt on EOF/error/timeout. */
  std::optional<std::vector<uint8_t>> readPacket(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto p = framer_.next();
      if (!p) return std::nullopt;
      if (p->has_value()) return std::move(**p);
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) return std::nullopt;
      pollfd pfd{fd_.get(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left)) <= 0) return std::nullopt;
      uint8_t buf[65536];
      ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
      if (n <= 0) {
        saw_eof_ = true;
        return std::nullopt;
      }
      framer_.append(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    }
  }

  /* Reads until the reply to reqid (messages in between are kept). */
  std::optional<protocol::ReplyControl> readReply(uint32_t reqid) {
    for (int i = 0; i < 100; ++i) {
      auto p = readPacket();
      if (!p) return std::nullopt;
      auto h = protocol::decodeHeader(*p);
      if (!h) return std::nullopt;
      if (h->operation == static_cast<uint32_t>(protocol::Operation::ReplyControl)) {
        auto r = protocol::decodeReplyControl(*p);
        if (r && r->hdr.reqid == reqid) return std::move(*r);
      } else if (h->operation == static_cast<uint32_t>(protocol::Operation::ReqMessage)) {
        auto m = protocol::decodeReqMessage(*p);
        if (m) messages.push_back(std::move(*m));
      }
    }
    return std::nullopt;
  }

  std::optional<protocol::ReplyControl> call(protocol::Opcode op, std::vector<uint8_t> data = {},
                                             uint64_t srvid = 0) {
    return readReply(sendControl(op, std::move(data), srvid));
  }

  /* Next message with srvid (from the kept ones first). */
  std::optional<protocol::ReqMessage> readMessage(
      uint64_t srvid, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    for (auto it = messages.begin(); it != messages.end(); ++it) {
      if (it->srvid == srvid) {
        auto m = std::move(*it);
        messages.erase(it);
        return m;
      }
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto p = readPacket(left);
      if (!p) return std::nullopt;
      auto m = protocol::decodeReqMessage(*p);
      if (!m) continue;
      if (m->srvid == srvid) return std::move(*m);
      messages.push_back(std::move(*m));
    }
    return std::nullopt;
  }

  /* True if the daemon closed the connection within timeout. */
  bool waitForEof(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!saw_eof_ && std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd_.get(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) break;
      uint8_t buf[4096];
      ssize_t n = ::read(fd_.get(), buf, sizeof(buf));
      if (n <= 0) saw_eof_ = true;
    }
    return saw_eof_;
  }

  std::vector<protocol::ReqMessage> messages;

 private:
  UniqueFd fd_;
  protocol::PacketFramer framer_;
  uint32_t next_reqid_ = 2147483448u;
  bool saw_eof_ = false;
};

}  // namespace ctdb::server::testing
