// metrics.cpp: see metrics.hpp.
#include "metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace bounced {

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.substr(0, 2) == "__" || n.find(':') != std::string_view::npos) return false;
  return valid_metric_name(n);
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

// --- LabelSet ---

LabelSet::LabelSet(std::vector<LabelSpec> labels) : labels_(std::move(labels)) {
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    auto& l = labels_[i];
    if (!valid_label_name(l.name) || l.name == "le" || l.name == "quantile")
      throw std::logic_error("metrics: bad label name '" + l.name + "'");
    for (std::size_t j = 0; j < i; ++j)
      if (labels_[j].name == l.name) throw std::logic_error("metrics: label '" + l.name + "' declared twice");
    auto it = std::find(l.values.begin(), l.values.end(), "other");
    if (it == l.values.end()) {
      l.values.emplace_back("other");
      it = l.values.end() - 1;
    }
    other_.push_back(static_cast<std::size_t>(it - l.values.begin()));
    if (l.values.size() > 4096) throw std::logic_error("metrics: label '" + l.name + "' has too many values");
  }
  stride_.resize(labels_.size());
  for (std::size_t i = labels_.size(); i-- > 0;) {
    stride_[i] = series_;
    series_ *= labels_[i].values.size();
    if (series_ > 100000) throw std::logic_error("metrics: too many label combinations");
  }
}

std::size_t LabelSet::value_index(std::size_t label, std::string_view value) const {
  const auto& vs = labels_[label].values;
  for (std::size_t i = 0; i < vs.size(); ++i)
    if (vs[i] == value) return i;
  return other_[label];
}

std::size_t LabelSet::index_of(std::span<const std::string_view> values) const {
  if (values.size() != labels_.size()) return series_;  // out of range: the update is dropped
  std::size_t idx = 0;
  for (std::size_t i = 0; i < values.size(); ++i) idx += value_index(i, values[i]) * stride_[i];
  return idx;
}

std::size_t LabelSet::index(std::initializer_list<std::string_view> values) const {
  return index_of(std::span<const std::string_view>(values.begin(), values.size()));
}

std::string LabelSet::render(std::size_t series, std::string_view extra) const {
  if (labels_.empty() && extra.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    if (i) out += ',';
    out += labels_[i].name;
    out += "=\"";
    append_escaped_label_value(out, labels_[i].values[(series / stride_[i]) % labels_[i].values.size()]);
    out += '"';
  }
  if (!extra.empty()) {
    if (!labels_.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

// --- families ---

MetricFamily::MetricFamily(std::string name, std::string help, std::vector<LabelSpec> labels)
    : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)),
      present_(std::make_unique<std::atomic<bool>[]>(labels_.series())) {
  if (!valid_metric_name(name_)) throw std::logic_error("metrics: bad metric name '" + name_ + "'");
}

void MetricFamily::touch_all() {
  for (std::size_t i = 0; i < labels_.series(); ++i) touch(i);
}

void MetricFamily::header(std::string& out, std::string_view type) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type;
  out += '\n';
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<LabelSpec> labels)
    : MetricFamily(std::move(name), std::move(help), std::move(labels)),
      values_(std::make_unique<std::atomic<std::uint64_t>[]>(labels_.series())) {
  if (name_.size() < 6 || name_.substr(name_.size() - 6) != "_total")
    throw std::logic_error("metrics: counter '" + name_ + "' must end in _total");
}

void CounterFamily::inc(std::size_t series, std::uint64_t n) {
  if (series >= labels_.series()) return;
  values_[series].fetch_add(n, std::memory_order_relaxed);
  mark(series);
}

void CounterFamily::render(std::string& out) const {
  header(out, "counter");
  for (std::size_t i = 0; i < labels_.series(); ++i) {
    if (!present(i)) continue;
    out += name_;
    out += labels_.render(i);
    out += ' ';
    out += std::to_string(values_[i].load(std::memory_order_relaxed));
    out += '\n';
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help, std::vector<LabelSpec> labels)
    : MetricFamily(std::move(name), std::move(help), std::move(labels)),
      values_(std::make_unique<std::atomic<double>[]>(labels_.series())) {}

void GaugeFamily::set(std::size_t series, double v) {
  if (series >= labels_.series()) return;
  values_[series].store(v, std::memory_order_relaxed);
  mark(series);
}

void GaugeFamily::add(std::size_t series, double delta) {
  if (series >= labels_.series()) return;
  auto& a = values_[series];
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + delta, std::memory_order_relaxed)) {
  }
  mark(series);
}

