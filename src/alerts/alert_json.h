// An alert as JSON: the object the API answers (GET /api/v1/alerts/{id})
// and webhooks deliver (docs/alerts.md "The alert object").
#pragma once

#include <string>

#include "alerts/alert.h"
#include "common/json_writer.h"

namespace metrify::alerts {

// Writes `alert` as one JSON object: times RFC 3339 UTC, value null when
// unknown, acknowledged/resolved null until they happen.
void WriteAlert(JsonWriter& w, const Alert& alert);
std::string AlertJson(const Alert& alert);

}  // namespace metrify::alerts
