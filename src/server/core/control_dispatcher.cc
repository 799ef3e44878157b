#include "server/core/control_dispatcher.h"

#include "util/logging.h"

namespace ctdb::server {
namespace {

const char* nameOf(uint32_t opcode) {
  const char* n = protocol::opcodeName(opcode);
  return n ? n : "UNKNOWN";
}

}  // namespace

ReplySink::ReplySink(uint32_t opcode, Deliver deliver)
    : opcode_(opcode), deliver_(std::move(deliver)) {}

ReplySink::ReplySink(ReplySink&& o) noexcept
    : opcode_(o.opcode_), deliver_(std::move(o.deliver_)), is_done_(o.is_done_) {
  o.deliver_ = nullptr;
  o.is_done_ = true;
}

ReplySink& ReplySink::operator=(ReplySink&& o) noexcept {
  if (this != &o) {
    if (!is_done_ && deliver_) {
      D_ERR("control %s(%u): reply sink overwritten without a reply, answering -1\n",
            nameOf(opcode_), opcode_);
      deliver_({-1, {}, std::nullopt});
    }
    opcode_ = o.opcode_;
    deliver_ = std::move(o.deliver_);
    is_done_ = o.is_done_;
    o.deliver_ = nullptr;
    o.is_done_ = true;
  }
  return *this;
}

ReplySink::~ReplySink() {
  if (!is_done_ && deliver_) {
    D_ERR("control %s(%u): handler dropped the request without a reply, answering -1\n",
          nameOf(opcode_), opcode_);
    deliver_({-1, {}, std::nullopt});
  }
}

void ReplySink::reply(ControlReply r) {
  if (is_done_) {
    D_ERR("control %s(%u): second reply ignored\n", nameOf(opcode_), opcode_);
    return;
  }
  is_done_ = true;
  if (deliver_) {
    auto d = std::move(deliver_);
    deliver_ = nullptr;
    d(std::move(r));
  }
}

Status ControlDispatcher::registerHandler(protocol::Opcode op, ControlHandler handler) {
  auto code = static_cast<uint32_t>(op);
  if (handlers_.contains(code))
    return errnoError(EEXIST, std::string("control ") + nameOf(code) + " already has a handler");
  handlers_.emplace(code, std::move(handler));
  return {};
}

void ControlDispatcher::replaceHandler(protocol::Opcode op, ControlHandler handler) {
  handlers_[static_cast<uint32_t>(op)] = std::move(handler);
}

void ControlDispatcher::dispatch(const ControlRequest& req, ReplySink sink) const {
  auto it = handlers_.find(req.opcode);
  if (it == handlers_.end()) {
    D_INFO("control %s(%u) from client %u not implemented, answering -1\n", nameOf(req.opcode),
           req.opcode, req.client_id);
    sink.status(-1);
    return;
  }
  D_DEBUG("control %s(%u) from client %u reqid %u\n", nameOf(req.opcode), req.opcode,
          req.client_id, req.hdr.reqid);
  // A copy: the handler may replace itself (replaceHandler) while running.
  ControlHandler handler = it->second;
  handler(req, std::move(sink));
}

}  // namespace ctdb::server
