#include "model/field_json.h"

#include "common/time.h"

namespace metrify::model {

void WriteFieldValue(JsonWriter& w, FieldKind kind, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          w.Null();
        } else if constexpr (std::is_same_v<V, std::string>) {
          w.String(v);
        } else if constexpr (std::is_same_v<V, double>) {
          w.Number(v);
        } else if constexpr (std::is_same_v<V, int64_t>) {
          if (kind == FieldKind::kTimestamp) {
            w.String(FormatRfc3339(v));
          } else {
            w.Int(v);
          }
        } else if constexpr (std::is_same_v<V, bool>) {
          w.Bool(v);
        } else {
          w.Raw(v.text);
        }
      },
      value);
}

}  // namespace metrify::model
