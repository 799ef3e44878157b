/*
 * JsonWriter: a small streaming JSON emitter for `ctdb --json`.
 *
 * Produces compact, valid JSON (RFC 8259): strings are escaped (quote,
 * backslash, control characters as \uXXXX; other bytes are passed through, so
 * UTF-8 input stays UTF-8). The writer tracks nesting and inserts commas
 * itself; calls must be well-nested (beginObject/endObject, key before each
 * value inside an object) — misuse asserts. str() returns the text so far.
 * Not thread-safe; one writer per document.
 */
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ctdb::tools {

class JsonWriter {
 public:
  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(unsigned v) { return value(static_cast<uint64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool b);
  JsonWriter& null();

  /* The document so far; complete once every container is closed. */
  const std::string& str() const { return out_; }
  bool complete() const { return stack_.empty() && has_root_; }

  static std::string escape(std::string_view s);

 private:
  void beforeValue();
  enum class Ctx { Object, Array };
  struct Frame {
    Ctx ctx;
    bool has_items = false;
    bool expecting_value = false;
  };
  std::string out_;
  std::vector<Frame> stack_;
  bool has_root_ = false;
};

}  // namespace ctdb::tools
