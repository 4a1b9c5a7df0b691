#include "config/redact.h"

#include <cctype>
#include <optional>

#include "common/strings.h"

namespace metrify::config {
namespace {

constexpr std::string_view kMask = "***";

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsPasswordLike(std::string_view name) {
  std::string lower = ToLower(name);
  for (std::string_view word : {"password", "secret", "token"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string RedactUserinfo(std::string_view scheme, std::string_view userinfo) {
  size_t colon = userinfo.find(':');
  if (colon != std::string_view::npos) return std::string(userinfo.substr(0, colon + 1)) + "***";
  // "redis://secret@host": Redis clients take a lone userinfo as the password.
  bool redis = ToLower(scheme).starts_with("redis");
  return redis && !userinfo.empty() ? std::string(kMask) : std::string(userinfo);
}

std::string RedactQuery(std::string_view rest) {
  size_t question = rest.find('?');
  if (question == std::string_view::npos) return std::string(rest);
  std::string out(rest.substr(0, question + 1));
  bool first = true;
  for (std::string_view param : Split(rest.substr(question + 1), '&')) {
    if (!first) out += '&';
    first = false;
    size_t eq = param.find('=');
    bool hide = eq != std::string_view::npos && IsPasswordLike(param.substr(0, eq));
    out += hide ? std::string(param.substr(0, eq + 1)) + "***" : std::string(param);
  }
  return out;
}

// libpq's keyword form: "host=db user=metrify password='a b'". Values are
// single-quoted with backslash escapes or run to the next space. nullopt when
// `text` does not have that shape.
std::optional<std::string> RedactKeywords(std::string_view text) {
  std::string out;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    if (IsSpace(text[i])) {
      out += text[i++];
      continue;
    }
    size_t key_start = i;
    while (i < n && !IsSpace(text[i]) && text[i] != '=') ++i;
    std::string_view key = text.substr(key_start, i - key_start);
    while (i < n && IsSpace(text[i])) ++i;
    if (i == n || text[i] != '=' || key.empty()) return std::nullopt;
    ++i;
    while (i < n && IsSpace(text[i])) ++i;
    out += text.substr(key_start, i - key_start);
    size_t value_start = i;
    if (i < n && text[i] == '\'') {
      // An unterminated quote runs to the end, so it is hidden whole.
      for (++i; i < n && text[i] != '\''; ++i) {
        if (text[i] == '\\') ++i;
      }
      i = std::min(i + 1, n);
    } else {
      while (i < n && !IsSpace(text[i])) ++i;
    }
    out += IsPasswordLike(key) ? kMask : text.substr(value_start, i - value_start);
  }
  return out;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  size_t separator = url.find("://");
  if (separator == std::string_view::npos) {
    if (url.find('=') != std::string_view::npos) {
      if (auto redacted = RedactKeywords(url)) return *redacted;
    }
    // Neither form: still hide anything that looks like "user:password@".
    size_t at = url.rfind('@');
    return at == std::string_view::npos ? std::string(url)
                                        : std::string(kMask) + std::string(url.substr(at));
  }
  std::string_view scheme = url.substr(0, separator);
  std::string_view rest = url.substr(separator + 3);
  std::string out(url.substr(0, separator + 3));
  // The userinfo ends at the LAST '@': a password may hold unescaped '/', '?'
  // or '#', and taking the last '@' can only hide more, never less.
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    out += RedactUserinfo(scheme, rest.substr(0, at));
    out += '@';
    rest = rest.substr(at + 1);
  }
  out += RedactQuery(rest);
  return out;
}

std::string RedactForDisplay(const KeyDef& key, std::string_view text) {
  switch (key.secrecy) {
    case Secrecy::kPublic:
      return std::string(text);
    case Secrecy::kSecret:
      return text.empty() ? "" : std::string(kMask);
    case Secrecy::kUrlPassword:
      return RedactUrl(text);
  }
  return std::string(kMask);
}

}  // namespace metrify::config
