// JSON for registry entities: one object per entity, fields in table order;
// listings as {"items": [...], "page", "page_size", "total_count", "has_next"}.
#pragma once

#include "api/responses.h"
#include "model/entity.h"
#include "registry/csv_import.h"
#include "store/registry_store.h"

namespace metrify::api {

template <typename T>
void WriteEntity(JsonWriter& w, const T& entity) {
  w.BeginObject();
  for (const auto& field : model::EntityTraits<T>::Fields()) {
    w.Key(field.name);
    model::WriteFieldValue(w, field.kind, field.get(entity));
  }
  w.EndObject();
}

template <typename T>
std::string EntityJson(const T& entity) {
  JsonWriter w;
  WriteEntity(w, entity);
  return w.Take();
}

template <typename T>
std::string PageJson(const store::Page<T>& page, const store::ListQuery& query) {
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const T& entity : page.items) WriteEntity(w, entity);
  w.EndArray();
  w.Key("page").Int(query.page).Key("page_size").Int(query.page_size);
  w.Key("total_count").Int(page.total_count);
  w.Key("has_next").Bool(query.page * query.page_size < page.total_count);
  w.EndObject();
  return w.Take();
}

// {"rows", "created", "updated", "rejected", "errors": [{"line","id","field","code","message"}]}
std::string ImportReportJson(const registry::ImportReport& report);

}  // namespace metrify::api
