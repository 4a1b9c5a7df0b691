// Counters of a WalWriter, for obs/ to export as metrics and for the
// benchmark. Updated by the group leader after each write; read from any
// thread without locks (each counter is exact, a snapshot of several is not
// atomic as a whole).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace metrify::engine::wal {

// A copy of the counters at one moment.
struct WalCounters {
  uint64_t records = 0;        // records durably appended
  uint64_t bytes = 0;          // bytes durably appended, record headers included
  uint64_t groups = 0;         // group writes, each one write and one fdatasync
  uint64_t syncs = 0;          // fdatasyncs of WAL files: one per group, one per file created
  uint64_t largest_group = 0;  // most records written by one group
  uint64_t files_created = 0;  // WAL files started (Open of an empty directory and rolls)
  uint64_t failures = 0;       // failed writes, syncs or rolls (each stops the writer)

  // Records per group on average; 0 before the first group.
  double mean_group_size() const { return groups == 0 ? 0.0 : double(records) / groups; }
};

class WalProbe {
 public:
  void GroupWritten(uint64_t records, uint64_t bytes) {
    records_.fetch_add(records, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
    groups_.fetch_add(1, std::memory_order_relaxed);
    syncs_.fetch_add(1, std::memory_order_relaxed);
    uint64_t largest = largest_group_.load(std::memory_order_relaxed);
    while (records > largest &&
           !largest_group_.compare_exchange_weak(largest, records, std::memory_order_relaxed)) {
    }
  }
  // A file was created and its header synced.
  void FileCreated() {
    files_created_.fetch_add(1, std::memory_order_relaxed);
    syncs_.fetch_add(1, std::memory_order_relaxed);
  }
  void Failed() { failures_.fetch_add(1, std::memory_order_relaxed); }

  WalCounters Snapshot() const {
    return {records_.load(std::memory_order_relaxed),
            bytes_.load(std::memory_order_relaxed),
            groups_.load(std::memory_order_relaxed),
            syncs_.load(std::memory_order_relaxed),
            largest_group_.load(std::memory_order_relaxed),
            files_created_.load(std::memory_order_relaxed),
            failures_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> records_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> largest_group_{0};
  std::atomic<uint64_t> files_created_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace metrify::engine::wal
