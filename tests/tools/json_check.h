/* A minimal strict JSON reader for the tool tests: parses one RFC 8259 value
 * (objects, arrays, strings with escapes, numbers, true/false/null) and
 * fails on anything else or trailing garbage, so --json output is really
 * parsed rather than pattern-matched. Test-only, no performance concerns. */
#pragma once

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ctdb::testing {

struct Json {
  enum class T { Null, Bool, Num, Str, Arr, Obj } t = T::Null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> a;
  std::map<std::string, Json> o;
  const Json& operator[](const std::string& k) const {
    static const Json missing;
    auto it = o.find(k);
    return it == o.end() ? missing : it->second;
  }
  bool has(const std::string& k) const { return o.count(k) != 0; }
  bool isNull() const { return t == T::Null; }
};

class JsonReader {
 public:
  static std::optional<Json> parse(const std::string& text) {
    JsonReader r(text);
    Json v;
    if (!r.value(v)) return std::nullopt;
    r.ws();
    if (r.i_ != text.size()) return std::nullopt;
    return v;
  }

 private:
  explicit JsonReader(const std::string& t) : t_(t) {}
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\n' || t_[i_] == '\t' || t_[i_] == '\r')) ++i_;
  }
  bool lit(const char* w) {
    std::string s(w);
    if (t_.compare(i_, s.size(), s) != 0) return false;
    i_ += s.size();
    return true;
  }
  bool str(std::string& out) {
    if (i_ >= t_.size() || t_[i_] != '"') return false;
    ++i_;
    while (i_ < t_.size()) {
      char c = t_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= t_.size()) return false;
      char e = t_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (i_ + 4 > t_.size()) return false;
          for (int k = 0; k < 4; ++k)
            if (!std::isxdigit(static_cast<unsigned char>(t_[i_ + k]))) return false;
          out += static_cast<char>(std::strtol(t_.substr(i_, 4).c_str(), nullptr, 16) & 0x7F);
          i_ += 4;
          break;
        }
        default: return false;
      }
    }
    return false;
  }
  bool value(Json& v) {
    ws();
    if (i_ >= t_.size()) return false;
    char c = t_[i_];
    if (c == '{') {
      ++i_;
      v.t = Json::T::Obj;
      ws();
      if (i_ < t_.size() && t_[i_] == '}') return ++i_, true;
      while (true) {
        ws();
        std::string k;
        if (!str(k)) return false;
        ws();
        if (i_ >= t_.size() || t_[i_++] != ':') return false;
        Json child;
        if (!value(child)) return false;
        v.o[k] = std::move(child);
        ws();
        if (i_ >= t_.size()) return false;
        if (t_[i_] == ',') { ++i_; continue; }
        if (t_[i_] == '}') return ++i_, true;
        return false;
      }
    }
    if (c == '[') {
      ++i_;
      v.t = Json::T::Arr;
      ws();
      if (i_ < t_.size() && t_[i_] == ']') return ++i_, true;
      while (true) {
        Json child;
        if (!value(child)) return false;
        v.a.push_back(std::move(child));
        ws();
        if (i_ >= t_.size()) return false;
        if (t_[i_] == ',') { ++i_; continue; }
        if (t_[i_] == ']') return ++i_, true;
        return false;
      }
    }
    if (c == '"') {
      v.t = Json::T::Str;
      return str(v.s);
    }
    if (lit("true")) { v.t = Json::T::Bool; v.b = true; return true; }
    if (lit("false")) { v.t = Json::T::Bool; v.b = false; return true; }
    if (lit("null")) { v.t = Json::T::Null; return true; }
    size_t start = i_;
    if (t_[i_] == '-') ++i_;
    if (i_ >= t_.size() || !std::isdigit(static_cast<unsigned char>(t_[i_]))) return false;
    while (i_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[i_])) || t_[i_] == '.' ||
                              t_[i_] == 'e' || t_[i_] == 'E' || t_[i_] == '+' || t_[i_] == '-'))
      ++i_;
    v.t = Json::T::Num;
    char* end = nullptr;
    std::string num = t_.substr(start, i_ - start);
    v.n = std::strtod(num.c_str(), &end);
    return end != nullptr && *end == '\0';
  }
  const std::string& t_;
  size_t i_ = 0;
};

}  // namespace ctdb::testing
