/*
 * PacketStream: the one packet connection of the project. A connected (or
 * connecting) non-blocking stream socket carrying CTDB packets, used by the
 * daemon's client connections (server/core/client_connection), the node
 * links (server/transport/node_link) and the client library
 * (client/connection).
 *
 * Owns the fd, its FdEvent, a protocol::PacketFramer (packets bounded by
 * Options::max_packet) for the read side and a WriteQueue (bounded by
 * Options::max_queued) for the write side. One state with named
 * transitions, logged at debug level:
 *     Connecting --connected--> Open --close/failure--> Closed
 *     Open --close/failure--> Closed,  Connecting --failure--> Closed
 * (Connecting only when constructed with Options::connecting: a
 * non-blocking connect() in progress; writability ends it, SO_ERROR says
 * how.) Nothing here blocks.
 *
 * Callbacks (never from inside send() or close()):
 *   on_connected()   once, from the fd event, when a pending connect
 *                    succeeded;
 *   on_packet(bytes) from the fd event, per complete packet (header length
 *                    checked by the framer). The owner may close or even
 *                    destroy the stream inside it: reading stops at once;
 *   on_closed(why)   once, from a posted closure, after EOF, a read or
 *                    write error, a framing error, a full write queue or a
 *                    failed connect; the stream is already Closed and the
 *                    owner may destroy it there. Not called after close()
 *                    or destruction.
 *
 * send() queues a packet and returns true, or returns false (queueing
 * nothing) when the stream is not Open, or when the queue would exceed
 * max_queued: then the stream fails with QueueFull. It tries to write at
 * once when the queue was empty.
 *
 * Single-threaded (event loop).
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ctdb/c_handles.h"
#include "ctdb/result.h"
#include "protocol/packet.h"
#include "util/event_loop.h"
#include "util/write_queue.h"
#include "util/lifetime_guard.h"

namespace ctdb::stream {

class PacketStream {
 public:
  enum class State { Connecting, Open, Closed };

  enum class Cause {
    PeerClosed,     // EOF
    ReadError,      // err set
    WriteError,     // err set
    BadPacket,      // bad_packet set (the framer's error)
    QueueFull,      // the peer does not read
    ConnectFailed,  // err set (SO_ERROR)
  };
  struct Closed {
    Cause cause;
    int err = 0;
    std::optional<Error> bad_packet;
  };

  struct Options {
    uint32_t max_packet = 16u * 1024 * 1024;
    size_t max_queued = 64u * 1024 * 1024;
    bool connecting = false;
    std::string name;  // for the debug log: "client 7", "node 198.18.0.2"
  };
  struct Callbacks {
    std::function<void()> on_connected;
    std::function<void(std::vector<uint8_t>)> on_packet;
    std::function<void(const Closed&)> on_closed;
  };

  /* Starts watching at once (Open: for reading; Connecting: for writing). */
  PacketStream(EventLoop& loop, UniqueFd fd, Options options, Callbacks cb);
  PacketStream(const PacketStream&) = delete;
  PacketStream& operator=(const PacketStream&) = delete;
  ~PacketStream();

  bool send(std::vector<uint8_t> bytes);
  /* Closed now, without on_closed; queued bytes are dropped and the socket
   * shut down both ways. */
  void close();

  State state() const { return state_; }
  bool isOpen() const { return state_ == State::Open; }
  int fd() const { return fd_.get(); }
  size_t queuedBytes() const { return outq_.queuedBytes(); }
  size_t queuedPackets() const { return outq_.packetCount(); }
  uint64_t packetsSent() const { return packets_sent_; }

 private:
  void setState(State s, const char* why);
  void onEvent(uint16_t flags);
  void finishConnect();
  void readSome();
  void flush();
  void updateWatch();
  void fail(Closed why);
  void shutdownNow(const char* why);

  EventLoop& loop_;
  Options opts_;
  /* Shared so that a callback that destroys this stream (allowed in
   * on_packet and on_closed) does not destroy the function it is running:
   * the caller holds a reference for the call. */
  std::shared_ptr<const Callbacks> cb_;
  protocol::PacketFramer framer_;
  WriteQueue outq_;
  State state_;
  uint64_t packets_sent_ = 0;
  LifetimeGuard guard_;
  UniqueFd fd_;
  std::unique_ptr<FdEvent> fde_;  // after fd_: unregistered before the fd closes
};

const char* toString(PacketStream::State s);
const char* toString(PacketStream::Cause c);
/* One line for the log: "PEER closed the connection", "read failed: ...",
 * "malformed packet: ...", "write queue over N bytes (PEER not reading)". */
std::string describe(const PacketStream::Closed& c, const char* peer, size_t max_queued);

}  // namespace ctdb::stream
