/*
 * Internal helpers for the protocol encoders/decoders: a bounds-checked
 * reader over a span and an appending writer. Not part of the public API.
 *
 * Reader never reads outside its span: every get*() first checks the
 * remaining size and, on shortage, records one Error naming the type and
 * field ("public_ip_list: ip 3 of 6: need 32 bytes at offset 100, have 4").
 * After the first failure all further reads fail too, so a decoder can read
 * a whole record and check ok() once.
 */
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ctdb/result.h"

namespace ctdb::protocol::wire {

class Writer {
 public:
  explicit Writer(size_t reserve = 0) { buf_.reserve(reserve); }
  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) { raw(&v, sizeof v); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void i32(int32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void zeros(size_t n) { buf_.insert(buf_.end(), n, 0); }
  void bytes(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  /* Overwrite a u32 previously written at offset. */
  void patchU32(size_t offset, uint32_t v) { std::memcpy(buf_.data() + offset, &v, sizeof v); }
  size_t size() const { return buf_.size(); }
  std::vector<uint8_t>& buffer() { return buf_; }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  Reader(std::span<const uint8_t> buf, const char* type) : buf_(buf), type_(type) {}

  /* Context prefix added to the next failure ("ip 3 of 6"). */
  void setItem(std::string item) { item_ = std::move(item); }
  void clearItem() { item_.clear(); }

  bool need(size_t n, const char* field) {
    if (err_) return false;
    if (buf_.size() - off_ < n) {
      std::string ctx = std::string(type_) + ": ";
      if (!item_.empty()) ctx += item_ + ": ";
      ctx += std::string(field) + ": need " + std::to_string(n) + " bytes at offset " +
             std::to_string(off_) + ", have " + std::to_string(buf_.size() - off_);
      err_ = makeError(std::move(ctx));
      return false;
    }
    return true;
  }
  template <class T>
  T get(const char* field) {
    T v{};
    if (need(sizeof(T), field)) {
      std::memcpy(&v, buf_.data() + off_, sizeof(T));
      off_ += sizeof(T);
    }
    return v;
  }
  uint8_t u8(const char* f) { return get<uint8_t>(f); }
  uint16_t u16(const char* f) { return get<uint16_t>(f); }
  uint32_t u32(const char* f) { return get<uint32_t>(f); }
  int32_t i32(const char* f) { return get<int32_t>(f); }
  uint64_t u64(const char* f) { return get<uint64_t>(f); }
  int64_t i64(const char* f) { return get<int64_t>(f); }
  void skip(size_t n, const char* f) {
    if (need(n, f)) off_ += n;
  }
  /* n bytes as a sub-span (empty span on failure). */
  std::span<const uint8_t> take(size_t n, const char* f) {
    if (!need(n, f)) return {};
    auto s = buf_.subspan(off_, n);
    off_ += n;
    return s;
  }
  /* Record an arbitrary failure (first one wins). */
  void fail(std::string what) {
    if (err_) return;
    std::string ctx = std::string(type_) + ": ";
    if (!item_.empty()) ctx += item_ + ": ";
    err_ = makeError(ctx + what);
  }
  /* Adopt an Error from a nested decoder. */
  void failWith(const Error& e) {
    if (err_) return;
    std::string ctx = std::string(type_) + ": ";
    if (!item_.empty()) ctx += item_ + ": ";
    err_ = makeError(ctx + e.context);
  }

  bool ok() const { return !err_.has_value(); }
  const Error& error() const { return *err_; }
  size_t offset() const { return off_; }
  size_t remaining() const { return buf_.size() - off_; }
  std::span<const uint8_t> rest() const { return buf_.subspan(off_); }

 private:
  std::span<const uint8_t> buf_;
  const char* type_;
  size_t off_ = 0;
  std::string item_;
  std::optional<Error> err_;
};

/* Text up to the first NUL or the end of b (a missing NUL is tolerated). */
inline std::string textUpToNul(std::span<const uint8_t> b) {
  size_t n = 0;
  while (n < b.size() && b[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(b.data()), n);
}

}  // namespace ctdb::protocol::wire
