#include "queue/alert_report.h"

#include <simdjson.h>

#include <cmath>
#include <map>
#include <utility>

#include "common/json_writer.h"

namespace metrify::queue {

namespace {

using simdjson::dom::element;

Status Bad(std::string_view what) {
  return Status::InvalidArgument("alert report: " + std::string(what));
}

Result<std::string> Text(element object, const char* key, std::string_view where) {
  std::string_view text;
  if (object[key].get(text) != simdjson::SUCCESS) {
    return Bad(std::string(where) + key + " must be a string");
  }
  return std::string(text);
}

Result<int64_t> At(element object, std::string_view where) {
  int64_t at = 0;
  if (object["at"].get(at) != simdjson::SUCCESS) {
    return Bad(std::string(where) + "at must be epoch milliseconds");
  }
  return at;
}

Result<alerts::Finding> FindingOf(element f, const AlertReport& report, size_t i) {
  const std::string where = "findings[" + std::to_string(i) + "].";
  if (!f.is_object()) return Bad(where.substr(0, where.size() - 1) + " must be an object");
  alerts::Finding finding;
  finding.source_kind = report.source_kind;
  finding.source_id = report.source_id;
  METRIFY_ASSIGN_OR_RETURN(finding.type, Text(f, "type", where));
  METRIFY_ASSIGN_OR_RETURN(finding.rule, Text(f, "rule", where));
  if (finding.rule.empty()) return Bad(where + "rule must not be empty");
  METRIFY_ASSIGN_OR_RETURN(std::string severity, Text(f, "severity", where));
  std::optional<alerts::Severity> parsed = alerts::ParseSeverity(severity);
  if (!parsed) return Bad(where + "severity: unknown \"" + severity + "\"");
  finding.severity = *parsed;
  METRIFY_ASSIGN_OR_RETURN(finding.message, Text(f, "message", where));
  METRIFY_ASSIGN_OR_RETURN(finding.at_ms, At(f, where));
  if (element value; f["value"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    if (value.get(finding.value) != simdjson::SUCCESS) return Bad(where + "value must be a number");
  }
  return finding;
}

Result<alerts::Clear> ClearOf(element c, const AlertReport& report, size_t i) {
  const std::string where = "clears[" + std::to_string(i) + "].";
  if (!c.is_object()) return Bad(where.substr(0, where.size() - 1) + " must be an object");
  alerts::Clear clear;
  clear.source_kind = report.source_kind;
  clear.source_id = report.source_id;
  METRIFY_ASSIGN_OR_RETURN(clear.rule, Text(c, "rule", where));
  if (clear.rule.empty()) return Bad(where + "rule must not be empty");
  METRIFY_ASSIGN_OR_RETURN(clear.at_ms, At(c, where));
  return clear;
}

}  // namespace

std::string EncodeAlertReport(const AlertReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("source_kind").String(alerts::SourceKindName(report.source_kind));
  w.Key("source_id").String(report.source_id);
  w.Key("findings").BeginArray();
  for (const alerts::Finding& f : report.findings) {
    w.BeginObject();
    w.Key("type").String(f.type);
    w.Key("rule").String(f.rule);
    w.Key("severity").String(alerts::SeverityName(f.severity));
    w.Key("message").String(f.message);
    w.Key("at").Int(f.at_ms);
    if (std::isfinite(f.value)) w.Key("value").Number(f.value);
    w.EndObject();
  }
  w.EndArray();
  w.Key("clears").BeginArray();
  for (const alerts::Clear& c : report.clears) {
    w.BeginObject().Key("rule").String(c.rule).Key("at").Int(c.at_ms).EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Result<AlertReport> DecodeAlertReport(std::string_view payload_json) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(payload_json.data(), payload_json.size()).get(root) != simdjson::SUCCESS ||
      !root.is_object()) {
    return Bad("not a JSON object");
  }
  AlertReport report;
  METRIFY_ASSIGN_OR_RETURN(std::string kind, Text(root, "source_kind", ""));
  std::optional<alerts::SourceKind> parsed = alerts::ParseSourceKind(kind);
  if (!parsed) return Bad("source_kind: unknown \"" + kind + "\"");
  report.source_kind = *parsed;
  METRIFY_ASSIGN_OR_RETURN(report.source_id, Text(root, "source_id", ""));
  if (report.source_id.empty()) return Bad("source_id must not be empty");
  simdjson::dom::array findings, clears;
  if (root["findings"].get(findings) != simdjson::SUCCESS) return Bad("findings must be an array");
  if (root["clears"].get(clears) != simdjson::SUCCESS) return Bad("clears must be an array");
  for (element f : findings) {
    METRIFY_ASSIGN_OR_RETURN(alerts::Finding finding, FindingOf(f, report, report.findings.size()));
    report.findings.push_back(std::move(finding));
  }
  for (element c : clears) {
    METRIFY_ASSIGN_OR_RETURN(alerts::Clear clear, ClearOf(c, report, report.clears.size()));
    report.clears.push_back(std::move(clear));
  }
  return report;
}

std::vector<AlertReport> GroupBySource(std::span<const alerts::Finding> findings,
                                       std::span<const alerts::Clear> clears) {
  std::vector<AlertReport> reports;
  std::map<std::pair<alerts::SourceKind, std::string_view>, size_t> index;
  auto of = [&](alerts::SourceKind kind, const std::string& id) -> AlertReport& {
    auto [it, added] = index.try_emplace({kind, id}, reports.size());
    if (added) reports.push_back(AlertReport{kind, id, {}, {}});
    return reports[it->second];
  };
  for (const alerts::Finding& f : findings) of(f.source_kind, f.source_id).findings.push_back(f);
  for (const alerts::Clear& c : clears) of(c.source_kind, c.source_id).clears.push_back(c);
  return reports;
}

}  // namespace metrify::queue
