// `metrify query meter ID`: one meter's readings through
// GET /api/v1/smart-meters/{id}/readings (raw or calendar buckets), printed
// as a table, as the server's JSON (--json, --format json) or as the
// server's CSV (--format csv). Errors as every client command: 3 for an
// unknown meter, 5 with the details of a 422.
#include <simdjson.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/table.h"

namespace metrify::cli {

namespace {

struct QueryOptions {
  std::string server;
  std::string id;
  std::string start, end, interval, agg, fields, tz;
  std::string format = "table";
  bool json = false;
  bool raw = false;  // the readings as sent, not the validated view
};

// The series of one entity kind: where it lives and what its list is called.
struct SeriesResource {
  std::string noun;      // "meter"
  std::string path;      // "/api/v1/smart-meters/{}/readings"
  std::string list_key;  // "readings": the raw answer's list
  std::string id_key;    // "meter_id": the answer's entity id
};

// The target with every given parameter, percent-encoded ('+' of an
// offset must not arrive as a space).
std::string QueryTarget(const SeriesResource& r, const QueryOptions& o) {
  std::string target = fmt::format(fmt::runtime(r.path), UrlEncode(o.id));
  const std::pair<const char*, const std::string*> params[] = {
      {"start", &o.start}, {"end", &o.end},       {"interval", &o.interval},
      {"agg", &o.agg},     {"fields", &o.fields}, {"tz", &o.tz}};
  char separator = '?';
  for (const auto& [name, value] : params) {
    if (value->empty()) continue;
    target += fmt::format("{}{}={}", separator, name, UrlEncode(*value));
    separator = '&';
  }
  if (o.raw) {
    target += fmt::format("{}version=raw", separator);
    separator = '&';
  }
  if (o.format == "csv") target += fmt::format("{}format=csv", separator);
  return target;
}

std::vector<std::string> Strings(simdjson::dom::element array) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (array.get(items)) return out;
  for (simdjson::dom::element item : items) {
    std::string_view text;
    if (!item.get(text)) out.emplace_back(text);
  }
  return out;
}

std::string_view Text(simdjson::dom::element doc, const char* key) {
  std::string_view text;
  return doc[key].get(text) ? std::string_view("-") : text;
}

// "agg energy_kwh=sum, voltage_v=avg".
std::string AggLine(simdjson::dom::element doc) {
  std::string line;
  simdjson::dom::object agg;
  if (doc["agg"].get(agg)) return line;
  for (auto [field, name] : agg) {
    line += fmt::format("{}{}={}", line.empty() ? "; agg " : ", ", field, CellText(name));
  }
  return line;
}

// Raw samples: TIMESTAMP, INTERVAL_S and one column per field. Buckets:
// their start on the zone's wall clock, COUNT of samples, EXPECTED samples
// and one column per field. A missing or null value shows as "-".
void PrintTable(const SeriesResource& r, const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) Fail(kExitInternal, "server sent invalid JSON");
  const bool raw = Text(doc, "interval") == "raw";
  std::vector<std::string> columns =
      raw ? std::vector<std::string>{"timestamp", "interval_s"}
          : std::vector<std::string>{"start_local", "count", "expected"};
  for (std::string& field : Strings(doc["fields"])) columns.push_back(std::move(field));
  // The validated view says per reading how it was decided.
  if (raw && Text(doc, "version") == "validated") {
    for (const char* c : {"status", "rule", "method", "tier"}) columns.emplace_back(c);
  }
  Table table(columns);
  simdjson::dom::array items;
  if (doc[raw ? r.list_key : "buckets"].get(items)) Fail(kExitInternal, "unexpected answer");
  for (simdjson::dom::element item : items) table.AddItem(item);
  table.Print(std::cout);
  std::string noun = raw ? r.list_key : "buckets";
  if (table.size() == 1) noun.pop_back();  // "1 reading", "1 bucket"
  std::cout << fmt::format("{} {} of {} {} from {} to {} ({}, {}{})\n", table.size(), noun, r.noun,
                           Text(doc, r.id_key.c_str()), Text(doc, "start"), Text(doc, "end"),
                           Text(doc, "interval"), Text(doc, "tz"), AggLine(doc));
}

void RunQuery(const SeriesResource& r, const QueryOptions& o) {
  const std::string format = o.json ? "json" : o.format;
  auto client = ConnectOrFail(o.server);
  http::ClientResponse response = SendOrFail(*client, "GET", QueryTarget(r, o));
  if (format == "table") {
    PrintTable(r, response.body);
  } else {
    std::cout << response.body << (response.body.ends_with('\n') ? "" : "\n");
  }
}

constexpr const char* kQueryFooter =
    R"(Without --start and --end: the 24 hours before now. Times are RFC 3339 with an
offset (2025-01-15T00:00:00+01:00) or epoch milliseconds. Buckets (15m, 1h, 1d,
1M) follow the wall clock of --tz (default: the meter's own time zone); each
field gets its default statistic (sum for energies, last for the register,
avg otherwise) unless --agg names one for all.

Readings are the validated view (docs/vee.md): every interval of the meter's
grid with its status (MEASURED, ESTIMATED, EDITED, INVALID, MISSING), the rule
or estimation method behind it and its quality tier; buckets leave INVALID and
MISSING values out. --raw shows the readings as the meter sent them.

Examples:
  metrify query meter SM000001
  metrify query meter SM000001 --start 2025-01-15T00:00:00+01:00 --end 2025-01-16T00:00:00+01:00 --interval 1h
  metrify query meter SM000001 --interval 1d --agg max --fields energy_kwh,voltage_v --tz Europe/Berlin
  metrify query meter SM000001 --interval 1M --format csv > monthly.csv
  metrify query meter SM000001 --raw

Exit codes: 0 ok; 2 usage; 3 no such meter; 5 the server refused a parameter
(422, each problem printed); 6 server unreachable; 7 internal error.)";

void AddSeriesQuery(CLI::App* query, const SeriesResource& r, const std::string& help) {
  auto o = std::make_shared<QueryOptions>();
  CLI::App* command = query->add_subcommand(r.noun, help);
  command->add_option("id", o->id, "The " + r.noun + "'s id")->required();
  command->add_option("--start", o->start, "From this time (inclusive)");
  command->add_option("--end", o->end, "To this time (exclusive)");
  command->add_option("--interval", o->interval, "raw (default), 15m, 1h, 1d or 1M");
  command->add_option("--agg", o->agg, "sum, avg, min, max or last, for every field");
  command->add_option("--fields", o->fields, "Comma-separated fields (default: all with data)");
  command->add_option("--tz", o->tz, "IANA time zone of the buckets, e.g. Europe/Berlin");
  if (r.noun == "meter") {
    command->add_flag("--raw", o->raw, "The readings as sent, not the validated view");
  }
  CLI::Option* format = command->add_option("--format", o->format, "Output: table, json or csv")
                            ->check(CLI::IsMember({"table", "json", "csv"}))
                            ->capture_default_str();
  command->add_flag("--json", o->json, "The same as --format json")->excludes(format);
  AddServerOption(*command, &o->server);
  command->footer(kQueryFooter);
  command->callback([r, o] { RunQuery(r, *o); });
}

}  // namespace

void AddQueryCommand(CLI::App& app) {
  CLI::App* query = app.add_subcommand("query", "Read stored series: raw samples or buckets");
  query->require_subcommand(1);
  AddSeriesQuery(query, {"meter", "/api/v1/smart-meters/{}/readings", "readings", "meter_id"},
                 "One meter's readings, raw or in calendar buckets");
}

}  // namespace metrify::cli
