#include "net/link_watcher.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>

#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "net/netlink_error.h"
#include "net/rtnl_parse.h"
#include "util/logging.h"

namespace ctdb::net {

namespace {

// Room for a burst of address notifications (~1 KiB of skb each) before the
// kernel reports ENOBUFS. SO_RCVBUFFORCE needs CAP_NET_ADMIN; without it the
// kernel caps SO_RCVBUF at net.core.rmem_max.
constexpr int kReceiveBufferBytes = 8 * 1024 * 1024;
constexpr size_t kDatagramBytes = 64 * 1024;
constexpr size_t kMaxDiscardDatagrams = 1 << 20;

}  // namespace

LinkWatcher::LinkWatcher(NlSockPtr sock, std::unique_ptr<AddressOps> ops, WatcherCallbacks cb)
    : cb_(std::move(cb)), ops_(std::move(ops)), buf_(kDatagramBytes), sock_(std::move(sock)) {}

Result<std::unique_ptr<LinkWatcher>> LinkWatcher::create(WatcherCallbacks callbacks) {
  NlSockPtr sock(nl_socket_alloc());
  if (!sock) return errnoError(ENOMEM, "link watcher: cannot allocate netlink socket");
  nl_socket_disable_seq_check(sock.get());
  if (int rc = nl_connect(sock.get(), NETLINK_ROUTE); rc < 0) {
    return detail::nlError(rc, "link watcher: cannot connect notification socket");
  }
  if (int rc = nl_socket_add_memberships(sock.get(), RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                         RTNLGRP_IPV6_IFADDR, 0);
      rc < 0) {
    return detail::nlError(rc, "link watcher: cannot subscribe to link/address groups");
  }
  if (int rc = nl_socket_set_nonblocking(sock.get()); rc < 0) {
    return detail::nlError(rc, "link watcher: cannot make socket non-blocking");
  }
  const int fd = nl_socket_get_fd(sock.get());
  int size = kReceiveBufferBytes;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
    D_WARNING("link watcher: cannot enlarge receive buffer: %s, continuing with the default\n",
              strerror(errno));
  }

  auto ops = AddressOps::create();
  if (!ops) return ops.error();
  std::unique_ptr<LinkWatcher> w(new LinkWatcher(std::move(sock), std::move(*ops), std::move(callbacks)));
  // Subscribed first, dumped second: a change racing with the dump is both in
  // the dump and queued, and re-applying it is harmless.
  if (auto st = w->fill(/*report=*/false); !st) return st.error();
  D_INFO("link watcher: started with %zu links, %zu addresses\n", w->links_.size(), w->cache_.size());
  return w;
}

int LinkWatcher::fd() const { return nl_socket_get_fd(sock_.get()); }

Status LinkWatcher::fill(bool report) {
  auto links = ops_->dumpLinks();
  if (!links) return links.error();
  auto addrs = ops_->dumpAddresses();
  if (!addrs) return addrs.error();

  std::unordered_map<int, LinkInfo> fresh;
  for (auto& l : *links) fresh.emplace(l.index, l);
  std::vector<LinkInfo> removed, changed;
  for (const auto& [idx, old] : links_) {
    if (!fresh.contains(idx)) removed.push_back(old);
  }
  for (const auto& [idx, now] : fresh) {
    auto it = links_.find(idx);
    if (it == links_.end() || !(it->second == now)) changed.push_back(now);
  }
  links_ = std::move(fresh);
  auto events = cache_.replaceAll(*addrs);
  is_resync_needed_ = false;
  if (!report) return {};
  for (const auto& ev : events) this->report(ev);
  for (const auto& l : removed) {
    if (cb_.on_link_removed) cb_.on_link_removed(l);
  }
  for (const auto& l : changed) {
    if (cb_.on_link_change) cb_.on_link_change(l);
  }
  return {};
}

Status LinkWatcher::resync() {
  discardQueued();
  if (auto st = fill(/*report=*/true); !st) {
    is_resync_needed_ = true;
    D_ERR("link watcher: resync failed: %s, cache stays stale until the next resync\n",
          st.error().message().c_str());
    return st;
  }
  D_NOTICE("link watcher: resynced, %zu links, %zu addresses\n", links_.size(), cache_.size());
  if (cb_.on_resync) cb_.on_resync();
  return {};
}

void LinkWatcher::discardQueued() {
  // Bounded: the queue is finite, but guard against a flood refilling it.
  for (size_t i = 0; i < kMaxDiscardDatagrams; ++i) {
    ssize_t n = ::recv(fd(), buf_.data(), buf_.size(), MSG_DONTWAIT);
    if (n >= 0) continue;
    if (errno == EINTR || errno == ENOBUFS) continue;
    break;  // EAGAIN: empty
  }
}

