#include "metrics.h"

#include <sstream>

namespace helpsearch {

void Metrics::observe(const std::string& endpoint, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
  Histogram& h = latency_[endpoint];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::zero_result() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++zero_results_;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::ostringstream out;
  out << "# HELP helpsearch_requests_total HTTP requests by endpoint and status.\n"
      << "# TYPE helpsearch_requests_total counter\n";
  for (const auto& [k, n] : requests_)
    out << "helpsearch_requests_total{endpoint=\"" << k.first << "\",status=\"" << k.second << "\"} " << n << '\n';
  out << "# HELP helpsearch_request_duration_seconds Time to answer a request.\n"
      << "# TYPE helpsearch_request_duration_seconds histogram\n";
  for (const auto& [endpoint, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      out << "helpsearch_request_duration_seconds_bucket{endpoint=\"" << endpoint << "\",le=\"" << kBuckets[i]
          << "\"} " << h.counts[i] << '\n';
    out << "helpsearch_request_duration_seconds_bucket{endpoint=\"" << endpoint << "\",le=\"+Inf\"} " << h.count
        << '\n'
        << "helpsearch_request_duration_seconds_sum{endpoint=\"" << endpoint << "\"} " << h.sum << '\n'
        << "helpsearch_request_duration_seconds_count{endpoint=\"" << endpoint << "\"} " << h.count << '\n';
  }
  out << "# HELP helpsearch_zero_result_searches_total Searches that found nothing.\n"
      << "# TYPE helpsearch_zero_result_searches_total counter\n"
      << "helpsearch_zero_result_searches_total " << zero_results_ << '\n';
  return out.str();
}

}  // namespace helpsearch
