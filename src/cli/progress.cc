#include "cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace metrify::cli {

namespace {

constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr int kBarWidth = 20;

double Megabytes(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

bool ProgressLine::Due() const {
  return enabled_ && std::chrono::steady_clock::now() - last_ >= kRedrawEvery;
}

void ProgressLine::Draw(const std::string& text) {
  if (!enabled_) return;
  std::fputs(fmt::format("\r{}\033[K", text).c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
  last_ = std::chrono::steady_clock::now();
}

void ProgressLine::Clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string IngestProgressText(const IngestProgress& p) {
  const double rate = p.seconds > 0 ? static_cast<double>(p.items) / p.seconds : 0.0;
  std::string counts =
      fmt::format("{:.0f} items/s  {} accepted  {} rejected", rate, p.accepted, p.rejected);
  if (p.bytes_total == 0) return fmt::format("{:.1f} MB  {}", Megabytes(p.bytes_read), counts);
  const double fraction =
      std::min(1.0, static_cast<double>(p.bytes_read) / static_cast<double>(p.bytes_total));
  const int filled = static_cast<int>(fraction * kBarWidth);
  return fmt::format("[{}{}] {:3.0f}%  {:.1f}/{:.1f} MB  {}", std::string(filled, '#'),
                     std::string(kBarWidth - filled, '-'), fraction * 100, Megabytes(p.bytes_read),
                     Megabytes(p.bytes_total), counts);
}

}  // namespace metrify::cli
