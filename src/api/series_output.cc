#include "api/series_output.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <cmath>

#include "api/responses.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "parse/field_table.h"

namespace metrify::api {

namespace {

using Fields = std::vector<int>;

Fields SelectedFields(model::SeriesKind kind, uint16_t mask) {
  Fields out;
  for (int f = 0; f < static_cast<int>(model::SeriesFields(kind).size()); ++f) {
    if ((mask >> f) & 1u) out.push_back(f);
  }
  return out;
}

std::string_view FieldName(model::SeriesKind kind, int f) {
  return model::SeriesFields(kind)[f].name;
}

// "2025-03-30T03:00:00+02:00": the bucket's start on the zone's wall clock.
std::string LocalTime(int64_t ms, const date::time_zone* tz) {
  const auto instant = date::sys_seconds{std::chrono::seconds{ms / 1000}};
  const date::sys_info info = tz->get_info(instant);
  std::string text = date::format("%FT%T", instant + info.offset);
  const int offset_min = static_cast<int>(info.offset.count() / 60);
  fmt::format_to(std::back_inserter(text), "{}{:02}:{:02}", offset_min < 0 ? '-' : '+',
                 std::abs(offset_min) / 60, std::abs(offset_min) % 60);
  return text;
}

void Envelope(JsonWriter& w, const SeriesSubject& s, const SeriesParams& p) {
  w.Key(parse::EntityKey(s.kind)).String(s.entity_id);
  w.Key("start").String(FormatRfc3339(p.start_ms));
  w.Key("end").String(FormatRfc3339(p.end_ms));
  w.Key("interval").String(query::IntervalName(p.interval));
  w.Key("tz").String(p.tz_name);
  if (!p.version.empty()) w.Key("version").String(p.version);
  w.Key("fields").BeginArray();
  for (int f : SelectedFields(s.kind, p.fields)) w.String(FieldName(s.kind, f));
  w.EndArray();
}

std::string CsvNumber(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }

http::HttpResponse Csv(std::string body) {
  http::HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(body);
  return r;
}

void AppendCsvNames(std::string& out, const ExtraColumns* extra) {
  if (!extra) return;
  for (std::string_view name : extra->csv_names)
    fmt::format_to(std::back_inserter(out), ",{}", name);
}

}  // namespace

double RoundForDisplay(double value) {
  if (!std::isfinite(value) || std::abs(value) >= 1e9) return value;
  return std::round(value * 1e9) / 1e9;
}

http::HttpResponse RawResponse(const SeriesSubject& s, const SeriesParams& p,
                               std::span<const query::Point> points, const ExtraColumns* extra) {
  const Fields fields = SelectedFields(s.kind, p.fields);
  if (p.csv) {
    std::string out = "timestamp,interval_s";
    for (int f : fields) fmt::format_to(std::back_inserter(out), ",{}", FieldName(s.kind, f));
    AppendCsvNames(out, extra);
    out += '\n';
    for (size_t i = 0; i < points.size(); ++i) {
      const query::Point& pt = points[i];
      out += FormatRfc3339(pt.timestamp_ms);
      fmt::format_to(std::back_inserter(out), ",{}", pt.interval_s);
      for (int f : fields) out += "," + CsvNumber(pt.values[f]);
      if (extra) extra->csv(i, out);
      out += '\n';
    }
    return Csv(std::move(out));
  }
  JsonWriter w;
  w.BeginObject();
  Envelope(w, s, p);
  w.Key("count").Int(static_cast<int64_t>(points.size()));
  w.Key(s.list_key).BeginArray();
  for (size_t i = 0; i < points.size(); ++i) {
    const query::Point& pt = points[i];
    w.BeginObject();
    w.Key("timestamp").String(FormatRfc3339(pt.timestamp_ms));
    if (pt.interval_s != 0) w.Key("interval_s").Int(pt.interval_s);
    for (int f : fields) {
      if ((pt.present >> f) & 1u) w.Key(FieldName(s.kind, f)).Number(pt.values[f]);
    }
    if (extra) extra->json(i, w);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

http::HttpResponse BucketResponse(const SeriesSubject& s, const SeriesParams& p,
                                  std::span<const query::BucketValue> buckets,
                                  const ExtraColumns* extra) {
  const Fields fields = SelectedFields(s.kind, p.fields);
  if (p.csv) {
    std::string out = "start,end,count,expected";
    for (int f : fields) fmt::format_to(std::back_inserter(out), ",{}", FieldName(s.kind, f));
    AppendCsvNames(out, extra);
    out += '\n';
    for (size_t i = 0; i < buckets.size(); ++i) {
      const query::BucketValue& b = buckets[i];
      fmt::format_to(std::back_inserter(out), "{},{},{},{}", FormatRfc3339(b.start_ms),
                     FormatRfc3339(b.end_ms), b.count, b.expected);
      for (int f : fields) out += "," + CsvNumber(RoundForDisplay(b.values[f]));
      if (extra) extra->csv(i, out);
      out += '\n';
    }
    return Csv(std::move(out));
  }
  JsonWriter w;
  w.BeginObject();
  Envelope(w, s, p);
  w.Key("agg").BeginObject();
  for (int f : fields) {
    w.Key(FieldName(s.kind, f)).String(query::AggName(p.agg.value_or(FieldAgg(s.kind, f))));
  }
  w.EndObject();
  w.Key("buckets").BeginArray();
  for (size_t i = 0; i < buckets.size(); ++i) {
    const query::BucketValue& b = buckets[i];
    w.BeginObject();
    w.Key("start").String(FormatRfc3339(b.start_ms));
    w.Key("end").String(FormatRfc3339(b.end_ms));
    w.Key("start_local").String(LocalTime(b.start_ms, p.tz));
    w.Key("count").Int(b.count);
    w.Key("expected").Int(b.expected);
    // A field with no value in the bucket is null: a gap, never a zero.
    for (int f : fields) w.Key(FieldName(s.kind, f)).Number(RoundForDisplay(b.values[f]));
    if (extra) extra->json(i, w);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

}  // namespace metrify::api
