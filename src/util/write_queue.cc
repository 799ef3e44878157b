#include "util/write_queue.h"

#include <sys/socket.h>

#include <cerrno>

namespace ctdb {

void WriteQueue::push(std::vector<uint8_t> bytes) {
  if (bytes.empty()) return;
  queued_bytes_ += bytes.size();
  packets_.push_back(std::move(bytes));
}

int WriteQueue::flushTo(int fd) {
  while (!packets_.empty()) {
    auto& front = packets_.front();
    ssize_t n = ::send(fd, front.data() + front_offset_, front.size() - front_offset_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      return errno;
    }
    front_offset_ += static_cast<size_t>(n);
    queued_bytes_ -= static_cast<size_t>(n);
    if (front_offset_ == front.size()) {
      packets_.pop_front();
      front_offset_ = 0;
    }
  }
  return 0;
}

void WriteQueue::clear() {
  packets_.clear();
  front_offset_ = 0;
  queued_bytes_ = 0;
}

}  // namespace ctdb
