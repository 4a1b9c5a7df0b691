// The OpenAPI document (src/api/assets/openapi.json, embedded as
// assets::kOpenapiJson) against the server itself, so the two cannot drift:
//
//  - routes: every route of the real Api's router is documented, and every
//    documented operation is a route (HEAD aside: it falls back to GET);
//  - fields: each entity's schemas list exactly the fields of its field table
//    (model::MeterFields() ...) in wire order, with the table's types, enum
//    choices, ranges, required flags, nullability and server-managed
//    (readOnly) fields; list operations take exactly page, page_size and the
//    table's filter parameters;
//  - behaviour: the documented request examples are sent to a real Api over
//    a temporary SQLite registry, every response's status must be documented
//    for its operation and its body must conform to the documented schema,
//    and the documented error and import examples are what the server says;
//  - validity: tools/openapi/validate.js (a real OpenAPI validator plus a
//    check of every example) accepts the embedded document. It needs
//    `npm ci --prefix tools/openapi`; without it that test fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "alerts/alert_manager.h"
#include "alerts/alert_store.h"
#include "api/api.h"
#include "api/assets.h"
#include "api/entity_routes.h"
#include "api/health.h"
#include "http/message.h"
#include "model/entity.h"
#include "obs/metrics.h"
#include "registry/registry.h"
#include "store/sqlite/sqlite_registry.h"
#include "support/server_process.h"
#include "vee/edit_log.h"

namespace metrify {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;
using ::testing::HasSubstr;

constexpr std::string_view kMethods[] = {"get",   "put",     "post", "delete",
                                         "patch", "options", "trace"};
const std::set<std::string> kTags = {"system",   "meters",    "grid-operators", "weather-stations",
                                     "readings", "analytics", "quality",        "alerts"};

// ---- reading the document ---------------------------------------------------

struct Document {
  simdjson::padded_string text{assets::kOpenapiJson};
  simdjson::dom::parser parser;
  element root;
  std::string error;

  Document() {
    if (auto e = parser.parse(text).get(root)) error = simdjson::error_message(e);
  }
};

const Document& Doc() {
  static const Document doc;
  return doc;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<element> Member(element e, std::string_view key) {
  object o;
  element v;
  if (e.get_object().get(o) || o.at_key(key).get(v)) return std::nullopt;
  return v;
}

std::string Text(element e) {
  std::string_view s;
  if (e.get_string().get(s)) return "";
  return std::string(s);
}

std::string StringAt(element e, std::string_view key) {
  auto v = Member(e, key);
  return v ? Text(*v) : "";
}

bool BoolAt(element e, std::string_view key) {
  auto v = Member(e, key);
  bool b = false;
  return v && !v->get_bool().get(b) && b;
}

std::optional<double> NumberAt(element e, std::string_view key) {
  auto v = Member(e, key);
  double d;
  if (!v || v->get_double().get(d)) return std::nullopt;
  return d;
}

std::vector<element> Elements(std::optional<element> e) {
  std::vector<element> out;
  array a;
  if (e && !e->get_array().get(a)) {
    for (element x : a) out.push_back(x);
  }
  return out;
}

std::vector<std::pair<std::string, element>> Members(std::optional<element> e) {
  std::vector<std::pair<std::string, element>> out;
  object o;
  if (e && !e->get_object().get(o)) {
    for (auto kv : o) out.emplace_back(std::string(kv.key), kv.value);
  }
  return out;
}

// Follows "#/..." references.
element Resolve(element e) {
  for (int hops = 0; hops < 8; ++hops) {
    auto ref = Member(e, "$ref");
    if (!ref) return e;
    std::string target = Text(*ref);
    element next;
    if (!target.starts_with("#") || Doc().root.at_pointer(target.substr(1)).get(next)) {
      ADD_FAILURE() << "unresolvable $ref " << target;
      return e;
    }
    e = next;
  }
  ADD_FAILURE() << "$ref chain too long";
  return e;
}

// An object schema with its allOf parts merged.
struct Flat {
  std::vector<std::pair<std::string, element>> properties;
  std::set<std::string> required;

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, e] : properties) out.push_back(name);
    return out;
  }
  std::optional<element> Find(std::string_view name) const {
    for (const auto& [n, e] : properties) {
      if (n == name) return e;
    }
    return std::nullopt;
  }
};

void FlattenInto(element schema, Flat& out) {
  schema = Resolve(schema);
  for (element part : Elements(Member(schema, "allOf"))) FlattenInto(part, out);
  for (const auto& [name, e] : Members(Member(schema, "properties"))) {
    out.properties.emplace_back(name, Resolve(e));
  }
  for (element r : Elements(Member(schema, "required"))) out.required.insert(Text(r));
}

Flat Flatten(element schema) {
  Flat out;
  FlattenInto(schema, out);
  return out;
}

std::optional<element> Schema(std::string_view name) {
  auto schemas = Member(Doc().root, "components");
  if (schemas) schemas = Member(*schemas, "schemas");
  return schemas ? Member(*schemas, name) : std::nullopt;
}

struct Operation {
  std::string method;  // upper case
  std::string path;
  element op;
};

