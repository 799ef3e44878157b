/*
 * LifetimeGuard: the one way an object keeps callbacks it handed out from
 * running after it is gone (replaces the hand-rolled `shared_ptr<bool>
 * alive_` flags).
 *
 * Owns: one token. A callable made with guard(f) holds a weak reference to
 * it and forwards to f only while the token exists. The token ends when
 * revoke() is called or the guard is destroyed.
 *
 * Use: a member of the owner, and revoke() as the FIRST statement of the
 * owner's destructor. Members are destroyed after the destructor body, and
 * their destruction may fire callbacks (a timer's, a child's, a link's):
 * after revoke() every guarded callable is a no-op, so none of them reaches
 * a half-destroyed owner.
 *
 *   loop_.post(guard_.guard([this] { retry(); }));
 *   if (!watch.isAlive()) return;   // explicit check inside a longer body
 *
 * Guarantees: a guarded call that started before revoke() runs to its end
 * (it may itself destroy the owner; it must then not touch `this` after).
 * Guarded callables are copyable when f is. Single-threaded.
 */
#pragma once

#include <memory>
#include <utility>

namespace ctdb {

class LifetimeGuard {
 public:
  /* A weak view of the guard, for explicit checks in long callbacks. */
  class Watch {
   public:
    Watch() = default;
    explicit Watch(std::weak_ptr<const char> w) : w_(std::move(w)) {}
    bool isAlive() const { return !w_.expired(); }

   private:
    std::weak_ptr<const char> w_;
  };

  LifetimeGuard() : token_(std::make_shared<const char>(0)) {}
  LifetimeGuard(const LifetimeGuard&) = delete;
  LifetimeGuard& operator=(const LifetimeGuard&) = delete;
  ~LifetimeGuard() = default;

  /* f wrapped so that it runs only while this guard is alive; the result
   * returns nothing. */
  template <class F>
  auto guard(F f) const {
    return [w = std::weak_ptr<const char>(token_), f = std::move(f)](auto&&... args) mutable {
      if (!w.expired()) f(std::forward<decltype(args)>(args)...);
    };
  }

  Watch watch() const { return Watch(token_); }
  bool isAlive() const { return token_ != nullptr; }

  /* Ends the guard now: every guarded callable becomes a no-op. Idempotent. */
  void revoke() { token_.reset(); }

 private:
  std::shared_ptr<const char> token_;
};

}  // namespace ctdb
