// `metrify alerts list|get|ack|resolve`: the alerts of detection through the
// REST API of a running server (docs/api.md "Alerts", docs/alerts.md): a
// table of the filtered page, one alert, and a person's steps of the
// lifecycle (OPEN -> ACKNOWLEDGED -> RESOLVED).
#include <simdjson.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/table.h"
#include "common/json_writer.h"

namespace metrify::cli {

namespace {

using simdjson::dom::element;

struct AlertsOptions {
  std::string server;
  bool json = false;
  // list
  std::string state, severity, source, type, rule, since;
  int64_t page = 1, page_size = 100;
  // get, ack, resolve
  int64_t id = 0;
  std::string by, note;
};

std::string Text(element e) {
  std::string_view s;
  return e.get(s) ? CellText(e) : std::string(s);
}

element ParseOrFail(simdjson::dom::parser& parser, const std::string& body) {
  element doc;
  if (parser.parse(body).get(doc)) Fail(kExitInternal, "server sent invalid JSON");
  return doc;
}

void PrintBody(const std::string& body) { std::cout << body << (body.ends_with('\n') ? "" : "\n"); }

// One table row: the alert's cells, the source as "kind:id".
void AddAlertRow(Table& table, element alert) {
  JsonWriter w;
  w.BeginObject();
  for (const char* key : {"id", "severity", "state", "type", "rule", "count", "last_seen"}) {
    w.Key(key).String(Text(alert[key]));
  }
  w.Key("source").String(Text(alert["source_kind"]) + ":" + Text(alert["source_id"]));
  w.Key("message").String(Text(alert["message"]));
  w.EndObject();
  simdjson::dom::parser parser;
  table.AddItem(ParseOrFail(parser, w.str()));
}

std::string ListTarget(const AlertsOptions& o) {
  std::string target = fmt::format("/api/v1/alerts?page={}&page_size={}", o.page, o.page_size);
  const std::pair<const char*, const std::string*> params[] = {
      {"state", &o.state}, {"severity", &o.severity}, {"source", &o.source},
      {"type", &o.type},   {"rule", &o.rule},         {"since", &o.since}};
  for (const auto& [name, value] : params) {
    if (!value->empty()) target += fmt::format("&{}={}", name, UrlEncode(*value));
  }
  return target;
}

void RunList(const AlertsOptions& o) {
  auto client = ConnectOrFail(o.server);
  http::ClientResponse response = SendOrFail(*client, "GET", ListTarget(o));
  if (o.json) return PrintBody(response.body);
  simdjson::dom::parser parser;
  element doc = ParseOrFail(parser, response.body);
  simdjson::dom::array items;
  if (doc["items"].get(items)) Fail(kExitInternal, "unexpected answer: no items");
  Table table(
      {"id", "severity", "state", "type", "rule", "source", "count", "last_seen", "message"});
  for (element alert : items) AddAlertRow(table, alert);
  table.Print(std::cout);
  const int64_t total = doc["total_count"].get_int64().value_unsafe();
  const int64_t page = doc["page"].get_int64().value_unsafe();
  const bool has_next = doc["has_next"].get_bool().value_unsafe();
  std::cout << fmt::format("{} of {} alerts (page {}{})\n", table.size(), total, page,
                           has_next ? "; more with --page " + std::to_string(page + 1) : "");
}

// An alert as "name: value" lines; the steps taken as their own lines.
void PrintAlert(element alert) {
  simdjson::dom::object object;
  if (alert.get(object)) return;
  for (auto [key, value] : object) {
    if (value.is_null()) continue;
    simdjson::dom::object step;
    if (!value.get(step)) {
      std::string note = Text(value["note"]);
      std::cout << fmt::format("{}: by {} at {}{}\n", key, Text(value["by"]), Text(value["at"]),
                               note.empty() ? "" : " (" + note + ")");
      continue;
    }
    std::cout << key << ": " << CellText(value) << "\n";
  }
}

void RunGet(const AlertsOptions& o) {
  auto client = ConnectOrFail(o.server);
  http::ClientResponse response =
      SendOrFail(*client, "GET", fmt::format("/api/v1/alerts/{}", o.id));
  if (o.json) return PrintBody(response.body);
  simdjson::dom::parser parser;
  PrintAlert(ParseOrFail(parser, response.body));
}

void RunStep(const AlertsOptions& o, std::string_view step) {
  auto client = ConnectOrFail(o.server);
  JsonWriter w;
  w.BeginObject().Key("by").String(o.by);
  if (!o.note.empty()) w.Key("note").String(o.note);
  w.EndObject();
  http::ClientResponse response =
      SendOrFail(*client, "POST", fmt::format("/api/v1/alerts/{}/{}", o.id, step), w.Take(),
                 "application/json");
  if (o.json) return PrintBody(response.body);
  simdjson::dom::parser parser;
  element alert = ParseOrFail(parser, response.body);
  std::cout << fmt::format("alert {} is {} ({} {} of {}:{})\n", Text(alert["id"]),
                           Text(alert["state"]), Text(alert["severity"]), Text(alert["rule"]),
                           Text(alert["source_kind"]), Text(alert["source_id"]));
}

constexpr const char* kListFooter =
    R"(Alerts come from detection (docs/alerts.md): one per source and rule while
it is open; repeats raise its count. Newest last_seen (data time) first.

--source is a kind (meter, grid_operator, weather_station) or kind:id
(meter:SM000123). --since is RFC 3339 with an offset or epoch ms: alerts last
seen at or after it. --state and --severity ignore case.

Examples:
  metrify alerts list --state open --severity critical
  metrify alerts list --source meter:SM000123 --since 2026-03-01T00:00:00Z
  metrify alerts list --type meter_rule --rule voltage_high --json

Exit codes: 0 ok; 2 usage; 5 the server refused a parameter (422, each
problem printed); 6 server unreachable or alerts not enabled; 7 internal error.)";

constexpr const char* kStepFooter =
    R"(The lifecycle: OPEN -> ACKNOWLEDGED -> RESOLVED; an OPEN alert may also be
resolved at once. The server tells the webhooks, and resolving a meter's last
critical fault sets the meter ACTIVE again (docs/alerts.md).

Exit codes: 0 done; 2 usage; 3 no such alert; 4 the alert is not in a state
that allows the step (e.g. already resolved; the message names its state);
5 the server refused the body; 6 server unreachable or alerts not enabled;
7 internal error.)";

}  // namespace

