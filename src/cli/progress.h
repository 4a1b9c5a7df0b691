// Progress of a long-running command on stderr: one line redrawn in place
// with '\r' (at most ten times a second), drawn only when stderr is a
// terminal, so pipes and logs never see it.
//
// Not thread-safe; one per command.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace metrify::cli {

class ProgressLine {
 public:
  // Draws nothing unless `enabled` (pass StderrIsTerminal() && !quiet).
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { Clear(); }

  // True when a redraw is due: enabled and 100 ms since the last one.
  bool Due() const;
  // Replaces the line with `text`.
  void Draw(const std::string& text);
  // Erases the line, so that other output starts at column 0; the next
  // Draw() puts it back.
  void Clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

bool StderrIsTerminal();

struct IngestProgress {
  uint64_t bytes_read = 0;
  uint64_t bytes_total = 0;  // 0 when unknown (standard input)
  size_t items = 0, accepted = 0, rejected = 0;
  double seconds = 0;
};

// "[#########-----------]  45%  12.3/27.4 MB  52000 items/s  1200 accepted  3 rejected";
// without the bar and percentage when the total is unknown.
std::string IngestProgressText(const IngestProgress& p);

}  // namespace metrify::cli
