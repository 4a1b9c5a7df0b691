#include "cache/redis_url.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "config/redact.h"

namespace metrify::cache {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Passwords with '@', ':' or '/' can only be written percent-escaped.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = HexValue(text[i + 1]);
    int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Status Bad(std::string_view url, std::string_view why) {
  return Status::InvalidArgument(fmt::format("redis.url {}: {}", config::RedactUrl(url), why));
}

Result<int> ParseDb(std::string_view url, std::string_view text) {
  std::optional<long long> db = ParseInt(text);
  if (!db || *db < 0 || *db > 65535) return Bad(url, "the database must be a number 0..65535");
  return static_cast<int>(*db);
}

// userinfo: "user:password", ":password" or a lone "password".
Status ParseUserinfo(std::string_view url, std::string_view userinfo, RedisEndpoint& out) {
  size_t colon = userinfo.find(':');
  std::string_view user = colon == std::string_view::npos ? "" : userinfo.substr(0, colon);
  std::string_view password =
      colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
  std::optional<std::string> decoded_user = PercentDecode(user);
  std::optional<std::string> decoded_password = PercentDecode(password);
  if (!decoded_user || !decoded_password) return Bad(url, "bad percent-escape in the userinfo");
  out.user = std::move(*decoded_user);
  out.password = std::move(*decoded_password);
  return Status::Ok();
}

// "host", "host:port", "[v6]" or "[v6]:port".
Status ParseHostPort(std::string_view url, std::string_view text, RedisEndpoint& out) {
  std::string_view port;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Bad(url, "unterminated [IPv6] host");
    out.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return Bad(url, "junk after the [IPv6] host");
    port = rest.empty() ? "" : rest.substr(1);
  } else {
    size_t colon = text.rfind(':');
    out.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }
  if (out.host.empty()) return Bad(url, "no host");
  if (text.find(':') != std::string_view::npos && !text.starts_with('[') && port.empty()) {
    return Bad(url, "empty port");
  }
  if (!port.empty()) {
    std::optional<long long> number = ParseInt(port);
    if (!number || *number < 1 || *number > 65535) return Bad(url, "the port must be 1..65535");
    out.port = static_cast<uint16_t>(*number);
  }
  return Status::Ok();
}

Result<RedisEndpoint> ParseTcp(std::string_view url, std::string_view rest) {
  RedisEndpoint out;
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (path.find('?') != std::string_view::npos)
    return Bad(url, "query parameters are not supported");
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    METRIFY_RETURN_IF_ERROR(ParseUserinfo(url, authority.substr(0, at), out));
    authority = authority.substr(at + 1);
  }
  METRIFY_RETURN_IF_ERROR(ParseHostPort(url, authority, out));
  if (!path.empty()) {
    METRIFY_ASSIGN_OR_RETURN(out.db, ParseDb(url, path));
  }
  return out;
}

// "unix:/path", "unix:///path"; ?db=N&password=P.
Result<RedisEndpoint> ParseUnix(std::string_view url, std::string_view rest) {
  RedisEndpoint out;
  if (rest.starts_with("//")) rest.remove_prefix(2);
  size_t question = rest.find('?');
  out.unix_path = std::string(rest.substr(0, question));
  if (!out.unix_path.starts_with('/')) return Bad(url, "the socket path must be absolute");
  if (question == std::string_view::npos) return out;
  for (std::string_view param : Split(rest.substr(question + 1), '&')) {
    size_t eq = param.find('=');
    std::string_view name = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : param.substr(eq + 1);
    if (name == "db") {
      METRIFY_ASSIGN_OR_RETURN(out.db, ParseDb(url, value));
    } else if (name == "password") {
      std::optional<std::string> decoded = PercentDecode(value);
      if (!decoded) return Bad(url, "bad percent-escape in the password");
      out.password = std::move(*decoded);
    } else {
      return Bad(url, fmt::format("unknown parameter '{}'", name));
    }
  }
  return out;
}

}  // namespace

std::string RedisEndpoint::where() const {
  if (!unix_path.empty()) return "unix:" + unix_path;
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

Result<RedisEndpoint> ParseRedisUrl(std::string_view url) {
  size_t colon = url.find(':');
  std::string scheme = ToLower(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  if (scheme == "unix") return ParseUnix(url, url.substr(colon + 1));
  if (scheme == "rediss") return Bad(url, "TLS (rediss://) is not supported");
  if (scheme != "redis" || !url.substr(colon).starts_with("://")) {
    return Bad(url, "expected redis://host:port/db or unix:/path");
  }
  return ParseTcp(url, url.substr(colon + 3));
}

}  // namespace metrify::cache
