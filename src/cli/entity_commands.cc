// `metrify meters|operators|stations list|get|add|update|delete|import`:
// one template drives all three registry resources through the REST API of
// a running server. Options of add/update come from the entity's field table,
// so every field the API accepts has a flag (--grid-operator-id, ...).
#include <simdjson.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/table.h"
#include "model/entity.h"
#include "model/field_json.h"

namespace metrify::cli {

namespace {

struct EntityCli {
  std::string group;                 // "meters"
  std::string noun;                  // "meter"
  std::string resource;              // "/api/v1/smart-meters"
  std::vector<std::string> columns;  // of `list`
};

std::string Dashed(std::string name) {
  for (char& c : name) c = c == '_' ? '-' : c;
  return name;
}

// Shared state of one group's subcommands; CLI11 keeps pointers into it.
struct GroupOptions {
  std::string server;
  bool json = false;
  std::string id;
  std::map<std::string, std::string> fields;   // field name -> text from its flag
  std::map<std::string, std::string> filters;  // query parameter -> text
  int64_t page = 1, page_size = 100;
  bool all = false, upsert = false;
  std::string file;
};

template <typename T>
std::string FieldsJson(const std::map<std::string, std::string>& texts) {
  JsonWriter w;
  w.BeginObject();
  for (const auto& [name, text] : texts) {
    const model::FieldSpec<T>* field = model::FindField<T>(name);
    auto parsed = model::ParseFieldText(name, field->kind, text);
    if (auto* error = std::get_if<model::FieldError>(&parsed)) Fail(kExitUsage, error->message);
    w.Key(name);
    model::WriteFieldValue(w, field->kind, std::get<model::FieldValue>(parsed));
  }
  w.EndObject();
  return w.Take();
}

template <typename T>
void AddFieldFlags(CLI::App* command, GroupOptions* o, bool with_id) {
  for (const auto& field : model::EntityTraits<T>::Fields()) {
    if (!field.writable || (field.kind == model::FieldKind::kId && !with_id)) continue;
    std::string help = field.description.empty() ? field.name : field.description;
    if (!field.choices.empty()) {
      help += " (";
      for (size_t i = 0; i < field.choices.size(); ++i) help += (i ? ", " : "") + field.choices[i];
      help += ")";
    }
    std::string name = field.name;
    auto* option = command->add_option_function<std::string>(
        "--" + Dashed(name), [o, name](const std::string& v) { o->fields[name] = v; }, help);
    if (field.kind == model::FieldKind::kId) option->required();
  }
}

// Prints an entity's non-null fields as "name: value" lines.
void PrintEntity(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(body).get(object)) {
    std::cout << body << "\n";
    return;
  }
  for (auto [key, value] : object) {
    if (value.is_null()) continue;
    std::cout << key << ": " << CellText(value) << "\n";
  }
}

void PrintJsonOr(bool json, const std::string& body, const std::function<void()>& human) {
  if (json) {
    std::cout << body << "\n";
  } else {
    human();
  }
}

template <typename T>
void RunList(const EntityCli& e, GroupOptions& o) {
  auto client = ConnectOrFail(o.server);
  Table table(e.columns);
  int64_t page = o.page;
  while (true) {
    std::string target = fmt::format("{}?page={}&page_size={}", e.resource, page, o.page_size);
    for (const auto& [param, value] : o.filters) target += "&" + param + "=" + UrlEncode(value);
    http::ClientResponse response = SendOrFail(*client, "GET", target);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(response.body).get(doc)) Fail(kExitInternal, "server sent invalid JSON");
    if (o.json && !o.all) {
      std::cout << response.body << "\n";
      return;
    }
    for (auto item : doc["items"].get_array()) table.AddItem(item);
    bool has_next = doc["has_next"].get_bool().value_unsafe();
    if (!o.all || !has_next) {
      if (o.json) {
        std::cout << table.ItemsJson() << "\n";
      } else {
        table.Print(std::cout);
        std::cout << fmt::format("{} of {} {}s\n", table.size(),
                                 doc["total_count"].get_int64().value_unsafe(), e.noun);
      }
      return;
    }
    ++page;
  }
}

template <typename T>
void RunImport(const EntityCli& e, GroupOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) Fail(kExitUsage, "cannot read " + o.file);
  std::stringstream content;
  content << in.rdbuf();
  auto client = ConnectOrFail(o.server);
  std::string target = e.resource + "/import" + (o.upsert ? "?upsert=true" : "");
  http::ClientResponse response = SendOrFail(*client, "POST", target, content.str(), "text/csv");
  simdjson::dom::parser parser;
  simdjson::dom::element report;
  if (parser.parse(response.body).get(report)) Fail(kExitInternal, "server sent invalid JSON");
  int64_t rejected = report["rejected"].get_int64().value_unsafe();
  PrintJsonOr(o.json, response.body, [&] {
    std::cout << fmt::format("{}: {} rows, {} created, {} updated, {} rejected\n", o.file,
                             report["rows"].get_int64().value_unsafe(),
                             report["created"].get_int64().value_unsafe(),
                             report["updated"].get_int64().value_unsafe(), rejected);
    for (auto error : report["errors"].get_array()) {
      std::string_view id, field, message = error["message"].get_string().value_unsafe();
      bool has_id = !error["id"].get(id);
      bool has_field = !error["field"].get(field) && message.find(field) == std::string_view::npos;
      std::cout << fmt::format("  line {}{}: {}{}\n", error["line"].get_int64().value_unsafe(),
                               has_id ? " (" + std::string(id) + ")" : "",
                               has_field ? std::string(field) + ": " : "", message);
    }
  });
  if (rejected > 0) throw CLI::RuntimeError(kExitFailure);
}

