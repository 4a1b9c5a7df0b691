#include "alerts/alert_json.h"

#include <cmath>

#include "common/time.h"

namespace metrify::alerts {

namespace {

// {"by": ..., "at": ..., "note": ...} or null when it has not happened.
void WriteStep(JsonWriter& w, std::string_view key, const std::string& by, int64_t at_ms,
               const std::string& note) {
  w.Key(key);
  if (at_ms == 0) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("by").String(by);
  w.Key("at").String(FormatRfc3339(at_ms));
  w.Key("note").String(note);
  w.EndObject();
}

}  // namespace

void WriteAlert(JsonWriter& w, const Alert& a) {
  w.BeginObject();
  w.Key("id").Int(a.id);
  w.Key("type").String(a.type);
  w.Key("rule").String(a.rule);
  w.Key("severity").String(SeverityName(a.severity));
  w.Key("state").String(StateName(a.state));
  w.Key("source_kind").String(SourceKindName(a.source_kind));
  w.Key("source_id").String(a.source_id);
  w.Key("message").String(a.message);
  w.Key("value");
  if (std::isfinite(a.value)) {
    w.Number(a.value);
  } else {
    w.Null();
  }
  w.Key("first_seen").String(FormatRfc3339(a.first_seen_ms));
  w.Key("last_seen").String(FormatRfc3339(a.last_seen_ms));
  w.Key("count").Int(a.count);
  w.Key("created_at").String(FormatRfc3339(a.created_at_ms));
  w.Key("updated_at").String(FormatRfc3339(a.updated_at_ms));
  WriteStep(w, "acknowledged", a.acknowledged_by, a.acknowledged_at_ms, a.acknowledge_note);
  WriteStep(w, "resolved", a.resolved_by, a.resolved_at_ms, a.resolve_note);
  w.EndObject();
}

std::string AlertJson(const Alert& alert) {
  JsonWriter w;
  WriteAlert(w, alert);
  return w.Take();
}

}  // namespace metrify::alerts
