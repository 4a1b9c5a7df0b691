// Manual edits of meter readings and their audit trail (series_routes.h,
// docs/vee.md "Editing").
#include <fmt/format.h>

#include <cmath>

#include "api/json_body.h"
#include "api/responses.h"
#include "api/series_routes.h"
#include "api/validated_reads.h"
#include "common/time.h"
#include "parse/timestamp.h"

namespace metrify::api {

namespace {

using http::HttpRequest;
using http::HttpResponse;
constexpr auto kReading = model::SeriesKind::kReading;

// The body of PUT .../readings/{timestamp}: what is set, by whom, why.
struct EditBody {
  double energy_kwh = NAN, register_kwh = NAN;
  std::string reason, edited_by;
};

std::optional<double> NumberOf(const model::FieldValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return std::nullopt;
}

void ReadKwh(const std::string& name, const model::FieldValue& v, double* out,
             std::vector<StatusDetail>* errors) {
  const std::optional<double> n = NumberOf(v);
  if (!n || !std::isfinite(*n) || *n < 0) {
    errors->push_back({name, "invalid_value", name + " must be a number >= 0 (kWh)"});
    return;
  }
  *out = *n;
}

void ReadText(const std::string& name, const model::FieldValue& v, std::string* out,
              std::vector<StatusDetail>* errors) {
  const std::string* s = std::get_if<std::string>(&v);
  if (!s || s->find_first_not_of(" \t") == std::string::npos) {
    errors->push_back({name, "required", name + " must be a non-empty string"});
    return;
  }
  *out = *s;
}

Result<EditBody> ReadEditBody(const model::FieldValues& values) {
  EditBody body;
  std::vector<StatusDetail> errors;
  for (const auto& [name, value] : values) {
    if (name == "energy_kwh") {
      ReadKwh(name, value, &body.energy_kwh, &errors);
    } else if (name == "register_kwh") {
      ReadKwh(name, value, &body.register_kwh, &errors);
    } else if (name == "reason") {
      ReadText(name, value, &body.reason, &errors);
    } else if (name == "edited_by") {
      ReadText(name, value, &body.edited_by, &errors);
    } else {
      errors.push_back({name, "unknown_field",
                        fmt::format("\"{}\" is not a field of an edit; known: energy_kwh, "
                                    "register_kwh, reason, edited_by",
                                    name)});
    }
  }
  auto given = [&](std::string_view name) {
    for (const auto& [n, v] : values) {
      if (n == name) return true;
    }
    return false;
  };
  for (std::string_view name : {"reason", "edited_by"}) {
    if (!given(name)) {
      errors.push_back({std::string(name), "required", fmt::format("{} is required", name)});
    }
  }
  if (!given("energy_kwh") && !given("register_kwh")) {
    errors.push_back({"energy_kwh", "required", "an edit sets energy_kwh, register_kwh or both"});
  }
  if (!errors.empty()) return Status::InvalidFields(std::move(errors));
  return body;
}

// The timestamp in the path: an interval end on the meter's grid, not in
// the future.
Result<int64_t> ReadEditTimestamp(std::string_view text) {
  int64_t ms = 0;
  if (parse::ParseTimestamp(text, &ms) != parse::TimestampError::kNone) {
    return Status::InvalidFields(
        {{"timestamp", "invalid_timestamp",
          fmt::format("timestamp must be RFC 3339 with an offset or epoch milliseconds, got "
                      "\"{}\"",
                      text)}});
  }
  const int64_t step = int64_t{vee::MeterInfo().interval_s} * 1000;
  if (FloorToMultiple(ms, step) != ms) {
    return Status::InvalidFields(
        {{"timestamp", "misaligned",
          fmt::format("timestamp {} is not an interval end (multiples of {} s)", FormatRfc3339(ms),
                      step / 1000)}});
  }
  if (ms > NowMillis()) {
    return Status::InvalidFields(
        {{"timestamp", "future", fmt::format("timestamp {} is in the future", FormatRfc3339(ms))}});
  }
  return ms;
}

void WriteRecord(JsonWriter& w, const vee::EditRecord& r) {
  auto number = [&](std::string_view key, double v) {
    if (std::isnan(v)) {
      w.Key(key).Null();
    } else {
      w.Key(key).Number(v);
    }
  };
  w.BeginObject();
  w.Key("seq").Int(r.seq);
  w.Key("meter_id").String(r.meter_id);
  w.Key("timestamp").String(FormatRfc3339(r.timestamp_ms));
  number("energy_kwh", r.energy_kwh);
  number("register_kwh", r.register_kwh);
  w.Key("old").BeginObject();
  w.Key("status").String(r.old_status);
  number("energy_kwh", r.old_energy_kwh);
  number("register_kwh", r.old_register_kwh);
  w.EndObject();
  w.Key("reason").String(r.reason);
  w.Key("edited_by").String(r.edited_by);
  w.Key("edited_at").String(FormatRfc3339(r.edited_at_ms));
  if (!r.request_id.empty()) w.Key("request_id").String(r.request_id);
  w.EndObject();
}

struct MeterRef {
  model::Meter meter;
  uint32_t key = 0;
};

Result<MeterRef> FindMeter(SeriesBackend& backend, const std::string& id) {
  METRIFY_ASSIGN_OR_RETURN(model::Meter meter, backend.registry.Get<model::Meter>(id));
  METRIFY_ASSIGN_OR_RETURN(std::optional<uint32_t> key, backend.keys.Find(kReading, id));
  if (!key) return Status::NotFound(fmt::format("smart meter \"{}\" not found", id));
  return MeterRef{std::move(meter), *key};
}

HttpResponse PutEdit(SeriesBackend& backend, HttpRequest& request, const PathParams& path) {
  Result<MeterRef> ref = FindMeter(backend, path.Get("id"));
  if (!ref) return ErrorFromStatus(ref.error());
  Result<int64_t> timestamp = ReadEditTimestamp(path.Get("timestamp"));
  if (!timestamp) return ErrorFromStatus(timestamp.error());
  model::FieldValues values;
  if (auto error = ParseJsonObject(request.body, &values)) return *error;
  Result<EditBody> body = ReadEditBody(values);
  if (!body) return ErrorFromStatus(body.error());

  // What the validated view showed before, for the audit trail.
  Result<std::vector<vee::ValidatedPoint>> before =
      ReadValidatedMeter(backend, ref->meter, ref->key, *timestamp, *timestamp + 1);
  if (!before) return ErrorFromStatus(before.error());
  vee::EditRecord edit;
  edit.meter_key = ref->key;
  edit.meter_id = ref->meter.id;
  edit.timestamp_ms = *timestamp;
  edit.energy_kwh = body->energy_kwh;
  edit.register_kwh = body->register_kwh;
  edit.old_status = "MISSING";
  if (!before->empty()) {
    const vee::ValidatedInterval& old = before->front().row;
    edit.old_status = std::string(vee::ValueStatusName(old.status));
    edit.old_energy_kwh = old.energy_kwh;
    edit.old_register_kwh = old.register_kwh;
  }
  edit.reason = body->reason;
  edit.edited_by = body->edited_by;
  edit.request_id = request.request_id;
  Result<vee::EditRecord> recorded = backend.edits->Record(std::move(edit));
  if (!recorded) return ErrorFromStatus(recorded.error());
  // Neighbouring estimates may lean on the edited value: validate its day again.
  if (backend.reopen) {
    if (Status reopened = backend.reopen(ref->key, ref->meter.id, *timestamp); !reopened.ok()) {
      return ErrorFromStatus(reopened);
    }
  }

  Result<std::vector<vee::ValidatedPoint>> after =
      ReadValidatedMeter(backend, ref->meter, ref->key, *timestamp, *timestamp + 1);
  if (!after) return ErrorFromStatus(after.error());
  JsonWriter w;
  w.BeginObject();
  w.Key("edit");
  WriteRecord(w, *recorded);
  if (!after->empty()) {
    const vee::ValidatedPoint& p = after->front();
    w.Key("reading").BeginObject();
    w.Key("timestamp").String(FormatRfc3339(p.point.timestamp_ms));
    if (!std::isnan(p.row.energy_kwh)) w.Key("energy_kwh").Number(p.row.energy_kwh);
    if (!std::isnan(p.row.register_kwh)) w.Key("register_kwh").Number(p.row.register_kwh);
    WriteVerdict(w, p);
    w.EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w.Take());
}

HttpResponse ListEdits(SeriesBackend& backend, HttpRequest& request, const PathParams& path) {
  Result<MeterRef> ref = FindMeter(backend, path.Get("id"));
  if (!ref) return ErrorFromStatus(ref.error());
  Result<SeriesParams> params = ReadSeriesParams(request, kReading, "UTC");
  if (!params) return ErrorFromStatus(params.error());
  // Without a range: the whole trail.
  const int64_t start = request.QueryParam("start") ? params->start_ms : INT64_MIN;
  const int64_t end = request.QueryParam("end") ? params->end_ms : INT64_MAX;
  Result<std::vector<vee::EditRecord>> edits = backend.edits->History(ref->key, start, end);
  if (!edits) return ErrorFromStatus(edits.error());
  JsonWriter w;
  w.BeginObject();
  w.Key("meter_id").String(ref->meter.id);
  w.Key("count").Int(static_cast<int64_t>(edits->size()));
  w.Key("edits").BeginArray();
  for (const vee::EditRecord& r : *edits) WriteRecord(w, r);
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace

void AddEditRoutes(Router& router, SeriesBackend& backend) {
  // Without an edit log (a server assembled without one) the routes exist
  // and say so.
  auto guarded = [&backend](auto handler) {
    return [&backend, handler](HttpRequest& request, const PathParams& path) {
      if (backend.edits == nullptr) {
        return http::MakeErrorResponse(503, "unavailable", "editing is not available here");
      }
      return handler(backend, request, path);
    };
  };
  router.Add("PUT", "/api/v1/smart-meters/{id}/readings/{timestamp}", guarded(PutEdit));
  router.Add("GET", "/api/v1/smart-meters/{id}/edits", guarded(ListEdits));
}

}  // namespace metrify::api
