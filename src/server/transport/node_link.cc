#include "server/transport/node_link.h"

#include "util/logging.h"

namespace ctdb::server {

namespace {

stream::PacketStream::Options streamOptions(const std::string& name, bool is_connecting) {
  stream::PacketStream::Options o;
  o.max_packet = NodeLink::kMaxPacketSize;
  o.max_queued = NodeLink::kMaxQueuedBytes;
  o.connecting = is_connecting;
  o.name = "node link " + name;
  return o;
}

}  // namespace

NodeLink::NodeLink(EventLoop& loop, UniqueFd fd, std::string name, bool is_connecting,
                   Callbacks cb)
    : name_(std::move(name)),
      stream_(loop, std::move(fd), streamOptions(name_, is_connecting),
              stream::PacketStream::Callbacks{
                  std::move(cb.on_connected), std::move(cb.on_packet),
                  [this, on_error = std::move(cb.on_error)](const stream::PacketStream::Closed& c) {
                    const std::string reason = describe(c, "peer", kMaxQueuedBytes);
                    D_DEBUG("node link %s: %s\n", name_.c_str(), reason.c_str());
                    if (on_error) on_error(reason);
                  }}) {}

NodeLink::~NodeLink() = default;

bool NodeLink::send(std::vector<uint8_t> bytes) { return stream_.send(std::move(bytes)); }

void NodeLink::close() { stream_.close(); }

}  // namespace ctdb::server