void GaugeFamily::render(std::string& out) const {
  header(out, "gauge");
  for (std::size_t i = 0; i < labels_.series(); ++i) {
    if (!present(i)) continue;
    out += name_;
    out += labels_.render(i);
    out += ' ';
    out += format_metric_value(values_[i].load(std::memory_order_relaxed));
    out += '\n';
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<double> bounds,
                                 std::vector<LabelSpec> labels)
    : MetricFamily(std::move(name), std::move(help), std::move(labels)), bounds_(std::move(bounds)),
      width_(bounds_.size() + 1),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(labels_.series() * width_)),
      sums_(std::make_unique<std::atomic<double>[]>(labels_.series())) {
  if (bounds_.empty()) throw std::logic_error("metrics: histogram '" + name_ + "' needs buckets");
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::logic_error("metrics: histogram '" + name_ + "' bounds must be finite and increasing");
}

void HistogramFamily::observe(std::size_t series, double v) {
  if (series >= labels_.series() || std::isnan(v)) return;
  const std::size_t b = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  buckets_[series * width_ + b].fetch_add(1, std::memory_order_relaxed);
  auto& s = sums_[series];
  double cur = s.load(std::memory_order_relaxed);
  while (!s.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  mark(series);
}

std::uint64_t HistogramFamily::count(std::size_t series) const {
  std::uint64_t n = 0;
  if (series >= labels_.series()) return 0;
  for (std::size_t b = 0; b < width_; ++b) n += buckets_[series * width_ + b].load(std::memory_order_relaxed);
  return n;
}

void HistogramFamily::render(std::string& out) const {
  header(out, "histogram");
  for (std::size_t i = 0; i < labels_.series(); ++i) {
    if (!present(i)) continue;
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < width_; ++b) {
      cumulative += buckets_[i * width_ + b].load(std::memory_order_relaxed);
      const std::string le = "le=\"" + (b < bounds_.size() ? format_metric_value(bounds_[b]) : "+Inf") + "\"";
      out += name_;
      out += "_bucket";
      out += labels_.render(i, le);
      out += ' ';
      out += std::to_string(cumulative);
      out += '\n';
    }
    // _count equals the +Inf bucket, both read from the same snapshot.
    out += name_ + "_sum" + labels_.render(i) + ' ' + format_metric_value(sums_[i].load(std::memory_order_relaxed)) + '\n';
    out += name_ + "_count" + labels_.render(i) + ' ' + std::to_string(cumulative) + '\n';
  }
}

// --- registry ---

void MetricRegistry::check_new(const std::string& name) {
  for (const auto& f : families_) {
    // A histogram's _bucket/_sum/_count and the family names must not collide either.
    if (f->name() == name) throw std::logic_error("metrics: '" + name + "' registered twice");
  }
}

CounterFamily& MetricRegistry::counter(std::string name, std::string help, std::vector<LabelSpec> labels) {
  std::lock_guard lk(mu_);
  check_new(name);
  auto f = std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

GaugeFamily& MetricRegistry::gauge(std::string name, std::string help, std::vector<LabelSpec> labels) {
  std::lock_guard lk(mu_);
  check_new(name);
  auto f = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

HistogramFamily& MetricRegistry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                           std::vector<LabelSpec> labels) {
  std::lock_guard lk(mu_);
  check_new(name);
  auto f = std::make_unique<HistogramFamily>(std::move(name), std::move(help), std::move(bounds), std::move(labels));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

void MetricRegistry::add_collector(std::function<void()> collect) {
  std::lock_guard lk(mu_);
  collectors_.push_back(std::move(collect));
}

void MetricRegistry::clear_collectors() {
  std::lock_guard lk(mu_);
  collectors_.clear();
}

std::string MetricRegistry::render() {
  std::lock_guard lk(mu_);
  for (const auto& c : collectors_) c();
  std::string out;
  out.reserve(8192);
  for (const auto& f : families_) f->render(out);
  return out;
}

}  // namespace bounced