std::vector<Operation> Operations() {
  std::vector<Operation> out;
  for (const auto& [path, item] : Members(Member(Doc().root, "paths"))) {
    for (std::string_view m : kMethods) {
      if (auto op = Member(item, m)) out.push_back({Upper(m), path, *op});
    }
  }
  return out;
}

std::optional<Operation> FindOperation(std::string_view id) {
  for (const Operation& o : Operations()) {
    if (StringAt(o.op, "operationId") == id) return o;
  }
  return std::nullopt;
}

// Path-level and operation-level parameters, resolved, by name.
std::map<std::string, element> Parameters(const Operation& o) {
  std::map<std::string, element> out;
  auto item = Member(*Member(Doc().root, "paths"), o.path);
  for (element p : Elements(Member(*item, "parameters")))
    out[StringAt(Resolve(p), "name")] = Resolve(p);
  for (element p : Elements(Member(o.op, "parameters")))
    out[StringAt(Resolve(p), "name")] = Resolve(p);
  return out;
}

std::optional<element> MediaType(std::optional<element> holder, std::string_view type) {
  if (!holder) return std::nullopt;
  auto content = Member(Resolve(*holder), "content");
  return content ? Member(*content, type) : std::nullopt;
}

std::optional<element> Response(const Operation& o, int status) {
  auto responses = Member(o.op, "responses");
  auto r = responses ? Member(*responses, std::to_string(status)) : std::nullopt;
  if (r) return Resolve(*r);
  return std::nullopt;
}

std::string RefOf(std::optional<element> media) {
  if (!media) return "(no such media type)";
  auto schema = Member(*media, "schema");
  return schema ? StringAt(*schema, "$ref") : "(no schema)";
}

// The media type's `example`, or the value of its example called `name` (the
// first one when `name` is empty).
std::optional<element> Example(std::optional<element> media, std::string_view name = "") {
  if (!media) return std::nullopt;
  if (auto e = Member(*media, "example"); e && name.empty()) return e;
  for (const auto& [n, ex] : Members(Member(*media, "examples"))) {
    if (name.empty() || n == name) return Member(Resolve(ex), "value");
  }
  return std::nullopt;
}

// ---- checking JSON against a documented schema ------------------------------

bool HasType(element v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  return false;
}

// The part of JSON Schema the document uses: type, nullable, enum,
// minimum/maximum, required, properties, additionalProperties, items, allOf.
void ExpectConforms(element value, element schema, const std::string& where) {
  schema = Resolve(schema);
  for (element part : Elements(Member(schema, "allOf"))) ExpectConforms(value, part, where);
  if (value.is_null()) {
    if (!BoolAt(schema, "nullable") && Member(schema, "type")) {
      ADD_FAILURE() << where << ": null, but the schema is not nullable";
    }
    return;
  }
  std::string type = StringAt(schema, "type");
  if (!type.empty() && !HasType(value, type)) {
    ADD_FAILURE() << where << ": expected " << type << ", got " << simdjson::minify(value);
    return;
  }
  if (auto choices = Member(schema, "enum")) {
    bool found = false;
    for (element c : Elements(choices))
      found = found || simdjson::minify(c) == simdjson::minify(value);
    EXPECT_TRUE(found) << where << ": " << simdjson::minify(value) << " is not one of "
                       << simdjson::minify(*choices);
  }
  double d;
  if (value.is_number() && !value.get_double().get(d)) {
    EXPECT_GE(d, NumberAt(schema, "minimum").value_or(d)) << where;
    EXPECT_LE(d, NumberAt(schema, "maximum").value_or(d)) << where;
  }
  if (value.is_object() &&
      (Member(schema, "properties") || Member(schema, "additionalProperties"))) {
    auto props = Member(schema, "properties");
    for (element r : Elements(Member(schema, "required"))) {
      EXPECT_TRUE(Member(value, Text(r)).has_value())
          << where << ": required member " << Text(r) << " missing";
    }
    auto extra = Member(schema, "additionalProperties");
    for (const auto& [name, member] : Members(value)) {
      auto prop = props ? Member(*props, name) : std::nullopt;
      if (prop) {
        ExpectConforms(member, *prop, where + "." + name);
      } else if (extra && extra->is_object()) {
        ExpectConforms(member, *extra, where + "." + name);
      } else if (extra && extra->is_bool() && !BoolAt(schema, "additionalProperties")) {
        ADD_FAILURE() << where << ": member " << name << " is not in the schema";
      }
    }
  }
  if (auto items = Member(schema, "items")) {
    int i = 0;
    for (element item : Elements(value)) {
      ExpectConforms(item, *items, where + "[" + std::to_string(i++) + "]");
    }
  }
}

// ---- document-only checks ---------------------------------------------------

TEST(OpenapiContract, DocumentParsesAndIdentifiesTheServer) {
  ASSERT_EQ(Doc().error, "") << "src/api/assets/openapi.json is not JSON";
  EXPECT_EQ(StringAt(Doc().root, "openapi"), "3.0.3");
  auto info = Member(Doc().root, "info");
  ASSERT_TRUE(info);
  EXPECT_EQ(StringAt(*info, "version"), METRIFY_VERSION)
      << "info.version must be the CMake version";
  auto servers = Elements(Member(Doc().root, "servers"));
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(StringAt(servers[0], "url"), "/");
}

