/*
 * Owner types for every C handle the project uses, declared in one place.
 *
 * talloc_free, tevent_add_fd, ... are macros, so their address cannot be
 * taken: functors are used instead. Refcounted libnl objects are "put", not
 * freed. A C++ object may own a talloc tree through TallocPtr; a talloc
 * parent never owns a C++ object.
 */
#pragma once

#include <memory>

#include <unistd.h>

struct nl_sock;
struct nl_cache;
struct rtnl_addr;
struct rtnl_link;
struct nl_addr;

extern "C" {
void nl_socket_free(struct nl_sock*);
void nl_cache_free(struct nl_cache*);
void rtnl_addr_put(struct rtnl_addr*);
void rtnl_link_put(struct rtnl_link*);
void nl_addr_put(struct nl_addr*);
int _talloc_free(void* ptr, const char* location);
}

namespace ctdb {

template <auto Fn>
struct CDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    if (p) Fn(p);
  }
};

struct TallocFree {
  void operator()(void* p) const noexcept {
    if (p) _talloc_free(p, __FILE__ ":" "TallocFree");
  }
};

template <class T>
using TallocPtr = std::unique_ptr<T, TallocFree>;

using NlSockPtr = std::unique_ptr<nl_sock, CDeleter<&nl_socket_free>>;
using NlCachePtr = std::unique_ptr<nl_cache, CDeleter<&nl_cache_free>>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, CDeleter<&rtnl_addr_put>>;
using RtnlLinkPtr = std::unique_ptr<rtnl_link, CDeleter<&rtnl_link_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, CDeleter<&nl_addr_put>>;

/* An owned file descriptor: closed on destruction, movable, not copyable. */
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace ctdb