Status LinkWatcher::process() {
  for (size_t i = 0; i < kMaxDatagramsPerProcess && !is_resync_needed_; ++i) {
    sockaddr_nl from{};
    socklen_t from_len = sizeof(from);
    ssize_t n = ::recvfrom(fd(), buf_.data(), buf_.size(), MSG_DONTWAIT | MSG_TRUNC,
                           reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        ++overflows_seen_;
        D_WARNING("link watcher: notification queue overflowed, resyncing from a dump\n");
        is_resync_needed_ = true;
        break;
      }
      return errnoError(errno, "link watcher: recv");
    }
    if (static_cast<size_t>(n) > buf_.size()) {
      D_WARNING("link watcher: %zd-byte notification truncated, resyncing from a dump\n", n);
      is_resync_needed_ = true;
      break;
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks on this socket
    handleDatagram(buf_.data(), static_cast<size_t>(n));
  }
  if (is_resync_needed_) return resync();
  return {};
}

void LinkWatcher::handleDatagram(const uint8_t* data, size_t len) {
  auto* hdr = reinterpret_cast<const nlmsghdr*>(data);
  size_t left = len;
  // NLMSG_OK bounds the walk by the datagram length.
  for (int remaining = static_cast<int>(left); NLMSG_OK(hdr, remaining);
       hdr = NLMSG_NEXT(hdr, remaining)) {
    ++notifications_seen_;
    switch (hdr->nlmsg_type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        if (auto p = detail::parseLinkMessage(hdr, static_cast<size_t>(remaining))) {
          handleLink(p->info, p->is_delete);
        }
        break;
      case RTM_NEWADDR:
      case RTM_DELADDR:
        if (auto p = detail::parseAddressMessage(hdr, static_cast<size_t>(remaining))) {
          handleAddress(std::move(p->addr), p->is_delete);
        }
        break;
      default:
        break;
    }
  }
}

void LinkWatcher::handleLink(const LinkInfo& info, bool is_delete) {
  auto it = links_.find(info.index);
  if (is_delete) {
    LinkInfo gone = it != links_.end() ? it->second : info;
    for (const auto& ev : cache_.removeInterface(info.index)) report(ev);
    if (it != links_.end()) links_.erase(it);
    D_INFO("link watcher: link %s (index %d) removed\n", gone.name.c_str(), gone.index);
    if (cb_.on_link_removed) cb_.on_link_removed(gone);
    return;
  }
  if (it != links_.end() && it->second == info) return;  // statistics-only update
  if (it != links_.end() && it->second.name != info.name) cache_.renameInterface(info.index, info.name);
  links_[info.index] = info;
  D_INFO("link watcher: link %s (index %d) admin %s, %s, carrier %s\n", info.name.c_str(),
         info.index, info.is_admin_up ? "up" : "down", info.is_running ? "running" : "not running",
         info.has_carrier ? "yes" : "no");
  if (cb_.on_link_change) cb_.on_link_change(info);
}

void LinkWatcher::handleAddress(InterfaceAddress addr, bool is_delete) {
  if (auto it = links_.find(addr.ifindex); it != links_.end()) {
    addr.iface = it->second.name;
  } else {
    char name[IF_NAMESIZE] = {};
    if (if_indextoname(static_cast<unsigned>(addr.ifindex), name) != nullptr) addr.iface = name;
  }
  if (auto ev = cache_.apply(addr, is_delete)) report(*ev);
}

void LinkWatcher::report(const AddressEvent& ev) {
  D_DEBUG("link watcher: address %s on %s %s\n", ev.addr.prefix.toString().c_str(),
          ev.addr.iface.c_str(), toString(ev.change));
  if (cb_.on_address_change) cb_.on_address_change(ev);
}

std::optional<InterfaceAddress> LinkWatcher::findAddress(const IpAddress& ip) const {
  if (const auto* a = cache_.find(ip)) return *a;
  return std::nullopt;
}

std::optional<LinkInfo> LinkWatcher::link(const std::string& name) const {
  for (const auto& [idx, l] : links_) {
    if (l.name == name) return l;
  }
  return std::nullopt;
}

std::vector<LinkInfo> LinkWatcher::links() const {
  std::vector<LinkInfo> out;
  out.reserve(links_.size());
  for (const auto& [idx, l] : links_) out.push_back(l);
  return out;
}

}  // namespace ctdb::net