TEST(OpenapiContract, EveryOperationHasAnIdASummaryAndOneKnownTag) {
  ASSERT_EQ(Doc().error, "");
  std::set<std::string> declared;
  for (element t : Elements(Member(Doc().root, "tags"))) declared.insert(StringAt(t, "name"));
  EXPECT_EQ(declared, kTags);
  std::set<std::string> ids;
  for (const Operation& o : Operations()) {
    std::string name = o.method + " " + o.path;
    std::string id = StringAt(o.op, "operationId");
    EXPECT_FALSE(id.empty()) << name;
    EXPECT_TRUE(ids.insert(id).second) << name << ": operationId " << id << " used twice";
    EXPECT_FALSE(StringAt(o.op, "summary").empty()) << name;
    auto tags = Elements(Member(o.op, "tags"));
    ASSERT_EQ(tags.size(), 1u) << name;
    std::string expected = o.path.starts_with("/api/v1/smart-meters")       ? "meters"
                           : o.path.starts_with("/api/v1/grid-operators")   ? "grid-operators"
                           : o.path.starts_with("/api/v1/weather/stations") ? "weather-stations"
                           : o.path.starts_with("/api/v1/readings")         ? "readings"
                           : o.path.starts_with("/api/v1/analytics")        ? "analytics"
                           : o.path.starts_with("/api/v1/quality")          ? "quality"
                           : o.path.starts_with("/api/v1/alerts")           ? "alerts"
                                                                            : "system";
    EXPECT_EQ(Text(tags[0]), expected) << name;
    // Each {placeholder} is a required path parameter.
    std::map<std::string, element> params = Parameters(o);
    for (size_t open = o.path.find('{'); open != std::string::npos;
         open = o.path.find('{', open + 1)) {
      std::string param = o.path.substr(open + 1, o.path.find('}', open) - open - 1);
      ASSERT_TRUE(params.count(param)) << name << ": path parameter " << param << " undeclared";
      EXPECT_EQ(StringAt(params[param], "in"), "path") << name;
      EXPECT_TRUE(BoolAt(params[param], "required")) << name;
    }
    bool has_success = false;
    for (const auto& [status, r] : Members(Member(o.op, "responses"))) {
      has_success = has_success || status.starts_with("2");
    }
    EXPECT_TRUE(has_success) << name << " documents no 2xx response";
  }
}

// ---- the real server --------------------------------------------------------

class ApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::SqliteRegistry::Open(dir_.path() + "/data");
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    store_ = std::move(opened).value();
    registry_ = std::make_unique<registry::Registry>(*store_);
    health_ = std::make_unique<api::HealthChecker>(*store_, dir_.path() + "/data");
    engine::EngineOptions options;
    options.background_flush = false;
    auto engine =
        engine::ReadingsEngine::Open(FileSystem::Posix(), dir_.path() + "/engine", options);
    ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
    engine_ = std::move(engine).value();
    keys_ = std::make_unique<ingest::EntityKeys>(*store_);
    keys_->Follow(*registry_);
    ingest_ = std::make_unique<ingest::IngestService>(*engine_, *keys_, *registry_, false);
    series_ = std::make_unique<api::SeriesBackend>(
        api::SeriesBackend{*engine_, *keys_, *ingest_, *registry_});
    auto edits = vee::EditLog::Open(store_->path());
    ASSERT_TRUE(edits.has_value()) << edits.error().ToString();
    edits_ = std::move(edits).value();
    series_->edits = edits_.get();
    auto alert_store = alerts::AlertStore::Open(store_->path());
    ASSERT_TRUE(alert_store.has_value()) << alert_store.error().ToString();
    alert_store_ = std::move(alert_store).value();
    alert_manager_ = std::make_unique<alerts::AlertManager>(*alert_store_, registry_.get(), nullptr,
                                                            alerts::AlertManagerOptions{});
    series_->alert_store = alert_store_.get();
    series_->alert_manager = alert_manager_.get();
    api_ = std::make_unique<api::Api>(*registry_, *health_, metrics_, *series_);
  }

  http::HttpResponse Call(std::string method, const std::string& target, std::string body = "") {
    http::HttpRequest request;
    request.method = std::move(method);
    request.target = target;
    size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos)
      request.query = http::ParseQueryString(target.substr(question + 1));
    request.body = std::move(body);
    request.request_id = "openapi-contract";
    request.remote = "127.0.0.1:1";
    return api_->Handle(request);
  }

  test::TempDir dir_;
  std::unique_ptr<store::SqliteRegistry> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<api::HealthChecker> health_;
  std::unique_ptr<engine::ReadingsEngine> engine_;
  std::unique_ptr<ingest::EntityKeys> keys_;
  std::unique_ptr<ingest::IngestService> ingest_;
  std::unique_ptr<vee::EditLog> edits_;
  std::unique_ptr<alerts::AlertStore> alert_store_;
  std::unique_ptr<alerts::AlertManager> alert_manager_;
  std::unique_ptr<api::SeriesBackend> series_;
  obs::MetricsRegistry metrics_;
  std::unique_ptr<api::Api> api_;
};

using OpenapiRoutes = ApiFixture;

