// The baseline of `metrify bench ingest --mode scaled`: a plain binary
// `COPY readings (...) FROM STDIN (FORMAT binary)` of the same rows the
// pipeline stores (the same meters' keys, timestamps, interval and values,
// revision 0), into the same partitioned table, in one transaction: what
// PostgreSQL itself takes, with no HTTP, JSON, Kafka or upsert in between.
// The rows are encoded before the clock starts, as the pipeline's request
// bodies are.
//
// Thread safety: plain data and functions; a connection is one thread's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/load_generator.h"
#include "common/result.h"
#include "store/postgres/pg_connection.h"

namespace metrify::bench {

struct CopyChunks {
  std::vector<std::string> chunks;  // PgCopyWriter output, one COPY statement each
  uint64_t rows = 0;
};

// The order readings are sent in: every meter's reading of one quarter
// hour, then the next (BuildBatches: a head-end forwarding its fleet as it
// reads it), or each meter's readings in turn (a day's load profile per
// meter, as a meter data system receives them once a day).
enum class ReadingOrder { kTime, kMeter };

// JSON array bodies of `spec`'s readings in `order` (BuildBatches for
// kTime; the same body format for kMeter).
std::vector<std::string> BuildOrderedBatches(const LoadSpec& spec, ReadingOrder order,
                                             size_t* readings);

// The rows of `spec` in `order` (as the bodies carry them), `meter_keys[i]`
// being the database key of meter first_meter + i, in chunks of at most
// `rows_per_chunk`.
CopyChunks BuildReadingCopyChunks(const LoadSpec& spec, ReadingOrder order,
                                  const std::vector<int64_t>& meter_keys,
                                  size_t rows_per_chunk = 100'000);

// BEGIN, one COPY per chunk, COMMIT; returns the seconds it took. Errors:
// the database's. REQUIRES: the day partitions exist (made outside the
// timing, as the pipeline's workers make them ahead).
Result<double> RunCopyBaseline(store::PgConnection& db, const CopyChunks& rows);

// A digest of the whole readings table (row count, and the sum of a hash
// of every row's text), so the pipeline's result can be compared with the
// baseline's row for row without keeping either.
struct TableDigest {
  int64_t rows = 0;
  int64_t hash_sum = 0;
  bool operator==(const TableDigest&) const = default;
};
Result<TableDigest> ReadingsDigest(store::PgConnection& db);

}  // namespace metrify::bench
