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

void Metrics::error(const std::string& route, const std::string& kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++errors_[{route, kind}];
}

void Metrics::add_source(std::function<std::string()> source) {
  std::lock_guard<std::mutex> lock(mutex_);
  sources_.push_back(std::move(source));
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
  out << "# HELP helpsearchd_errors_total Error answers (4xx and 5xx) by route and kind (the error code).\n"
      << "# TYPE helpsearchd_errors_total counter\n";
  for (const auto& [k, n] : errors_)
    out << "helpsearchd_errors_total{route=\"" << k.first << "\",kind=\"" << k.second << "\"} " << n << '\n';
  for (const auto& source : sources_) out << source();
  return out.str();
}

}  // namespace helpsearch
