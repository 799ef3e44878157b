#include "tools/json.h"

#include <cassert>
#include <cmath>
#include <cstdio>

namespace ctdb::tools {

std::string JsonWriter::escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

void JsonWriter::beforeValue() {
  if (stack_.empty()) {
    assert(!has_root_ && "JsonWriter: second root value");
    has_root_ = true;
    return;
  }
  Frame& f = stack_.back();
  if (f.ctx == Ctx::Object) {
    assert(f.expecting_value && "JsonWriter: value without key");
    f.expecting_value = false;
  } else {
    if (f.has_items) out_.push_back(',');
    f.has_items = true;
  }
}

JsonWriter& JsonWriter::beginObject() {
  beforeValue();
  out_.push_back('{');
  stack_.push_back({Ctx::Object});
  return *this;
}

JsonWriter& JsonWriter::endObject() {
  assert(!stack_.empty() && stack_.back().ctx == Ctx::Object && !stack_.back().expecting_value);
  stack_.pop_back();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::beginArray() {
  beforeValue();
  out_.push_back('[');
  stack_.push_back({Ctx::Array});
  return *this;
}

JsonWriter& JsonWriter::endArray() {
  assert(!stack_.empty() && stack_.back().ctx == Ctx::Array);
  stack_.pop_back();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  assert(!stack_.empty() && stack_.back().ctx == Ctx::Object && !stack_.back().expecting_value);
  Frame& f = stack_.back();
  if (f.has_items) out_.push_back(',');
  f.has_items = true;
  f.expecting_value = true;
  out_ += escape(k);
  out_.push_back(':');
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  beforeValue();
  out_ += escape(s);
  return *this;
}

JsonWriter& JsonWriter::value(int64_t v) {
  beforeValue();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t v) {
  beforeValue();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::value(double v) {
  beforeValue();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  beforeValue();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  beforeValue();
  out_ += "null";
  return *this;
}

}  // namespace ctdb::tools
