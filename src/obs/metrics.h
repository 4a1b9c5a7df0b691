// A small Prometheus metrics registry: counters, gauges and histograms with
// labels, rendered in the text exposition format 0.0.4 that `promtool check
// metrics` accepts. No client library for C++ is packaged in Debian, so this
// is hand-written; tests/api checks its output with the real promtool.
//
// Label values must come from bounded sets (a route template, a status code),
// never from user input such as a raw path or a meter id.
//
// Thread safety: all methods are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace metrify::obs {

using LabelValues = std::vector<std::string>;

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~MetricFamily() = default;
  const std::string& name() const { return name_; }
  // Appends "# HELP", "# TYPE" and one line per sample.
  virtual void Render(std::string& out) const = 0;

 protected:
  // `{a="x",b="y"}` (with `extra` appended, e.g. le="0.5"), or "" when empty.
  std::string LabelText(const LabelValues& values, const std::string& extra = "") const;
  void RenderHeader(std::string& out, const char* type) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

class Counter : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  // REQUIRES: labels.size() == label names given at registration; delta >= 0.
  void Inc(const LabelValues& labels, double delta = 1);
  double Value(const LabelValues& labels) const;
  // A counter kept elsewhere (a component's own running total), read at
  // scrape time; replaces any incremented values. It must never decrease.
  void SetCallback(std::function<double()> read);
  void Render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
  std::function<double()> read_;
};

class Gauge : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  void Set(const LabelValues& labels, double value);
  // A gauge read at scrape time; replaces any set values.
  void SetCallback(std::function<double()> read);
  void Render(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
  std::function<double()> read_;
};

class Histogram : public MetricFamily {
 public:
  // `bounds` are the upper bounds of the buckets, ascending; +Inf is implied.
  Histogram(std::string name, std::string help, std::vector<std::string> label_names,
            std::vector<double> bounds);
  void Observe(const LabelValues& labels, double value);
  void Render(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  std::vector<double> bounds_;
  std::map<LabelValues, Series> series_;
};

class MetricsRegistry {
 public:
  // Registration returns a reference that lives as long as the registry.
  // REQUIRES: `name` is a valid metric name not registered before.
  Counter& AddCounter(std::string name, std::string help, std::vector<std::string> labels = {});
  Gauge& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Histogram& AddHistogram(std::string name, std::string help, std::vector<std::string> labels,
                          std::vector<double> bounds);
  // The whole exposition, families in registration order.
  std::string Render() const;

 private:
  template <typename F>
  F& Add(std::unique_ptr<F> family) {
    std::lock_guard lock(mu_);
    F& ref = *family;
    families_.push_back(std::move(family));
    return ref;
  }

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

// Escapes a label value: backslash, double quote and newline.
std::string EscapeLabelValue(const std::string& value);

}  // namespace metrify::obs
