// One target's scrape loop: every interval (first at a per-target offset), fetch
// the target, parse the body, and append its samples plus the synthetic series
// (up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling, scrape_series_added) in one batch.
//
// Failure semantics, as Prometheus:
// - a failed scrape (connection, timeout, HTTP status, malformed body, sample or
//   label limit) stores nothing of the body, writes staleness markers for every
//   series of the last successful scrape, and reports up=0 with the reason;
// - series that vanish between two successful scrapes get a staleness marker;
// - stopping a loop (target gone, config changed) writes staleness markers for
//   all its series.
// Per-sample storage rejections (out of order, duplicate) skip that sample only.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "config/relabel_config.h"
#include "scraper/http_fetcher.h"
#include "scraper/relabel.h"
#include "scraper/scrape_cache.h"
#include "scraper/scrape_metrics.h"
#include "scraper/target_status.h"
#include "tsdb/appender.h"

namespace promlite::scraper {

struct LoopOptions {
  std::string scrape_pool;
  model::Labels target_labels;      // public labels, attached to every sample
  model::Labels discovered_labels;  // for the status page
  std::string scrape_url;
  FetchRequest request;  // host, port, target, accept, timeout, limits
  // Set when the target's address names no host and port that can be dialled
  // (e.g. "a:b:9090"): every scrape fails with it, so the target is listed as
  // down with the reason, as Prometheus lists a target whose URL does not parse.
  Status address_error;
  model::Duration interval = model::kMinute;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  std::shared_ptr<const config::RelabelConfigs> metric_relabel;
  // scrape_protocols name used when the Content-Type is blank, unparsable or
  // unknown; empty: such a scrape fails (Prometheus 3).
  std::string fallback_scrape_protocol;
  // metric_name_validation_scheme: legacy fails scrapes whose final label
  // sets hold names outside [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':').
  bool legacy_name_validation = false;
};

class ScrapeLoop : public std::enable_shared_from_this<ScrapeLoop> {
 public:
  ScrapeLoop(boost::asio::io_context& ioc, tsdb::Appendable& storage,
             std::shared_ptr<HttpFetcher> fetcher, LoopOptions options,
             std::shared_ptr<ScrapeStats> stats);

  // Starts scraping at the target's offset within the interval.
  void start();
  // Stops; when the scrape in flight (if any) has ended, writes staleness
  // markers for every series (if `stale_markers`) and then calls `done`.
  void stop(bool stale_markers, std::function<void()> done = nullptr);

  // One scrape right now, outside the schedule (tests); `done` after commit.
  void scrape_now(std::function<void()> done);

  // Everything a scrape does after its fetch (content negotiation, parse,
  // cache, relabeling, append, staleness markers, report, commit), run
  // synchronously on the calling thread with `result` as the response. Only
  // for a loop never start()ed and not scraping (benchmarks); not thread-safe.
  void process_fetched(FetchResult result, model::Timestamp ts);

  // A non-ok error makes every scrape fail with it without contacting the
  // target (the pool's target_limit); ok clears it. Thread-safe.
  void set_forced_error(Status err);

  ActiveTarget status() const;
  std::map<std::string, MetricMetadata> metadata() const;
  const LoopOptions& options() const { return options_; }

 private:
  void schedule(std::chrono::steady_clock::time_point at);
  void run_scrape(std::function<void()> done);
  void on_fetched(FetchResult result, model::Timestamp ts,
                  std::chrono::steady_clock::time_point started, std::function<void()> done);
  // Appends a successful body; a non-ok Status fails the whole scrape, and
  // *why then says which kind of failure it was.
  Status append_body(tsdb::Appender& app, const FetchResult& r, model::Timestamp ts,
                     uint64_t* scraped, uint64_t* post_relabel, uint64_t* added,
                     FailureReason* why);
  ScrapeCache::Entry* resolve(std::string_view raw, const model::Labels& exposed, bool stale_track,
                              Status* err, FailureReason* why);
  // The stored label set of an exposed series: target labels merged,
  // metric_relabel_configs applied, names and limits checked. Empty with
  // *err ok when relabeling drops the series.
  model::Labels final_labels(const model::Labels& exposed, Status* err, FailureReason* why);
  void append_stale(tsdb::Appender& app, const std::vector<ScrapeCache::Entry*>& entries,
                    model::Timestamp ts);
  // Staleness markers for the synthetic series (target going away).
  void append_report_stale(tsdb::Appender& app, model::Timestamp ts);
  void append_report(tsdb::Appender& app, model::Timestamp ts, double duration, bool up,
                     uint64_t scraped, uint64_t post_relabel, uint64_t added);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  tsdb::Appendable& storage_;
  std::shared_ptr<HttpFetcher> fetcher_;
  LoopOptions options_;
  std::shared_ptr<ScrapeStats> stats_;

  // Loop state; touched only on strand_.
  ScrapeCache cache_;
  Relabeler relabeler_;
  model::LabelsBuilder scratch_;
  tsdb::SeriesRef report_refs_[5] = {0, 0, 0, 0, 0};
  bool scraping_ = false;
  bool forced_failure_ = false;  // the scrape in flight failed by set_forced_error()
  bool stopped_ = false;
  std::function<void()> on_stopped_;
  bool stale_on_stop_ = false;
  std::chrono::steady_clock::time_point next_;
  std::chrono::steady_clock::time_point last_start_{};  // for interval_length
  prometheus::Summary* interval_summary_ = nullptr;

  mutable std::mutex forced_mu_;
  Status forced_error_;

  // Status, read by the API from other threads.
  mutable std::mutex status_mu_;
  ActiveTarget status_;
  std::map<std::string, MetricMetadata> metadata_;
};

// The scrape offset of a target within its interval, from a hash of its labels
// and URL, so that many targets spread over the interval (as Prometheus does).
model::Duration scrape_offset(const model::Labels& labels, const std::string& url,
                              model::Duration interval);

// Target labels merged into scraped labels (honor_labels semantics; with
// honor_labels=false clashing exposed labels become exported_<name>).
model::Labels merge_target_labels(const model::Labels& exposed, const model::Labels& target,
                                  bool honor_labels, model::LabelsBuilder& scratch);

}  // namespace promlite::scraper
