// The message an API replica sends when a person edits a meter's reading
// (scaled mode): the ingest worker that owns the meter's partition
// validates that local day again, as embedded mode's VEE does after an
// edit, so estimates leaning on the edited value follow it. It travels on
// metrify.readings with the meter id as key, so it is ordered with the
// meter's readings. Envelope type "reading_edit"; payload
//
//   {"meter_id":"SM1","timestamp":1748773800000}
//
// The edit itself is in PostgreSQL (reading_edits) before the notice is sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace metrify::queue {

inline constexpr std::string_view kEditNoticeType = "reading_edit";

struct EditNotice {
  std::string meter_id;
  int64_t timestamp_ms = 0;
};

std::string EncodeEditNotice(const EditNotice& notice);
// Errors: InvalidArgument naming what is wrong (not an object, a member
// missing or of the wrong type, an empty meter_id).
Result<EditNotice> DecodeEditNotice(std::string_view payload_json);

}  // namespace metrify::queue