void AddAlertsCommand(CLI::App& app) {
  CLI::App* alerts = app.add_subcommand("alerts",
                                        "Alerts of detection: list, show, acknowledge, "
                                        "resolve");
  alerts->require_subcommand(1);
  auto o = std::make_shared<AlertsOptions>();

  CLI::App* list = alerts->add_subcommand("list", "List alerts, filtered and paged");
  list->add_option("--state", o->state, "OPEN, ACKNOWLEDGED or RESOLVED")
      ->check(CLI::IsMember({"OPEN", "ACKNOWLEDGED", "RESOLVED"}, CLI::ignore_case));
  list->add_option("--severity", o->severity, "INFO, WARNING or CRITICAL")
      ->check(CLI::IsMember({"INFO", "WARNING", "CRITICAL"}, CLI::ignore_case));
  list->add_option("--source", o->source,
                   "meter, grid_operator, weather_station, or kind:id (meter:SM000123)");
  list->add_option("--type", o->type,
                   "meter_rule, consumption, no_data, meter_fault, grid or weather");
  list->add_option("--rule", o->rule, "The detection rule (voltage_high, ...)");
  list->add_option("--since", o->since, "Last seen at or after (RFC 3339 or epoch ms)");
  list->add_option("--page", o->page, "Page number, from 1")->check(CLI::PositiveNumber);
  list->add_option("--page-size", o->page_size, "Alerts per page, 1 to 1000")
      ->check(CLI::Range(1, 1000));
  list->add_flag("--json", o->json, "Print the server's JSON");
  AddServerOption(*list, &o->server);
  list->footer(kListFooter);
  list->callback([o] { RunList(*o); });

  CLI::App* get = alerts->add_subcommand("get", "Show one alert");
  get->add_option("id", o->id, "The alert's id")->required()->check(CLI::PositiveNumber);
  get->add_flag("--json", o->json, "Print the server's JSON");
  AddServerOption(*get, &o->server);
  get->callback([o] { RunGet(*o); });

  const std::pair<const char*, const char*> steps[] = {
      {"ack", "Acknowledge an OPEN alert: someone is on it"},
      {"resolve", "Resolve an OPEN or ACKNOWLEDGED alert"}};
  for (const auto& [name, help] : steps) {
    CLI::App* step = alerts->add_subcommand(name, help);
    if (std::string_view(name) == "ack") step->alias("acknowledge");
    step->add_option("id", o->id, "The alert's id")->required()->check(CLI::PositiveNumber);
    step->add_option("--by", o->by, "Who takes the step")->required();
    step->add_option("--note", o->note, "Why, or what was done");
    step->add_flag("--json", o->json, "Print the server's JSON of the alert");
    AddServerOption(*step, &o->server);
    step->footer(kStepFooter);
    const std::string_view path = std::string_view(name) == "ack" ? "acknowledge" : "resolve";
    step->callback([o, path] { RunStep(*o, path); });
  }
}

}  // namespace metrify::cli
