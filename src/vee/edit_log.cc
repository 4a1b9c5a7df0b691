// What both edit logs share (edit_log.h): the checks of an edit and the
// edits in force.
#include "vee/edit_log.h"

#include <cmath>

#include "common/time.h"

namespace metrify::vee {

Result<EditRecord> EditLog::Checked(EditRecord edit) {
  if (std::isnan(edit.energy_kwh) && std::isnan(edit.register_kwh)) {
    return Status::InvalidArgument("an edit sets energy_kwh, register_kwh or both");
  }
  if (edit.reason.empty()) return Status::InvalidArgument("an edit needs a reason");
  if (edit.edited_by.empty()) return Status::InvalidArgument("an edit needs edited_by");
  if (edit.edited_at_ms == 0) edit.edited_at_ms = NowMillis();
  return edit;
}

void EditsInForce::Put(const EditRecord& r) {
  Entry& entry = by_meter_[r.meter_key][r.timestamp_ms];
  if (entry.seq > r.seq) return;
  entry = Entry{Edit{r.energy_kwh, r.register_kwh}, r.seq};
}

std::map<int64_t, Edit> EditsInForce::Range(uint32_t key, int64_t from_ms, int64_t to_ms) const {
  std::map<int64_t, Edit> out;
  auto meter = by_meter_.find(key);
  if (meter == by_meter_.end()) return out;
  for (auto it = meter->second.lower_bound(from_ms); it != meter->second.end() && it->first < to_ms;
       ++it) {
    out.emplace(it->first, it->second.edit);
  }
  return out;
}

}  // namespace metrify::vee
