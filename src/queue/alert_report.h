// The message an ingest worker sends to the monitor (scaled mode,
// docs/scaled.md "Detection and alerts"): what detection judged of ONE
// source in one turn, findings and clears in data order. It travels on
// metrify.alerts with the source id as key, so one source's reports reach
// the monitor in order. Envelope type "alert_report"; payload
//
//   {"source_kind":"meter","source_id":"SM1",
//    "findings":[{"type":"meter_rule","rule":"voltage_high","severity":"WARNING",
//                 "message":"...","at":1748773800000,"value":260}],
//    "clears":[{"rule":"voltage_high","at":1748774700000}]}
//
// `value` is left out when the finding has none (NaN). Readers ignore
// members they do not know.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"
#include "alerts/finding_sink.h"
#include "common/result.h"

namespace metrify::queue {

inline constexpr std::string_view kAlertReportType = "alert_report";
inline constexpr std::string_view kAlertsTopic = "metrify.alerts";

struct AlertReport {
  alerts::SourceKind source_kind = alerts::SourceKind::kMeter;
  std::string source_id;
  // Each of the source above: their own source_kind and source_id are
  // not written and are set from the report's on decoding.
  std::vector<alerts::Finding> findings;
  std::vector<alerts::Clear> clears;
};

// REQUIRES: report.source_id is not empty.
std::string EncodeAlertReport(const AlertReport& report);
// Errors: InvalidArgument naming what is wrong (not an object, a member
// missing or of the wrong type, an unknown source kind or severity, an
// empty source_id or rule).
Result<AlertReport> DecodeAlertReport(std::string_view payload_json);

// `findings` and `clears` grouped by source, in first appearance order,
// each source's items in their given order.
std::vector<AlertReport> GroupBySource(std::span<const alerts::Finding> findings,
                                       std::span<const alerts::Clear> clears);

}  // namespace metrify::queue