template <typename T>
void AddGroup(CLI::App& app, const EntityCli& e, const std::string& help) {
  auto o = std::make_shared<GroupOptions>();
  CLI::App* group = app.add_subcommand(e.group, help);
  group->require_subcommand(1);

  CLI::App* list = group->add_subcommand("list", "List " + e.group + ", filtered and paged");
  for (const auto& field : model::EntityTraits<T>::Fields()) {
    if (field.filter_param.empty()) continue;
    std::string param = field.filter_param;
    list->add_option_function<std::string>(
        "--" + param, [o, param](const std::string& v) { o->filters[param] = v; },
        "Only " + e.group + " whose " + field.name + " is this");
  }
  list->add_option("--page", o->page, "Page number, from 1")->check(CLI::PositiveNumber);
  list->add_option("--page-size", o->page_size, "Entries per page, 1 to 1000")
      ->check(CLI::Range(1, 1000));
  list->add_flag("--all", o->all, "Fetch every page");
  list->callback([e, o] { RunList<T>(e, *o); });

  CLI::App* get = group->add_subcommand("get", "Show one " + e.noun);
  get->add_option("id", o->id, "The " + e.noun + "'s id")->required();
  get->callback([e, o] {
    auto client = ConnectOrFail(o->server);
    auto response = SendOrFail(*client, "GET", e.resource + "/" + UrlEncode(o->id));
    PrintJsonOr(o->json, response.body, [&] { PrintEntity(response.body); });
  });

  CLI::App* add = group->add_subcommand("add", "Register a new " + e.noun);
  AddFieldFlags<T>(add, o.get(), /*with_id=*/true);
  add->callback([e, o] {
    auto client = ConnectOrFail(o->server);
    auto response =
        SendOrFail(*client, "POST", e.resource, FieldsJson<T>(o->fields), "application/json");
    PrintJsonOr(o->json, response.body, [&] { PrintEntity(response.body); });
  });

  CLI::App* update = group->add_subcommand("update", "Change fields of a " + e.noun);
  update->add_option("id", o->id, "The " + e.noun + "'s id")->required();
  AddFieldFlags<T>(update, o.get(), /*with_id=*/false);
  update->callback([e, o] {
    if (o->fields.empty()) Fail(kExitUsage, "update needs at least one field flag; see --help");
    auto client = ConnectOrFail(o->server);
    auto response = SendOrFail(*client, "PATCH", e.resource + "/" + UrlEncode(o->id),
                               FieldsJson<T>(o->fields), "application/json");
    PrintJsonOr(o->json, response.body, [&] { PrintEntity(response.body); });
  });

  CLI::App* remove = group->add_subcommand("delete", "Delete a " + e.noun);
  remove->add_option("id", o->id, "The " + e.noun + "'s id")->required();
  remove->callback([e, o] {
    auto client = ConnectOrFail(o->server);
    SendOrFail(*client, "DELETE", e.resource + "/" + UrlEncode(o->id));
    if (!o->json) std::cout << "deleted " << e.noun << " " << o->id << "\n";
  });

  CLI::App* import =
      group->add_subcommand("import", "Import " + e.group +
                                          " from a CSV file; bad rows are reported by line and "
                                          "the rest imported (exit 1 if any row was rejected)");
  import->add_option("file", o->file, "CSV file with a header line")->required();
  import->add_flag("--upsert", o->upsert, "Replace " + e.group + " that exist already");
  import->callback([e, o] { RunImport<T>(e, *o);
});

for (CLI::App* sub : {list, get, add, update, remove, import}) {
  AddServerOption(*sub, &o->server);
  sub->add_flag("--json", o->json, "Print the server's JSON instead of text");
}
}  // namespace

}  // namespace metrify::cli

void AddEntityCommands(CLI::App& app) {
  AddGroup<model::Meter>(
      app,
      {"meters",
       "meter",
       "/api/v1/smart-meters",
       {"id", "type", "status", "city", "grid_operator_id", "weather_station_id", "segment"}},
      "Smart meters in the registry");
  AddGroup<model::GridOperator>(app,
                                {"operators",
                                 "grid operator",
                                 "/api/v1/grid-operators",
                                 {"id", "name", "type", "status", "control_area", "city"}},
                                "Grid operators (TSOs and DSOs)");
  AddGroup<model::WeatherStation>(
      app,
      {"stations",
       "weather station",
       "/api/v1/weather/stations",
       {"id", "name", "provider", "status", "latitude", "longitude", "city"}},
      "Weather stations");
}

}  // namespace metrify::cli
