// Request ids: the token that ties a request's response (X-Request-ID) to its
// log lines. A client may bring its own; otherwise the server makes one.
#pragma once

#include <string>
#include <string_view>

namespace metrify::http {

// True when `id` matches [A-Za-z0-9._:-]{1,64}: safe to echo in a header and
// to print in a log line.
bool IsValidRequestId(std::string_view id);

// 16 lower-case hex digits from a per-thread PRNG. Unique enough to find a
// request in the logs; not a secret and not a security token. Thread-safe.
std::string NewRequestId();

// The client's id when IsValidRequestId() accepts it, else NewRequestId().
std::string ChooseRequestId(std::string_view client_id);

}  // namespace metrify::http
