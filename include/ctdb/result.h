/*
 * Result<T>: the project's one error vocabulary (g++ 12 has no std::expected).
 *
 * A Result holds either a value or an Error. An Error carries a
 * std::error_code (errno values use std::system_category(); modules with
 * their own codes, e.g. netlink, define a category and convert at their edge)
 * plus a human-readable context line that names the object that failed
 * ("public_addresses:3: bad mask '/40'"). No exceptions cross module edges.
 *
 * Invariant: exactly one of value/error is present. Accessing value() of an
 * error Result (or error() of a value) is a programming error (asserts).
 */
#pragma once

#include <cassert>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace ctdb {

struct Error {
  std::error_code code;
  std::string context;

  /* "context: strerror" style text, or only the context when the code is 0. */
  std::string message() const {
    if (!code) return context;
    if (context.empty()) return code.message();
    return context + ": " + code.message();
  }
  int errnoValue() const { return code.value(); }
};

/* Build an Error from an errno value (positive, e.g. EINVAL). */
inline Error errnoError(int err, std::string context) {
  return Error{std::error_code(err, std::system_category()), std::move(context)};
}

/* An error that is only a message (code EINVAL). */
inline Error makeError(std::string context) {
  return errnoError(EINVAL, std::move(context));
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
  Result(Error err) : v_(std::in_place_index<1>, std::move(err)) {}   // NOLINT implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/* Result<void> equivalent. */
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error err) : err_(std::move(err)), ok_(false) {}  // NOLINT implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { assert(!ok_); return err_; }

 private:
  Error err_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace ctdb
