#include "simulate/live_clock.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace metrify::simulate {

namespace {

class WallClock : public LiveClock {
 public:
  WallClock(double speed, const std::atomic<bool>* stop)
      : speed_(speed), stop_(stop), anchor_wall_(Steady()), anchor_ms_(SystemMs()) {}

  int64_t Now() override {
    const double elapsed_ms =
        std::chrono::duration<double, std::milli>(Steady() - anchor_wall_).count();
    return anchor_ms_ + static_cast<int64_t>(elapsed_ms * speed_);
  }

  bool WaitUntil(int64_t t) override {
    for (;;) {
      if (Stopped()) return false;
      const int64_t now = Now();
      if (now >= t) return true;
      // Sleep in short steps so a stop request is seen promptly.
      const double wall_ms = static_cast<double>(t - now) / speed_;
      std::this_thread::sleep_for(std::chrono::milliseconds(
          std::clamp<int64_t>(static_cast<int64_t>(wall_ms) + 1, 1, 100)));
    }
  }

  bool Stopped() override { return stop_ != nullptr && stop_->load(); }

 private:
  static std::chrono::steady_clock::time_point Steady() { return std::chrono::steady_clock::now(); }
  static int64_t SystemMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  double speed_;
  const std::atomic<bool>* stop_;
  std::chrono::steady_clock::time_point anchor_wall_;
  int64_t anchor_ms_;
};

}  // namespace

std::unique_ptr<LiveClock> MakeWallClock(double speed, const std::atomic<bool>* stop) {
  return std::make_unique<WallClock>(speed, stop);
}

}  // namespace metrify::simulate
