// Classic (le-bucket) histogram math: histogram_quantile and histogram_fraction.
#pragma once

#include <vector>

namespace promlite::query {

struct Bucket {
  double upper_bound = 0;
  double count = 0;
};

struct BucketQuantileResult {
  double value = 0;
  bool forced_monotonic = false;  // a decreasing cumulative count was raised
};

// Prometheus's bucketQuantile: sorts and coalesces `buckets` in place.
BucketQuantileResult bucket_quantile(double q, std::vector<Bucket>& buckets);

// Prometheus's BucketFraction: the share of observations in [lower, upper].
double bucket_fraction(double lower, double upper, std::vector<Bucket>& buckets);

}  // namespace promlite::query