TEST_F(OpenapiRoutes, EveryRouteIsDocumentedAndEveryOperationIsARoute) {
  ASSERT_EQ(Doc().error, "");
  std::set<std::string> served;
  for (const api::Route& route : api_->router().routes()) {
    if (route.method == "HEAD") continue;
    EXPECT_TRUE(served.insert(route.method + " " + route.pattern).second)
        << "route added twice: " << route.method << " " << route.pattern;
  }
  std::set<std::string> documented;
  for (const Operation& o : Operations()) documented.insert(o.method + " " + o.path);
  for (const std::string& r : served) {
    EXPECT_TRUE(documented.count(r)) << "route not in openapi.json: " << r;
  }
  for (const std::string& d : documented) {
    EXPECT_TRUE(served.count(d)) << "openapi.json documents a route the server lacks: " << d;
  }
  auto paths = Member(Doc().root, "paths");
  ASSERT_TRUE(paths);
  for (const auto& [path, item] : Members(paths)) {
    EXPECT_FALSE(Member(item, "head")) << "HEAD is implied by GET; do not document it: " << path;
  }
}

// ---- entity schemas against the field tables ---------------------------------

template <typename T>
std::string JsonType(const model::FieldSpec<T>& f) {
  switch (f.kind) {
    case model::FieldKind::kNumber:
      return "number";
    case model::FieldKind::kInteger:
      return "integer";
    case model::FieldKind::kObject:
      return "object";
    default:
      return "string";
  }
}

template <typename T>
std::string Format(const model::FieldSpec<T>& f) {
  if (f.kind == model::FieldKind::kDate) return "date";
  if (f.kind == model::FieldKind::kTimestamp) return "date-time";
  return "";
}

// Checks one property against its field spec. `nullable`: whether the
// property must accept null.
template <typename T>
void CheckProperty(const model::FieldSpec<T>& f, element p, bool nullable, bool input,
                   const std::string& where) {
  SCOPED_TRACE(where);
  EXPECT_EQ(StringAt(p, "type"), JsonType(f));
  EXPECT_EQ(StringAt(p, "format"), Format(f));
  EXPECT_EQ(BoolAt(p, "nullable"), nullable);
  EXPECT_EQ(BoolAt(p, "readOnly"), !input && !f.writable);
  std::vector<std::string> choices;
  bool null_choice = false;
  auto choice_list = Member(p, "enum");
  for (element c : Elements(choice_list)) {
    if (c.is_null()) {
      null_choice = true;
    } else {
      choices.push_back(Text(c));
    }
  }
  EXPECT_EQ(choices, f.choices);
  // OpenAPI 3.0.3: a nullable enum allows null only when it lists it.
  EXPECT_EQ(null_choice, choice_list.has_value() && nullable);
  EXPECT_EQ(NumberAt(p, "minimum"), f.min);
  EXPECT_EQ(NumberAt(p, "maximum"), f.max);
  EXPECT_THAT(StringAt(p, "description"), HasSubstr(f.description));
}

