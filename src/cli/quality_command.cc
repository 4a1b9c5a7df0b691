// `metrify quality check`: the quality report of one meter per local day
// (GET /api/v1/quality/meters/{id}) or of the fleet per group
// (GET /api/v1/quality/summary), as a table or the server's JSON; exits 8
// (kExitQualityBelow) naming each row and figure below its threshold, so a
// script or a monitoring job can act on it (docs/quality.md).
#include <simdjson.h>

#include <iostream>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/table.h"
#include "common/json_writer.h"
#include "vee/quality_report.h"

namespace metrify::cli {

namespace {

using simdjson::dom::element;

struct QualityOptions {
  std::string server;
  std::string meter, meter_ids;
  std::string start, end;
  std::string group_by;
  vee::QualityThresholds min;  // the defaults of the check: docs/quality.md
  std::string format = "table";
  bool json = false;
};

// The request, every given parameter percent-encoded; the thresholds are
// always sent, so the server's "below" is the check's.
std::string Target(const QualityOptions& o) {
  std::string target = o.meter.empty()
                           ? std::string("/api/v1/quality/summary")
                           : fmt::format("/api/v1/quality/meters/{}", UrlEncode(o.meter));
  target += fmt::format("?min_completeness={}&min_validity={}&min_quality={}",
                        o.min.min_completeness, o.min.min_validity, o.min.min_quality);
  const std::pair<const char*, const std::string*> params[] = {
      {"start", &o.start}, {"end", &o.end}, {"group_by", &o.group_by}, {"meter_ids", &o.meter_ids}};
  for (const auto& [name, value] : params) {
    if (!value->empty()) target += fmt::format("&{}={}", name, UrlEncode(*value));
  }
  return target;
}

// A figure as the table shows it: three decimals, "-" for null.
std::string Fixed(element e) {
  double v = 0;
  if (e.get(v)) {
    int64_t i = 0;
    if (e.get(i)) return "-";
    v = static_cast<double>(i);
  }
  return fmt::format("{:.3f}", v);
}

std::string Text(element e) {
  std::string_view s;
  return e.get(s) ? CellText(e) : std::string(s);
}

// "gap:4 spike:1" from {"gap":4,"spike":1}.
std::string Counts(element e) {
  std::string out;
  simdjson::dom::object counts;
  if (e.get(counts)) return "-";
  for (auto [name, count] : counts) {
    out += fmt::format("{}{}:{}", out.empty() ? "" : " ", name, CellText(count));
  }
  return out.empty() ? "-" : out;
}

std::vector<std::string> Strings(element e) {
  std::vector<std::string> out;
  simdjson::dom::array items;
  if (e.get(items)) return out;
  for (element item : items) out.push_back(Text(item));
  return out;
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

// The Table takes JSON items: one flat object of cell texts per row.
void AddRow(Table& table, const std::vector<std::pair<std::string, std::string>>& cells) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [column, text] : cells) w.Key(column).String(text);
  w.EndObject();
  simdjson::dom::parser parser;
  element row;
  if (parser.parse(w.str()).get(row)) Fail(kExitInternal, "could not build a table row");
  table.AddItem(row);
}

// The figures every row has: of a day, a meter's total, a group.
std::vector<std::pair<std::string, std::string>> Figures(element e) {
  return {{"expected", Text(e["expected"])},
          {"measured", Text(e["measured"])},
          {"estimated", Text(e["estimated"])},
          {"edited", Text(e["edited"])},
          {"invalid", Text(e["invalid"])},
          {"missing", Text(e["missing"])},
          {"completeness", Fixed(e["completeness"])},
          {"validity", Fixed(e["validity"])},
          {"timeliness", Fixed(e["timeliness"])},
          {"quality", Fixed(e["quality"])},
          {"tier", Text(e["tier"])},
          {"energy_kwh", Fixed(e["energy_kwh"])}};
}

const std::vector<std::string> kFigureColumns = {
    "expected",     "measured", "estimated",  "edited",  "invalid", "missing",
    "completeness", "validity", "timeliness", "quality", "tier",    "energy_kwh"};

std::vector<std::string> Columns(std::vector<std::string> head, std::vector<std::string> tail) {
  head.insert(head.end(), kFigureColumns.begin(), kFigureColumns.end());
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// What missed a threshold, one line each: "2025-03-30: completeness 0.812
// (min 0.95)". The rows are the table's: a meter's days and total, or the
// fleet's groups.
void AddMisses(std::string_view row, element e, element thresholds,
               std::vector<std::string>* lines) {
  for (const std::string& figure : Strings(e["below"])) {
    lines->push_back(fmt::format("{}: {} {} (min {})", row, figure, Fixed(e[figure]),
                                 Text(thresholds["min_" + figure])));
  }
}

std::string GroupName(element group) {
  const std::string name = Text(group["group"]);
  return name == "-" ? "(none)" : name;
}

std::vector<std::string> Misses(element doc, bool fleet) {
  std::vector<std::string> lines;
  simdjson::dom::array rows;
  if (doc[fleet ? "groups" : "days"].get(rows)) Fail(kExitInternal, "unexpected answer");
  for (element row : rows) {
    const std::string name = fleet ? "group " + GroupName(row) : Text(row["date"]);
    AddMisses(name, row, doc["thresholds"], &lines);
  }
  if (!fleet) AddMisses("total", doc["total"], doc["thresholds"], &lines);
  return lines;
}

// The cells every row ends with.
void AddTail(element e, std::vector<std::pair<std::string, std::string>>* cells) {
  cells->push_back({"rules", Counts(e["rules_fired"])});
  cells->push_back({"below", Joined(Strings(e["below"]))});
}

void PrintMeter(element doc) {
  Table table(Columns({"date"}, {"daily", "rules", "below"}));
  simdjson::dom::array days;
  if (doc["days"].get(days)) Fail(kExitInternal, "unexpected answer: no days");
  for (element day : days) {
    auto cells = Figures(day);
    cells.insert(cells.begin(), {"date", Text(day["date"])});
    cells.push_back({"daily", Text(day["daily"]["result"])});
    AddTail(day, &cells);
    AddRow(table, cells);
  }
  element total = doc["total"];
  auto cells = Figures(total);
  cells.insert(cells.begin(), {"date", "total"});
  cells.push_back(
      {"daily", fmt::format("{} high, {} low", Text(total["days_high"]), Text(total["days_low"]))});
  AddTail(total, &cells);
  AddRow(table, cells);
  table.Print(std::cout);
  std::cout << fmt::format("meter {}, local days {} to {} ({})\n", Text(doc["meter_id"]),
                           Text(doc["first_day"]), Text(doc["last_day"]), Text(doc["timezone"]));
}

void PrintFleet(element doc) {
  Table table(Columns({"group", "meters", "meter_days"},
                      {"meters_below", "days_below", "days_high", "days_low", "rules", "below"}));
  simdjson::dom::array groups;
  if (doc["groups"].get(groups)) Fail(kExitInternal, "unexpected answer: no groups");
  for (element group : groups) {
    auto cells = Figures(group);
    cells.insert(cells.begin(), {{"group", GroupName(group)},
                                 {"meters", Text(group["meters"])},
                                 {"meter_days", Text(group["meter_days"])}});
    for (const char* count : {"meters_below", "days_below", "days_high", "days_low"}) {
      cells.push_back({count, Text(group[count])});
    }
    AddTail(group, &cells);
    AddRow(table, cells);
  }
  table.Print(std::cout);
  std::cout << fmt::format("{} meters, local days {} to {}, group by {}\n", Text(doc["meters"]),
                           Text(doc["first_day"]), Text(doc["last_day"]), Text(doc["group_by"]));
}

void RunCheck(const QualityOptions& o) {
  if (!o.meter.empty() && (!o.group_by.empty() || !o.meter_ids.empty())) {
    Fail(kExitUsage, "--group-by and --meter-ids are for the fleet; leave out --meter");
  }
  auto client = ConnectOrFail(o.server);
  http::ClientResponse response = SendOrFail(*client, "GET", Target(o));
  simdjson::dom::parser parser;
  element doc;
  if (parser.parse(response.body).get(doc)) Fail(kExitInternal, "server sent invalid JSON");
  const bool fleet = o.meter.empty();
  if (o.json || o.format == "json") {
    std::cout << response.body << (response.body.ends_with('\n') ? "" : "\n");
  } else if (fleet) {
    PrintFleet(doc);
  } else {
    PrintMeter(doc);
  }
  const std::vector<std::string> misses = Misses(doc, fleet);
  if (misses.empty()) return;
  std::string message = "quality below thresholds:";
  for (const std::string& line : misses) message += "\n  " + line;
  Fail(kExitQualityBelow, message);
}

constexpr const char* kCheckFooter =
    R"(Reports are computed by the server from the validated view when asked
(docs/quality.md), per LOCAL day of each meter: a DST day has 92 or 100 quarter
hours and is complete with them. With --meter: one row per day and a total;
without: the fleet (or --meter-ids) per group of --group-by.

--start and --end are local dates (2025-03-30; end exclusive) or instants
(RFC 3339 with an offset, epoch ms: the local days they touch). Without them:
the 7 local days before today; one alone makes a week from it.

The check fails (exit 8) when a row misses a threshold: a day or the total of
one meter, a group of the fleet; stderr names each row and figure. Defaults:
completeness >= 0.95 (measured or edited share of the due intervals), validity
>= 0.98 (accepted share of the readings that came), quality >= 0.8 (mean
interval quality score, tier GOOD).

Examples:
  metrify quality check --meter SM000001
  metrify quality check --meter SM000001 --start 2025-03-24 --end 2025-03-31 --format json
  metrify quality check --group-by operator --min-completeness 0.99
  metrify quality check --meter-ids SM000001,SM000002 --group-by meter --min-quality 0.9

Exit codes: 0 every row meets the thresholds; 2 usage; 3 no such meter; 5 the
server refused a parameter (422, each problem printed); 6 server unreachable;
7 internal error; 8 a threshold was missed.)";

}  // namespace

