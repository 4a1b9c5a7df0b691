// Sink: where a simulation goes. FileSink writes a directory of CSV or
// NDJSON files; ServerSink registers the fleet with a running server and
// posts the rows through its API. Both receive the same text in the same
// order, so a server fed by --to stores exactly what --out writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/client.h"
#include "simulate/faults.h"
#include "simulate/fleet.h"
#include "simulate/rows.h"

namespace metrify::simulate {

class Sink {
 public:
  virtual ~Sink() = default;
  // The fleet, before any row.
  virtual Status Begin(const Fleet& fleet) = 0;
  // Rows of `kind` in the sink's format without a header; `entity` is the
  // operator or station id for grid status and observations, "" for
  // readings (of many meters), `day` the UTC day (days since the epoch)
  // they belong to.
  virtual Status Rows(model::SeriesKind kind, std::string_view entity, int64_t day,
                      std::string_view text) = 0;
  // Makes what was sent so far visible to readers (a live run calls it
  // after each quarter hour).
  virtual Status Flush() { return Status::Ok(); }
  // The ground truth, after every row.
  virtual Status Finish(const Fleet& fleet, const std::vector<Fault>& faults) = 0;
};

// Creates `dir` (which must be empty or missing) and writes:
// meters.csv, operators.csv, stations.csv, readings/YYYY-MM-DD.{csv,ndjson},
// grid-status/<OPERATOR>.{csv,ndjson}, observations/<STATION>.{csv,ndjson},
// faults.csv.
Result<std::unique_ptr<Sink>> OpenFileSink(const std::string& dir, RowFormat format);

// Posts to the server at `url` in requests of at most `batch` rows,
// resending while it answers 503.
Result<std::unique_ptr<Sink>> OpenServerSink(const std::string& url, size_t batch);

// faults.csv: kind, source_kind, source_id, start, end, magnitude.
std::string FaultsCsv(const Fleet& fleet, const std::vector<Fault>& faults);

}  // namespace metrify::simulate
