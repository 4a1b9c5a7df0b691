// LiveClock: the simulated present of a live run (`metrify simulate --live`).
// The simulator backfills up to Now(), then waits for each next quarter
// hour and sends it as the clock passes it, until the clock is stopped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace metrify::simulate {

class LiveClock {
 public:
  virtual ~LiveClock() = default;
  // The simulated present, ms since the epoch (UTC).
  virtual int64_t Now() = 0;
  // Waits until Now() >= t. False when the run is to stop instead.
  virtual bool WaitUntil(int64_t t) = 0;
  // True once the run is to stop (checked between backfilled days too).
  virtual bool Stopped() = 0;
};

// The wall clock, running `speed` times as fast from the moment it is made
// (speed 60: an hour of simulated time per minute). Stops when `*stop`
// becomes true (e.g. set by a SIGINT handler); it is polled every 100 ms.
std::unique_ptr<LiveClock> MakeWallClock(double speed, const std::atomic<bool>* stop);

}  // namespace metrify::simulate