void AddQualityCommand(CLI::App& app) {
  CLI::App* quality = app.add_subcommand("quality", "Data quality reports from the validated view");
  quality->require_subcommand(1);
  auto o = std::make_shared<QualityOptions>();
  CLI::App* check = quality->add_subcommand(
      "check", "Quality per local day of a meter or per group of the fleet, against thresholds");
  check->add_option("--meter", o->meter, "One meter's report per local day");
  check->add_option("--meter-ids", o->meter_ids, "The fleet: only these meters (comma-separated)");
  check->add_option("--start", o->start, "First local day (date or instant)");
  check->add_option("--end", o->end, "End, exclusive (date or instant)");
  check
      ->add_option("--group-by", o->group_by,
                   "The fleet: none (default), operator, city, "
                   "segment or meter")
      ->check(CLI::IsMember({"none", "operator", "city", "segment", "meter"}));
  check->add_option("--min-completeness", o->min.min_completeness, "Lowest completeness (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  check->add_option("--min-validity", o->min.min_validity, "Lowest validity (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  check->add_option("--min-quality", o->min.min_quality, "Lowest mean quality score (0-1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  CLI::Option* format = check->add_option("--format", o->format, "Output: table or json")
                            ->check(CLI::IsMember({"table", "json"}))
                            ->capture_default_str();
  check->add_flag("--json", o->json, "The same as --format json")->excludes(format);
  AddServerOption(*check, &o->server);
  check->footer(kCheckFooter);
  check->callback([o] { RunCheck(*o); });
}

}  // namespace metrify::cli
