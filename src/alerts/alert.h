// The vocabulary of detection and alerts (DESIGN.md §3, docs/alerts.md):
// a *finding* is what a detector saw in the data (a meter at 258 V at
// 18:15); an *alert* is what people are told, one per (source, rule) while
// it is open: repeats of a finding update it instead of adding alerts.
//
// Times: first_seen/last_seen and a finding's at_ms are DATA time (the
// timestamp of the sample that showed the condition), so a backfill's
// alerts say when the condition happened; created/acknowledged/resolved
// times are wall-clock times of the platform.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace metrify::alerts {

enum class Severity { kInfo, kWarning, kCritical };
enum class AlertState { kOpen, kAcknowledged, kResolved };
// What an alert is about: a meter, a grid operator or a weather station.
enum class SourceKind { kMeter, kGridOperator, kWeatherStation };

// Wire names: INFO/WARNING/CRITICAL, OPEN/ACKNOWLEDGED/RESOLVED,
// meter/grid_operator/weather_station. Parsing is case-insensitive.
std::string_view SeverityName(Severity s);
std::string_view StateName(AlertState s);
std::string_view SourceKindName(SourceKind k);
std::optional<Severity> ParseSeverity(std::string_view text);
std::optional<AlertState> ParseState(std::string_view text);
std::optional<SourceKind> ParseSourceKind(std::string_view text);

// One detector's observation. `rule` names the detector's rule (the id in
// config/alert-rules.yaml, e.g. "voltage_high"); `type` the family the
// analytics group by ("meter_rule", "consumption", "no_data",
// "meter_fault", "grid", "weather").
struct Finding {
  std::string type;
  std::string rule;
  Severity severity = Severity::kWarning;
  SourceKind source_kind = SourceKind::kMeter;
  std::string source_id;
  std::string message;  // for people: what, how much, against which limit
  int64_t at_ms = 0;    // data time of the sample that showed it
  double value = NAN;   // the measured value behind it, if one
};

struct Alert {
  int64_t id = 0;
  std::string type;
  std::string rule;
  Severity severity = Severity::kWarning;  // the highest seen while open
  SourceKind source_kind = SourceKind::kMeter;
  std::string source_id;
  std::string message;  // the newest finding's
  int64_t first_seen_ms = 0, last_seen_ms = 0;
  int64_t count = 0;   // findings folded into this alert
  double value = NAN;  // the newest finding's
  AlertState state = AlertState::kOpen;
  int64_t created_at_ms = 0, updated_at_ms = 0;
  // Who acknowledged or resolved it, when, and their note; empty/0 if not.
  std::string acknowledged_by, acknowledge_note;
  int64_t acknowledged_at_ms = 0;
  std::string resolved_by, resolve_note;
  int64_t resolved_at_ms = 0;
};

// A webhook delivery given up on (alerts/webhook.h), kept by the alert
// store (alerts/alert_store.h).
struct DeadLetter {
  int64_t alert_id = 0;
  std::string event;         // "alert.opened", ...
  std::string url;           // the receiver, as configured
  int attempts = 0;          // attempts made; 0 when never tried
  std::string last_error;    // "HTTP 503", "timed out after 5000 ms", "queue full",
                             // "shutdown", "shutdown: HTTP 500", ...
  std::string payload;       // the JSON body that was to be sent
  int64_t failed_at_ms = 0;  // wall-clock epoch ms when it was given up
};

}  // namespace metrify::alerts
