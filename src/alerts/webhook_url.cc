#include "alerts/webhook_url.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace metrify::alerts {
namespace {

constexpr std::string_view kHttp = "http://";
constexpr std::string_view kHttps = "https://";

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char wanted, char seen) {
           return std::tolower(static_cast<unsigned char>(seen)) == wanted;
         });
}

Status Malformed(std::string_view url, std::string_view why) {
  return Status::InvalidArgument(fmt::format(
      "webhook URL \"{}\" is not usable: {}; expected http://HOST[:PORT][/PATH]", url, why));
}

bool ValidHostName(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

bool ValidIpv6(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
         });
}

// Splits "host[:port]" or "[v6][:port]"; false when the shape is wrong.
bool SplitAuthority(std::string_view authority, std::string_view& host, std::string_view& port) {
  size_t host_end = 0;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    if (!ValidIpv6(host)) return false;
    host_end = close + 1;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
    host = authority.substr(0, host_end);
    if (!ValidHostName(host)) return false;
  }
  std::string_view rest = authority.substr(host_end);
  if (rest.empty()) return true;
  if (!rest.starts_with(':')) return false;
  port = rest.substr(1);
  return true;
}

bool ValidPort(std::string_view port) {
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

}  // namespace

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (StartsWithNoCase(url, kHttps)) {
    return Status::InvalidArgument(
        fmt::format("webhook URL \"{}\" uses https, which is not supported yet; use an http:// URL "
                    "(for example through a local TLS-terminating proxy)",
                    url));
  }
  if (!StartsWithNoCase(url, kHttp)) return Malformed(url, "it must start with http://");
  if (std::any_of(url.begin(), url.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return Malformed(url, "it contains spaces or control characters");
  }
  std::string_view rest = url.substr(kHttp.size());
  size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    // Never echo the credentials, not even in the error.
    std::string shown = fmt::format("http://***@{}", rest.substr(at + 1));
    return Malformed(shown, "credentials (user:password@) are not allowed in webhook URLs");
  }
  if (rest.find('#') != std::string_view::npos) return Malformed(url, "it has a #fragment");
  std::string_view host, port = "80";
  if (!SplitAuthority(authority, host, port)) return Malformed(url, "the host is missing or bad");
  if (!ValidPort(port)) return Malformed(url, "the port must be a number from 1 to 65535");

  WebhookUrl parsed;
  parsed.text = std::string(url);
  parsed.host = std::string(host);
  parsed.port = std::string(port);
  std::string_view target = rest.substr(authority_end);
  parsed.target = target.starts_with('/') ? std::string(target) : "/" + std::string(target);
  std::string bracketed =
      host.find(':') != std::string_view::npos ? fmt::format("[{}]", host) : std::string(host);
  parsed.host_header = port == "80" ? bracketed : fmt::format("{}:{}", bracketed, port);
  return parsed;
}

}  // namespace metrify::alerts