template <typename T>
void CheckEntity(const std::string& name, const std::string& base) {
  ASSERT_EQ(Doc().error, "");
  const auto& fields = model::EntityTraits<T>::Fields();
  std::vector<std::string> all, writable;
  std::set<std::string> required, replace_required;
  for (const auto& f : fields) {
    all.push_back(f.name);
    if (!f.writable) continue;
    writable.push_back(f.name);
    if (f.required) required.insert(f.name);
    if (f.required && f.kind != model::FieldKind::kId) replace_required.insert(f.name);
  }

  // What the server returns: every field, always.
  auto output_schema = Schema(name);
  ASSERT_TRUE(output_schema) << "components.schemas." << name;
  Flat output = Flatten(*output_schema);
  EXPECT_EQ(output.names(), all) << name << ": properties must be the field table, in order";
  EXPECT_EQ(output.required, std::set<std::string>(all.begin(), all.end()))
      << name << ": the server writes every field";
  const T defaults{};
  for (const auto& f : fields) {
    auto p = output.Find(f.name);
    if (!p) continue;
    // A field is null on output when it is optional and empty by default.
    bool nullable = !f.required && std::holds_alternative<std::monostate>(f.get(defaults));
    CheckProperty(f, *p, nullable, /*input=*/false, name + "." + f.name);
  }

  // What clients send: writable fields; `required` per method.
  for (const auto& [schema, want_required] :
       {std::pair{name + "Input", required}, std::pair{name + "Replace", replace_required},
        std::pair{name + "Patch", std::set<std::string>{}}}) {
    auto s = Schema(schema);
    ASSERT_TRUE(s) << "components.schemas." << schema;
    Flat input = Flatten(*s);
    EXPECT_EQ(input.names(), writable) << schema << ": properties must be the writable fields";
    EXPECT_EQ(input.required, want_required) << schema;
    for (const auto& f : fields) {
      if (auto p = input.Find(f.name)) {
        CheckProperty(f, *p, /*nullable=*/!f.required, /*input=*/true, schema + "." + f.name);
      }
    }
  }

  // The operations use those schemas.
  const std::string ref = "#/components/schemas/";
  auto op = [&](const std::string& method, const std::string& path) {
    for (const Operation& o : Operations()) {
      if (o.method == method && o.path == path) return o;
    }
    ADD_FAILURE() << "no operation " << method << " " << path;
    return Operation{method, path, Doc().root};
  };
  const std::string item = base + "/{id}";
  auto body = [](const Operation& o, std::string_view type = "application/json") {
    return MediaType(Member(o.op, "requestBody"), type);
  };
  auto ok = [](const Operation& o, int status) {
    return MediaType(Response(o, status), "application/json");
  };
  EXPECT_EQ(RefOf(body(op("POST", base))), ref + name + "Input");
  EXPECT_EQ(RefOf(ok(op("POST", base), 201)), ref + name);
  EXPECT_EQ(RefOf(ok(op("GET", base), 200)), ref + name + "Page");
  EXPECT_TRUE(body(op("POST", base + "/import"), "text/csv")) << base << "/import takes text/csv";
  EXPECT_EQ(RefOf(ok(op("POST", base + "/import"), 200)), ref + "ImportReport");
  EXPECT_EQ(RefOf(ok(op("GET", item), 200)), ref + name);
  EXPECT_EQ(RefOf(body(op("PUT", item))), ref + name + "Replace");
  EXPECT_EQ(RefOf(ok(op("PUT", item), 200)), ref + name);
  EXPECT_EQ(RefOf(body(op("PATCH", item))), ref + name + "Patch");
  EXPECT_EQ(RefOf(ok(op("PATCH", item), 200)), ref + name);
  EXPECT_TRUE(Response(op("DELETE", item), 204)) << "DELETE answers 204";

  // The page schema.
  auto page = Schema(name + "Page");
  ASSERT_TRUE(page);
  Flat page_flat = Flatten(*page);
  EXPECT_EQ(page_flat.names(),
            (std::vector<std::string>{"items", "page", "page_size", "total_count", "has_next"}));
  if (auto items = page_flat.Find("items")) {
    auto of = Member(*items, "items");
    EXPECT_EQ(of ? StringAt(*of, "$ref") : "", ref + name);
  }
  if (auto size = page_flat.Find("page_size")) {
    EXPECT_EQ(NumberAt(*size, "maximum"), static_cast<double>(api::kMaxPageSize));
  }

  // List parameters: page, page_size and the field table's filters.
  std::map<std::string, element> params = Parameters(op("GET", base));
  std::set<std::string> names, want = {"page", "page_size"};
  for (const auto& [n, p] : params) names.insert(n);
  for (const auto& f : fields) {
    if (!f.filter_param.empty()) want.insert(f.filter_param);
  }
  EXPECT_EQ(names, want) << "GET " << base << " query parameters";
  for (const auto& f : fields) {
    if (f.filter_param.empty() || !params.count(f.filter_param)) continue;
    element p = params[f.filter_param];
    SCOPED_TRACE("filter " + f.filter_param);
    EXPECT_EQ(StringAt(p, "in"), "query");
    EXPECT_FALSE(BoolAt(p, "required"));
    element schema = Resolve(*Member(p, "schema"));
    EXPECT_EQ(StringAt(schema, "type"), JsonType(f));
    std::vector<std::string> choices;
    for (element c : Elements(Member(schema, "enum"))) choices.push_back(Text(c));
    EXPECT_EQ(choices, f.choices);
  }
  if (params.count("page") && params.count("page_size")) {
    element page_param = Resolve(*Member(params["page"], "schema"));
    EXPECT_EQ(NumberAt(page_param, "minimum"), 1.0);
    EXPECT_EQ(NumberAt(page_param, "default"), 1.0);
    element size_param = Resolve(*Member(params["page_size"], "schema"));
    EXPECT_EQ(NumberAt(size_param, "minimum"), 1.0);
    EXPECT_EQ(NumberAt(size_param, "maximum"), static_cast<double>(api::kMaxPageSize));
    EXPECT_EQ(NumberAt(size_param, "default"), static_cast<double>(api::kDefaultPageSize));
  }
}

TEST(OpenapiContract, MeterSchemasMatchTheFieldTable) {
  CheckEntity<model::Meter>("Meter", "/api/v1/smart-meters");
}

TEST(OpenapiContract, GridOperatorSchemasMatchTheFieldTable) {
  CheckEntity<model::GridOperator>("GridOperator", "/api/v1/grid-operators");
}

TEST(OpenapiContract, WeatherStationSchemasMatchTheFieldTable) {
  CheckEntity<model::WeatherStation>("WeatherStation", "/api/v1/weather/stations");
}

// ---- documented examples against the real server -----------------------------

class OpenapiExamples : public ApiFixture {
 protected:
  // Sends the request of operation `id` and checks the response against the
  // document: its status is documented for the operation, its content type
  // is the documented one and its body conforms to the documented schema.
  // Returns the response.
  http::HttpResponse Exchange(std::string_view id, const std::string& target,
                              std::string body = "") {
    std::optional<Operation> o = FindOperation(id);
    if (!o) {
      ADD_FAILURE() << "no operation " << id;
      return {};
    }
    http::HttpResponse r = Call(o->method, target, std::move(body));
    ExpectDocumented(*o, r, std::string(id) + " " + target);
    return r;
  }

