// Internals of QueueManager shared by queue_manager.cc (the WAL reader) and
// queue_shard.cc (the senders). Not part of remote/'s API.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "model/sample.h"
#include "remote/http_client.h"
#include "remote/queue_manager.h"
#include "remote/write_request.h"

namespace promlite::remote {

struct QueueManager::Series {
  std::string encoded_labels;  // protobuf Label messages; empty when dropped
  bool dropped = false;
  uint64_t segment = 0;  // newest segment (or checkpoint) that listed the series
};

// One queued sample.
struct QueueEntry {
  const QueueManager::Series* series;
  int64_t t;
  double v;
  uint64_t seq;  // the WAL record the sample came from (progress tracking)
};

// One shard: a bounded queue and a thread that batches and sends. The reader
// appends under `mu` while the queue holds less than the capacity.
struct QueueManager::Shard {
  QueueManager* q;
  std::unique_ptr<HttpClient> client;
  std::mutex mu;
  std::condition_variable cv;        // shard thread: data or stop
  std::condition_variable space_cv;  // reader: room in the queue
  std::deque<QueueEntry> queue;
  // When each run of queued samples arrived, oldest first: (samples queued
  // before the run, since start; time). The front one is the arrival of the
  // oldest sample still queued, which batch_send_deadline counts from.
  std::deque<std::pair<uint64_t, std::chrono::steady_clock::time_point>> arrivals;
  uint64_t pushed = 0;  // samples queued since start
  uint64_t taken = 0;   // samples taken from the queue since start
  bool busy = false;    // a batch is being sent
  bool flush = false;   // send what is queued without waiting
  bool stop = false;
  std::thread thread;
  // Reused between batches.
  WriteRequestBuilder builder;
  std::vector<model::Sample> samples;
  std::vector<std::pair<uint64_t, uint32_t>> runs;

  // The thread's loop: batches of max_samples_per_send, or fewer once the
  // oldest queued sample waited batch_send_deadline, or when flushing.
  void run();
  // Queues `entries`, arrived now. REQUIRES: mu held.
  void push(const std::vector<QueueEntry>& entries);
  // Moves the oldest `n` queued samples into `batch`. REQUIRES: mu held.
  void take(size_t n, std::vector<QueueEntry>& batch);
  // Sends until acknowledged, dropped, or stopping; false when stopping.
  // Reports every sample taken from the queue to QueueManager::complete().
  bool send(std::vector<QueueEntry>& batch);
  // The snappy-compressed WriteRequest of `batch` (reordered: by series).
  std::string encode(std::vector<QueueEntry>& batch, int64_t* max_t);
  // Removes the samples older than sample_age_limit, counted as dropped.
  bool expire(std::vector<QueueEntry>& batch);
};

}  // namespace promlite::remote
