// Prometheus metrics: requests by endpoint and status, latency histograms,
// zero-result searches. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>
#include <mutex>
#include <string>

namespace helpsearch {

class Metrics {
 public:
  /// Records one request.
  void observe(const std::string& endpoint, int status, double seconds);
  /// Counts a search that found nothing.
  void zero_result();
  /// Counts an error answer (4xx or 5xx) by route ("unrouted" before routing) and kind (its error code).
  void error(const std::string& route, const std::string& kind);
  /// Adds a source of further lines (gauges owned elsewhere) to render().
  void add_source(std::function<std::string()> source);
  /// The Prometheus text exposition of everything recorded.
  std::string render() const;

 private:
  static constexpr std::array<double, 11> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  uint64_t zero_results_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> errors_;
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace helpsearch
