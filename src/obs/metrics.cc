#include "obs/metrics.h"

#include <cassert>
#include <cmath>

#include <fmt/format.h>

namespace metrify::obs {

namespace {
// Prometheus spells non-finite values +Inf, -Inf and NaN; fmt's shortest
// round-trip form is right for everything else.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}
}  // namespace

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string MetricFamily::LabelText(const LabelValues& values, const std::string& extra) const {
  assert(values.size() == label_names_.size());
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", label_names_[i],
                       EscapeLabelValue(values[i]));
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void MetricFamily::RenderHeader(std::string& out, const char* type) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, help_, name_, type);
}

void Counter::Inc(const LabelValues& labels, double delta) {
  std::lock_guard lock(mu_);
  values_[labels] += delta;
}

double Counter::Value(const LabelValues& labels) const {
  std::lock_guard lock(mu_);
  auto it = values_.find(labels);
  return it == values_.end() ? 0 : it->second;
}

void Counter::SetCallback(std::function<double()> read) {
  std::lock_guard lock(mu_);
  read_ = std::move(read);
}

void Counter::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  RenderHeader(out, "counter");
  if (read_) {
    out += fmt::format("{} {}\n", name_, FormatValue(read_()));
    return;
  }
  for (const auto& [labels, value] : values_) {
    out += fmt::format("{}{} {}\n", name_, LabelText(labels), FormatValue(value));
  }
}

void Gauge::Set(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  values_[labels] = value;
}

void Gauge::SetCallback(std::function<double()> read) {
  std::lock_guard lock(mu_);
  read_ = std::move(read);
}

void Gauge::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  RenderHeader(out, "gauge");
  if (read_) {
    out += fmt::format("{} {}\n", name_, FormatValue(read_()));
    return;
  }
  for (const auto& [labels, value] : values_) {
    out += fmt::format("{}{} {}\n", name_, LabelText(labels), FormatValue(value));
  }
}

Histogram::Histogram(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

void Histogram::Observe(const LabelValues& labels, double value) {
  std::lock_guard lock(mu_);
  Series& s = series_[labels];
  if (s.counts.empty()) s.counts.assign(bounds_.size() + 1, 0);
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  ++s.counts[bucket];
  ++s.count;
  s.sum += value;
}

void Histogram::Render(std::string& out) const {
  std::lock_guard lock(mu_);
  RenderHeader(out, "histogram");
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.counts[i];
      std::string le = i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
      out += fmt::format("{}_bucket{} {}\n", name_, LabelText(labels, "le=\"" + le + "\""),
                         cumulative);
    }
    out += fmt::format("{}_sum{} {}\n", name_, LabelText(labels), FormatValue(s.sum));
    out += fmt::format("{}_count{} {}\n", name_, LabelText(labels), s.count);
  }
}

Counter& MetricsRegistry::AddCounter(std::string name, std::string help,
                                     std::vector<std::string> labels) {
  return Add(std::make_unique<Counter>(std::move(name), std::move(help), std::move(labels)));
}

Gauge& MetricsRegistry::AddGauge(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  return Add(std::make_unique<Gauge>(std::move(name), std::move(help), std::move(labels)));
}

Histogram& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                         std::vector<std::string> labels,
                                         std::vector<double> bounds) {
  return Add(std::make_unique<Histogram>(std::move(name), std::move(help), std::move(labels),
                                         std::move(bounds)));
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& family : families_) family->Render(out);
  return out;
}

}  // namespace metrify::obs
