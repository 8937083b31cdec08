// metrics.hpp: a small thread-safe metrics registry (counters, gauges, histograms) rendered in the
// Prometheus text exposition format 0.0.4. Every label has a fixed vocabulary declared with the
// family; a value outside it is counted under "other", so no label can grow without bound (and no
// address, domain or path can ever reach one). A family's series live in one array indexed by
// the label values, created up front: observing is a lookup plus an atomic add, no lock and no
// allocation. Only series that were observed (or touch()ed) are exported.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bounced {

// One label and the only values it may take. "other" is added when missing: unknown values land there.
struct LabelSpec {
  std::string name;
  std::vector<std::string> values;
};

// The label layout shared by every kind of family: value lookup and the series index.
class LabelSet {
 public:
  explicit LabelSet(std::vector<LabelSpec> labels);
  // Series index for these values (one per label, in declaration order). Unknown values map to
  // "other"; a wrong number of values gives series(), which every update ignores (a programming
  // error: never a crash, never counted under a real series).
  std::size_t index(std::initializer_list<std::string_view> values) const;
  std::size_t index_of(std::span<const std::string_view> values) const;
  // Index of `value` within label `label`'s vocabulary ("other" if unknown).
  std::size_t value_index(std::size_t label, std::string_view value) const;
  std::size_t series() const { return series_; }
  std::size_t labels() const { return labels_.size(); }
  // `{a="x",b="y"}` for a series ("" without labels); `extra` is appended as one more label.
  std::string render(std::size_t series, std::string_view extra = {}) const;

 private:
  std::vector<LabelSpec> labels_;
  std::vector<std::size_t> other_;   // per label: index of "other"
  std::vector<std::size_t> stride_;  // mixed-radix place value per label
  std::size_t series_ = 1;
};

class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<LabelSpec> labels);
  virtual ~MetricFamily() = default;
  const std::string& name() const { return name_; }
  const LabelSet& label_set() const { return labels_; }
  std::size_t index(std::initializer_list<std::string_view> values) const { return labels_.index(values); }
  // Export this series even while it is zero (for the series a dashboard expects to exist).
  void touch(std::size_t series) {
    if (series < labels_.series()) present_[series].store(true, std::memory_order_relaxed);
  }
  void touch_all();
  virtual void render(std::string& out) const = 0;

 protected:
  void header(std::string& out, std::string_view type) const;
  bool present(std::size_t series) const { return present_[series].load(std::memory_order_relaxed); }
  void mark(std::size_t series) {
    if (!present_[series].load(std::memory_order_relaxed)) present_[series].store(true, std::memory_order_relaxed);
  }

  std::string name_, help_;
  LabelSet labels_;
  std::unique_ptr<std::atomic<bool>[]> present_;
};

class CounterFamily : public MetricFamily {
 public:
  CounterFamily(std::string name, std::string help, std::vector<LabelSpec> labels);
  void inc(std::size_t series, std::uint64_t n = 1);
  void inc(std::initializer_list<std::string_view> values, std::uint64_t n = 1) { inc(index(values), n); }
  std::uint64_t value(std::size_t series = 0) const {
    return series < labels_.series() ? values_[series].load(std::memory_order_relaxed) : 0;
  }
  void render(std::string& out) const override;

 private:
  std::unique_ptr<std::atomic<std::uint64_t>[]> values_;
};

class GaugeFamily : public MetricFamily {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<LabelSpec> labels);
  void set(std::size_t series, double v);
  void add(std::size_t series, double delta);
  void set(double v) { set(0, v); }
  void add(double delta) { add(0, delta); }
  double value(std::size_t series = 0) const {
    return series < labels_.series() ? values_[series].load(std::memory_order_relaxed) : 0;
  }
  void render(std::string& out) const override;

 private:
  std::unique_ptr<std::atomic<double>[]> values_;
};

class HistogramFamily : public MetricFamily {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing (+Inf is implicit).
  HistogramFamily(std::string name, std::string help, std::vector<double> bounds, std::vector<LabelSpec> labels);
  void observe(std::size_t series, double v);
  void observe(double v) { observe(0, v); }
  std::uint64_t count(std::size_t series = 0) const;
  void render(std::string& out) const override;

 private:
  std::vector<double> bounds_;
  std::size_t width_;  // bounds + 1 (+Inf) per series
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // non-cumulative
  std::unique_ptr<std::atomic<double>[]> sums_;
};

// Owns the families and renders them all, after running the collectors (which refresh gauges
// whose value lives elsewhere, such as the store's outbox backlog). Registration validates names
// (Prometheus syntax, counters end in _total, no duplicates) and throws std::logic_error.
class MetricRegistry {
 public:
  CounterFamily& counter(std::string name, std::string help, std::vector<LabelSpec> labels = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<LabelSpec> labels = {});
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> bounds,
                             std::vector<LabelSpec> labels = {});
  // Called (under the render lock) before each render. Must not throw; must not register families.
  void add_collector(std::function<void()> collect);
  void clear_collectors();
  std::string render();

 private:
  void check_new(const std::string& name);
  std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Prometheus number: "+Inf", "-Inf", "NaN", or the shortest text that reads back the same.
std::string format_metric_value(double v);
// Label value with \\, \" and \n escaped; HELP text with \\ and \n escaped.
void append_escaped_label_value(std::string& out, std::string_view v);
void append_escaped_help(std::string& out, std::string_view v);
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

}  // namespace bounced
