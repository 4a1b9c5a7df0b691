// AppendGate: lets many appenders through at once and gives a flush a
// moment in which none is in flight.
//
// The flush needs that moment to roll the WAL and take partitions out of the
// head together: every record in a WAL file below the new number must then be
// in the head it drains (docs/engine.md, "Checkpoints"). std::shared_mutex on
// glibc prefers readers, so under steady ingest an exclusive locker could wait
// forever; this gate stops admitting appenders as soon as a flush asks.
//
// Thread safety: all members may be called from any thread.
#pragma once

#include <condition_variable>
#include <mutex>

namespace metrify::engine {

class AppendGate {
 public:
  // Held by an appender while its batch goes to the WAL and the head.
  class Pass {
   public:
    explicit Pass(AppendGate& gate) : gate_(gate) { gate_.Enter(); }
    ~Pass() { gate_.Leave(); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    AppendGate& gate_;
  };

  // Held by a flush: no appender is in flight while it lives, and new ones
  // wait until it is gone. Exclusive holders exclude each other too.
  class Closed {
   public:
    explicit Closed(AppendGate& gate) : gate_(gate) { gate_.Close(); }
    ~Closed() { gate_.Open(); }
    Closed(const Closed&) = delete;
    Closed& operator=(const Closed&) = delete;

   private:
    AppendGate& gate_;
  };

 private:
  void Enter() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [this] { return !closed_ && closers_waiting_ == 0; });
    ++in_flight_;
  }
  void Leave() {
    std::lock_guard lock(mu_);
    if (--in_flight_ == 0) changed_.notify_all();
  }
  void Close() {
    std::unique_lock lock(mu_);
    ++closers_waiting_;
    changed_.wait(lock, [this] { return !closed_ && in_flight_ == 0; });
    --closers_waiting_;
    closed_ = true;
  }
  void Open() {
    std::lock_guard lock(mu_);
    closed_ = false;
    changed_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable changed_;
  int in_flight_ = 0;        // appenders between Enter and Leave
  int closers_waiting_ = 0;  // Close calls waiting for in_flight_ to drain
  bool closed_ = false;
};

}  // namespace metrify::engine