  // The operation's request body example (JSON minified, CSV as is).
  static std::string RequestExample(std::string_view id) {
    std::optional<Operation> o = FindOperation(id);
    auto body = o ? Member(o->op, "requestBody") : std::nullopt;
    for (const auto& [type, media] :
         Members(body ? Member(Resolve(*body), "content") : std::nullopt)) {
      if (auto example = Example(media)) {
        return type == "application/json" ? simdjson::minify(*example) : Text(*example);
      }
    }
    ADD_FAILURE() << id << " has no request body example";
    return "";
  }

  static void ExpectDocumented(const Operation& o, const http::HttpResponse& r,
                               const std::string& what) {
    SCOPED_TRACE(what);
    auto documented = Response(o, r.status);
    ASSERT_TRUE(documented) << "status " << r.status << " is not documented for " << o.method << " "
                            << o.path << "; body: " << r.body;
    auto content = Members(Member(*documented, "content"));
    if (content.empty()) {
      EXPECT_EQ(r.body, "");
      return;
    }
    bool matched = false;
    for (const auto& [type, media] : content) {
      if (!r.content_type.starts_with(type)) continue;
      matched = true;
      if (type != "application/json") continue;
      simdjson::dom::parser parser;
      element body;
      ASSERT_FALSE(parser.parse(r.body).get(body)) << "not JSON: " << r.body;
      if (auto schema = Member(media, "schema")) ExpectConforms(body, *schema, "body");
    }
    EXPECT_TRUE(matched) << "Content-Type " << r.content_type << " is not documented";
  }

  // The response's body equals a documented example (both minified).
  static void ExpectBodyIs(const http::HttpResponse& r, std::optional<element> example) {
    ASSERT_TRUE(example) << "missing example";
    simdjson::dom::parser parser;
    element body;
    ASSERT_FALSE(parser.parse(r.body).get(body)) << "not JSON: " << r.body;
    EXPECT_EQ(simdjson::minify(body), simdjson::minify(*example));
  }

  static std::optional<element> ComponentExample(std::string_view response, std::string_view name) {
    auto responses = Member(*Member(Doc().root, "components"), "responses");
    auto r = responses ? Member(*responses, response) : std::nullopt;
    return Example(MediaType(r, "application/json"), name);
  }
};

struct EntityCase {
  std::string name;  // "Meter"
  std::string base;
  std::string id;  // of the create example
};

const std::vector<EntityCase>& Entities() {
  // Operators and stations first: the meter examples refer to them.
  static const std::vector<EntityCase> kCases = {
      {"GridOperator", "/api/v1/grid-operators", "TENNET"},
      {"WeatherStation", "/api/v1/weather/stations", "WS007"},
      {"Meter", "/api/v1/smart-meters", "SM000123"},
  };
  return kCases;
}

TEST_F(OpenapiExamples, RequestExamplesWorkAndResponsesMatchTheDocument) {
  ASSERT_EQ(Doc().error, "");
  for (const EntityCase& e : Entities()) {
    SCOPED_TRACE(e.name);
    const std::string item = e.base + "/" + e.id;
    http::HttpResponse created =
        Exchange("create" + e.name, e.base, RequestExample("create" + e.name));
    ASSERT_EQ(created.status, 201) << created.body;
    bool location = false;
    for (const auto& [key, value] : created.headers)
      location = location || (key == "Location" && value == item);
    EXPECT_TRUE(location) << "Location: " << item;
    EXPECT_EQ(Exchange("get" + e.name, item).status, 200);
    EXPECT_EQ(Exchange("replace" + e.name, item, RequestExample("replace" + e.name)).status, 200);
    EXPECT_EQ(Exchange("patch" + e.name, item, RequestExample("patch" + e.name)).status, 200);
    EXPECT_EQ(Exchange("list" + e.name + "s", e.base + "?page=1&page_size=10").status, 200);
  }
  // Each import example gives exactly the documented report.
  for (const EntityCase& e : Entities()) {
    SCOPED_TRACE(e.name);
    http::HttpResponse r = Exchange("import" + e.name + "s", e.base + "/import",
                                    RequestExample("import" + e.name + "s"));
    ASSERT_EQ(r.status, 200) << r.body;
    ExpectBodyIs(r, Example(MediaType(Response(*FindOperation("import" + e.name + "s"), 200),
                                      "application/json")));
  }
  // Filters from the document, with the example values.
  for (const EntityCase& e : Entities()) {
    for (const auto& [name, p] : Parameters(*FindOperation("list" + e.name + "s"))) {
      auto example = Member(p, "example");
      if (!example || name.starts_with("page")) continue;
      std::string value = example->is_string() ? Text(*example) : simdjson::minify(*example);
      http::HttpResponse r = Exchange("list" + e.name + "s", e.base + "?" + name + "=" + value);
      EXPECT_EQ(r.status, 200) << name << "=" << value << ": " << r.body;
    }
  }
  // Meters first; the imported meters still refer to the operator (409).
  EXPECT_EQ(Exchange("deleteMeter", "/api/v1/smart-meters/SM000123").status, 204);
  EXPECT_EQ(Exchange("deleteGridOperator", "/api/v1/grid-operators/TENNET").status, 409);
  EXPECT_EQ(Exchange("deleteMeter", "/api/v1/smart-meters/SM000123").status, 404);
}

