// Replay of the write-ahead log at start. Format and recovery policy:
// docs/format/wal.md ("Recovery").
//
// ReplayWal reads the WAL files of a directory in sequence order and hands
// every record to a callback. What it does with damage depends on where the
// damage is, because only one place can hold a record that was never
// acknowledged:
//   - a torn or corrupt record at the end of the LAST file, with no valid
//     record after it, is the write that was in flight when the process or
//     machine died. Its group's fdatasync never returned, so no caller was
//     told it was durable: the file is truncated to the end of the last good
//     record and ReplayReport::truncation says where and how much.
//   - damage followed by a valid record, or damage in any earlier file, hit
//     bytes that were acknowledged: ReplayWal returns Corruption naming the
//     file and offset and changes no file. An operator decides.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"

namespace metrify::engine::wal {

struct ReplayReport {
  // A torn tail cut off the last file, for the caller to log.
  struct Truncation {
    std::string file;            // path of the last file
    uint64_t offset = 0;         // where the damage began; the file's new size
    uint64_t bytes_dropped = 0;  // bytes removed from `offset` to the old end
    std::string reason;          // what was wrong at `offset`
  };

  uint64_t files = 0;           // WAL files read
  uint64_t records = 0;         // records handed to the callback
  uint64_t first_sequence = 0;  // number of the first and last file read; 0 if none
  uint64_t last_sequence = 0;
  std::optional<Truncation> truncation;
  // Other observations worth a log line, e.g. "ignored stray file 'x.tmp'".
  std::vector<std::string> notes;
};

// Called once per record in WAL order. `offset` is where the record's header
// starts in file `file_sequence`; `payload` is valid only during the call.
// A non-OK return stops the replay and is returned (with the file and
// offset prepended to its message).
using ReplayCallback = std::function<Status(uint64_t file_sequence, uint64_t offset, uint8_t type,
                                            std::string_view payload)>;

// Replays the WAL in `dir` (a missing directory is an empty WAL) and fills
// *report. Returns OK when every file was read (after cutting a torn tail
// off the last one, the only change it ever makes); Corruption naming file
// and offset for damage anywhere else, for a record type or format version
// this binary does not know, or for a missing file in the sequence; IOError
// when a file cannot be read or truncated; or the callback's error.
// On an error the callback may already have seen the records before it:
// the caller discards what it built. Each file is read into memory whole
// (at most segment_bytes plus one group). Not thread-safe against a
// WalWriter on the same directory: run it before opening the writer.
Status ReplayWal(FileSystem& fs, const std::string& dir, const ReplayCallback& callback,
                 ReplayReport* report);

}  // namespace metrify::engine::wal
