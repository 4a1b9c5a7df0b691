#include "api/entity_json.h"

namespace metrify::api {

std::string ImportReportJson(const registry::ImportReport& report) {
  JsonWriter w;
  w.BeginObject();
  w.Key("rows").Int(report.rows).Key("created").Int(report.created);
  w.Key("updated").Int(report.updated).Key("rejected").Int(report.rejected);
  w.Key("errors").BeginArray();
  for (const registry::ImportError& e : report.errors) {
    w.BeginObject().Key("line").Int(e.line);
    if (!e.id.empty()) w.Key("id").String(e.id);
    if (!e.field.empty()) w.Key("field").String(e.field);
    w.Key("code").String(e.code).Key("message").String(e.message).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace metrify::api
