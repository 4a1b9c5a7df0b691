// Writing field values as JSON, shared by the API and the CLI.
#pragma once

#include "common/json_writer.h"
#include "model/field.h"

namespace metrify::model {

// Timestamps as RFC 3339 UTC strings, JSON objects inline, null as null.
void WriteFieldValue(JsonWriter& w, FieldKind kind, const FieldValue& value);

}  // namespace metrify::model
