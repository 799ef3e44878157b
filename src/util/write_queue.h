/*
 * WriteQueue: the outgoing bytes of one non-blocking stream socket.
 *
 * Owns a FIFO of encoded packets and how much of the first one was already
 * written. flushTo() writes as much as the socket takes right now
 * (MSG_DONTWAIT | MSG_NOSIGNAL) and resumes partial writes where they
 * stopped, so packets go out whole and in order. It never blocks and never
 * closes anything: a hard error is returned to the owner, which decides
 * (ClientConnection and NodeLink close their connection).
 *
 * Invariant: queuedBytes() == sum of the unwritten bytes of all packets.
 * The owner enforces its own size bound with queuedBytes().
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace ctdb {

class WriteQueue {
 public:
  void push(std::vector<uint8_t> bytes);
  /* Writes until the queue is empty or the socket would block. Returns 0,
   * or the errno of a hard failure (EAGAIN/EINTR are not failures). */
  int flushTo(int fd);
  void clear();

  bool empty() const { return packets_.empty(); }
  size_t packetCount() const { return packets_.size(); }
  size_t queuedBytes() const { return queued_bytes_; }

 private:
  std::deque<std::vector<uint8_t>> packets_;
  size_t front_offset_ = 0;  // bytes of packets_.front() already written
  size_t queued_bytes_ = 0;
};

}  // namespace ctdb
