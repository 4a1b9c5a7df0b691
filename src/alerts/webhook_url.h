// The webhook URL accepted by WebhookNotifier (alerts/webhook.h): plain
// http only, parsed once at construction so a typo fails at start-up rather
// than at the first alert.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::alerts {

struct WebhookUrl {
  std::string text;         // the URL as configured, for dead letters and logs
  std::string host;         // name or address to connect to; IPv6 without brackets
  std::string port;         // decimal, "80" when the URL names none
  std::string target;       // path and query sent on the request line, "/" at least
  std::string host_header;  // the Host header: host, ":port" unless 80
};

// Parses "http://HOST[:PORT][/PATH][?QUERY]". HOST is a name, an IPv4
// address or a bracketed IPv6 address; PORT is 1-65535.
// Errors (InvalidArgument, the message naming the URL): https (not
// supported yet), any other scheme, user:password@ (credentials would end up
// in dead letters and logs; the message shows them as ***), a #fragment,
// spaces or control characters, an empty or malformed host, a bad port.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

}  // namespace metrify::alerts