TEST_F(OpenapiExamples, DocumentedErrorsAreWhatTheServerSays) {
  ASSERT_EQ(Doc().error, "");
  const std::string meters = "/api/v1/smart-meters";
  ASSERT_EQ(
      Exchange("createGridOperator", "/api/v1/grid-operators", RequestExample("createGridOperator"))
          .status,
      201);
  ASSERT_EQ(Exchange("createWeatherStation", "/api/v1/weather/stations",
                     RequestExample("createWeatherStation"))
                .status,
            201);
  ASSERT_EQ(Exchange("createMeter", meters, RequestExample("createMeter")).status, 201);

  ExpectBodyIs(Exchange("createMeter", meters, RequestExample("createMeter")),
               ComponentExample("AlreadyExists", "already_exists"));
  ExpectBodyIs(Exchange("getMeter", meters + "/SM999999"),
               ComponentExample("NotFound", "not_found"));
  ExpectBodyIs(Exchange("listMeters", meters + "?stauts=ACTIVE"),
               ComponentExample("ValidationFailed", "query"));
  ExpectBodyIs(Exchange("createMeter", meters,
                        R"({"id":"SM000998","latitude":91,"longitude":13.4,"status":"on"})"),
               ComponentExample("ValidationFailed", "fields"));
  ExpectBodyIs(Exchange("createMeter", meters, R"({"id":"SM000999","grid_operator_id":"NOPE"})"),
               ComponentExample("ValidationFailed", "reference"));
  ExpectBodyIs(Exchange("patchMeter", meters + "/SM000123", "[1]"),
               ComponentExample("ValidationFailed", "not_object"));
  ExpectBodyIs(Exchange("importMeters", meters + "/import", "name\nfoo\n"),
               ComponentExample("ValidationFailed", "csv"));
  ExpectBodyIs(Exchange("deleteGridOperator", "/api/v1/grid-operators/TENNET"),
               ComponentExample("StillReferenced", "conflict"));
  http::HttpResponse bad_json = Exchange("replaceMeter", meters + "/SM000123", "{bad");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_THAT(bad_json.body, HasSubstr(R"("code":"invalid_json")"));
  EXPECT_EQ(Exchange("importMeters", meters + "/import?upsert=yes", "id\nSM1\n").status, 422);

  // 405 is not per operation: the document describes it as a component.
  http::HttpResponse wrong = Call("PUT", meters);
  EXPECT_EQ(wrong.status, 405);
  ExpectBodyIs(wrong, ComponentExample("MethodNotAllowed", "method_not_allowed"));
  auto allow = Member(*Member(*Member(Doc().root, "components"), "headers"), "Allow");
  ASSERT_TRUE(allow);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0],
            (std::pair<std::string, std::string>{"Allow", StringAt(*allow, "example")}));
  // An unknown path: the NotFound component.
  EXPECT_EQ(Call("GET", "/api/v1/nothing").status, 404);
}

