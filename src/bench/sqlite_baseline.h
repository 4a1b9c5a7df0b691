// The baseline `metrify bench ingest` compares the engine with: the same
// readings inserted straight into a SQLite table keyed (meter, timestamp),
// WAL mode, synchronous=FULL, one transaction per batch (so each batch is
// durable when its commit returns, as an acknowledged HTTP batch is). No
// HTTP and no JSON: the baseline gets the cheaper path.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace metrify::bench {

struct BaselineResult {
  size_t rows = 0;
  double seconds = 0;
  uint64_t bytes = 0;  // database file after a checkpoint
};

// Inserts the readings of `bodies` (BuildBatches' JSON batches, parsed here
// before the clock starts) into a new database at `path`.
Result<BaselineResult> RunSqliteBaseline(const std::string& path,
                                         const std::vector<std::string>& bodies);

}  // namespace metrify::bench