// The alert operations against a store with alerts raised directly (the
// detectors are not part of this fixture): answers conform to the
// document, the documented error examples are what the server says.
TEST_F(OpenapiExamples, AlertEndpointsMatchTheDocument) {
  ASSERT_EQ(Doc().error, "");
  constexpr int64_t kMar29 = 1774742400000;  // 2026-03-29T00:00:00Z
  alerts::Finding voltage{.type = "meter_rule",
                          .rule = "voltage_high",
                          .severity = alerts::Severity::kWarning,
                          .source_kind = alerts::SourceKind::kMeter,
                          .source_id = "SM000123",
                          .message = "voltage 258 V above 250 V",
                          .at_ms = kMar29,
                          .value = 258};
  alerts::Finding again = voltage;
  again.at_ms = kMar29 + 900'000;
  alerts::Finding grid{.type = "grid",
                       .rule = "frequency_out",
                       .severity = alerts::Severity::kCritical,
                       .source_kind = alerts::SourceKind::kGridOperator,
                       .source_id = "TENNET",
                       .message = "frequency 50.3 Hz above 50.2 Hz",
                       .at_ms = kMar29,
                       .value = 50.3};
  const alerts::Finding findings[] = {voltage, again, grid};
  auto raised = alert_store_->Raise(findings, kMar29 + 1000);
  ASSERT_TRUE(raised.has_value()) << raised.error().ToString();
  ASSERT_EQ(raised->size(), 2u);
  ASSERT_EQ(raised->front().alert.id, 1) << "the examples name alert 1";

  http::HttpResponse list = Exchange("listAlerts", "/api/v1/alerts");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_THAT(list.body, HasSubstr(R"("total_count":2)"));
  // Each documented filter, with its example value.
  for (const auto& [name, p] : Parameters(*FindOperation("listAlerts"))) {
    auto example = Member(p, "example");
    if (!example || name.starts_with("page")) continue;
    std::string value = example->is_string() ? Text(*example) : simdjson::minify(*example);
    http::HttpResponse r = Exchange("listAlerts", "/api/v1/alerts?" + name + "=" + value);
    EXPECT_EQ(r.status, 200) << name << "=" << value << ": " << r.body;
  }
  ExpectBodyIs(Exchange("listAlerts", "/api/v1/alerts?state=closed&source=pump:7&page_size=0"),
               ComponentExample("AlertQueryInvalid", "parameters"));

  EXPECT_EQ(Exchange("getAlert", "/api/v1/alerts/1").status, 200);
  ExpectBodyIs(Exchange("getAlert", "/api/v1/alerts/999"),
               ComponentExample("AlertNotFound", "not_found"));
  EXPECT_EQ(Exchange("getAlert", "/api/v1/alerts/abc").status, 404);

  http::HttpResponse ack = Exchange("acknowledgeAlert", "/api/v1/alerts/1/acknowledge",
                                    RequestExample("acknowledgeAlert"));
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_THAT(ack.body, HasSubstr(R"("state":"ACKNOWLEDGED")"));
  ExpectBodyIs(Exchange("acknowledgeAlert", "/api/v1/alerts/1/acknowledge", "{}"),
               ComponentExample("AlertStepInvalid", "by_required"));
  EXPECT_EQ(Exchange("acknowledgeAlert", "/api/v1/alerts/1/acknowledge", "{bad").status, 400);
  EXPECT_EQ(
      Exchange("resolveAlert", "/api/v1/alerts/999/resolve", RequestExample("resolveAlert")).status,
      404);
  http::HttpResponse resolved =
      Exchange("resolveAlert", "/api/v1/alerts/1/resolve", RequestExample("resolveAlert"));
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_THAT(resolved.body, HasSubstr(R"("state":"RESOLVED")"));
  ExpectBodyIs(Exchange("acknowledgeAlert", "/api/v1/alerts/1/acknowledge",
                        RequestExample("acknowledgeAlert")),
               ComponentExample("AlertStateConflict", "conflict"));
  EXPECT_EQ(
      Exchange("resolveAlert", "/api/v1/alerts/1/resolve", RequestExample("resolveAlert")).status,
      409);

  for (const char* group_by : {"type", "severity", "source"}) {
    http::HttpResponse r = Exchange(
        "getAnomalies", std::string("/api/v1/analytics/anomalies?start=2026-03-23T00:00:00Z"
                                    "&end=2026-03-30T00:00:00Z&group_by=") +
                            group_by);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.body, HasSubstr(R"("alerts":1)")) << group_by;
  }
  EXPECT_EQ(Exchange("getAnomalies", "/api/v1/analytics/anomalies").status, 200);
  EXPECT_EQ(Exchange("getAnomalies", "/api/v1/analytics/anomalies?group_by=rule").status, 422);

  // Alerts not enabled: every alert route says so.
  series_->alert_store = nullptr;
  ExpectBodyIs(Exchange("listAlerts", "/api/v1/alerts"),
               ComponentExample("AlertsUnavailable", "not_enabled"));
  EXPECT_EQ(Exchange("getAlert", "/api/v1/alerts/1").status, 503);
  EXPECT_EQ(Exchange("acknowledgeAlert", "/api/v1/alerts/1/acknowledge",
                     RequestExample("acknowledgeAlert"))
                .status,
            503);
  EXPECT_EQ(
      Exchange("resolveAlert", "/api/v1/alerts/1/resolve", RequestExample("resolveAlert")).status,
      503);
  EXPECT_EQ(Exchange("getAnomalies", "/api/v1/analytics/anomalies").status, 503);
  series_->alert_store = alert_store_.get();
}

TEST_F(OpenapiExamples, SystemEndpointsMatchTheDocument) {
  ASSERT_EQ(Doc().error, "");
  http::HttpResponse health = Exchange("getHealth", "/health");
  EXPECT_TRUE(health.status == 200 || health.status == 503) << health.body;
  ExpectBodyIs(
      Exchange("getLiveness", "/health/live"),
      Example(MediaType(Response(*FindOperation("getLiveness"), 200), "application/json")));
  ExpectBodyIs(
      Exchange("getReadiness", "/health/ready"),
      Example(MediaType(Response(*FindOperation("getReadiness"), 200), "application/json")));
  api_->SetDraining();
  ExpectBodyIs(Exchange("getReadiness", "/health/ready"),
               Example(MediaType(Response(*FindOperation("getReadiness"), 503), "application/json"),
                       "draining"));
  EXPECT_THAT(Exchange("getMetrics", "/metrics").body,
              HasSubstr("metrify_http_requests_in_flight"));
  EXPECT_EQ(Exchange("getOpenapi", "/openapi.json").body, assets::kOpenapiJson);
  EXPECT_THAT(Exchange("getDocs", "/docs").body, HasSubstr("/openapi.json"));
}

// ---- a real OpenAPI validator --------------------------------------------------

TEST(OpenapiValidator, SwaggerParserAcceptsTheDocumentAndEveryExample) {
  const std::string tools = std::string(METRIFY_SOURCE_DIR) + "/tools/openapi";
  ASSERT_TRUE(std::filesystem::exists(tools + "/node_modules/@apidevtools/swagger-parser"))
      << "the validator is not installed: run `npm ci --prefix tools/openapi`";
  test::TempDir dir;
  std::string file = dir.WriteFile("openapi.json", assets::kOpenapiJson);
  test::ProgramResult r =
      test::RunProgram({"node", tools + "/validate.js", file}, {}, {}, std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("valid OpenAPI 3.0.3"));
}

}  // namespace
}  // namespace metrify
