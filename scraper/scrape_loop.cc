#include "scraper/scrape_loop.h"

#include <boost/asio/post.hpp>
#include <cstdio>

#include "model/duration.h"
#include "model/log.h"
#include "scraper/textparse/content_type.h"

namespace promlite::scraper {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view kReportNames[5] = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling", "scrape_series_added"};

std::string truncate50(std::string_view s) { return std::string(s.substr(0, 50)); }

bool legacy_name(std::string_view s, bool metric) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (metric && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's strconv.Quote for the ASCII cases a label set holds.
void append_go_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\x");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// Prometheus's labels.Labels.String(): {__name__="up", job="x"}.
std::string go_labels_string(const model::Labels& l) {
  std::string out = "{";
  bool first = true;
  for (model::Label lab : l) {
    if (!first) out.append(", ");
    first = false;
    if (legacy_name(lab.name, false)) {
      out.append(lab.name);
    } else {
      append_go_quoted(out, lab.name);
    }
    out.push_back('=');
    append_go_quoted(out, lab.value);
  }
  return out + "}";
}

// metric_name_validation_scheme: legacy.
bool legacy_valid(const model::Labels& l) {
  for (model::Label lab : l) {
    bool metric = lab.name == model::kMetricName;
    if (!legacy_name(metric ? lab.value : lab.name, metric)) return false;
  }
  return true;
}

// Prometheus's label limit checks, with its messages.
Status check_label_limits(const model::Labels& l, const LoopOptions& o) {
  if (!o.label_limit && !o.label_name_length_limit && !o.label_value_length_limit) {
    return Status::ok();
  }
  std::string metric = truncate50(l.metric_name());
  if (o.label_limit) {
    size_t n = l.size();
    if (n > o.label_limit) {
      return invalid_argument("label_limit exceeded (metric: " + metric +
                              ", number of labels: " + std::to_string(n) +
                              ", limit: " + std::to_string(o.label_limit) + ")");
    }
  }
  for (model::Label lab : l) {
    if (o.label_name_length_limit && lab.name.size() > o.label_name_length_limit) {
      return invalid_argument("label_name_length_limit exceeded (metric: " + metric +
                              ", label name: " + truncate50(lab.name) +
                              ", length: " + std::to_string(lab.name.size()) +
                              ", limit: " + std::to_string(o.label_name_length_limit) + ")");
    }
    if (o.label_value_length_limit && lab.value.size() > o.label_value_length_limit) {
      return invalid_argument("label_value_length_limit exceeded (metric: " + metric +
                              ", label name: " + truncate50(lab.name) + ", value: \"" +
                              truncate50(lab.value) +
                              "\", length: " + std::to_string(lab.value.size()) +
                              ", limit: " + std::to_string(o.label_value_length_limit) + ")");
    }
  }
  return Status::ok();
}

// Why fetching failed, from the fetcher's status code and the HTTP status.
FailureReason fetch_failure_reason(const FetchResult& r) {
  switch (r.status.code()) {
    case StatusCode::kDeadlineExceeded:
      return FailureReason::kTimeout;
    case StatusCode::kResourceExhausted:
      return FailureReason::kBodySizeLimit;
    case StatusCode::kInvalidArgument:
      return FailureReason::kParse;  // a body that does not inflate
    default:
      break;
  }
  bool answered_non_2xx = r.http_status != 0 && (r.http_status < 200 || r.http_status > 299);
  return answered_non_2xx ? FailureReason::kHttpStatus : FailureReason::kConnection;
}

}  // namespace

model::Duration scrape_offset(const model::Labels& labels, const std::string& url,
                              model::Duration interval) {
  if (interval <= 0) return 0;
  uint64_t h = labels.hash() ^ model::hash_bytes(url.data(), url.size(), 0x5eed);
  return static_cast<model::Duration>(h % static_cast<uint64_t>(interval));
}

model::Labels merge_target_labels(const model::Labels& exposed, const model::Labels& target,
                                  bool honor_labels, model::LabelsBuilder& b) {
  b.reset(exposed);
  if (honor_labels) {
    for (model::Label l : target) {
      if (exposed.get(l.name).empty()) b.set(l.name, l.value);
    }
    return b.build();
  }
  std::vector<std::pair<std::string, std::string>> conflicts;
  for (model::Label l : target) {
    std::string_view existing = exposed.get(l.name);
    if (!existing.empty()) conflicts.emplace_back(std::string(l.name), std::string(existing));
    b.set(l.name, l.value);
  }
  for (auto& [name, value] : conflicts) {
    std::string renamed = "exported_" + name;
    while (!b.get(renamed).empty()) renamed = "exported_" + renamed;
    b.set(renamed, value);
  }
  return b.build();
}

ScrapeLoop::ScrapeLoop(net::io_context& ioc, tsdb::Appendable& storage,
                       std::shared_ptr<HttpFetcher> fetcher, LoopOptions options,
                       std::shared_ptr<ScrapeStats> stats)
    : strand_(net::make_strand(ioc)),
      timer_(strand_),
      storage_(storage),
      fetcher_(std::move(fetcher)),
      options_(std::move(options)),
      stats_(std::move(stats)) {
  interval_summary_ = &stats_->interval_length(options_.interval);
  status_.discovered_labels = options_.discovered_labels;
  status_.labels = options_.target_labels;
  status_.scrape_pool = options_.scrape_pool;
  status_.scrape_url = options_.scrape_url;
  status_.scrape_interval = options_.interval;
  status_.scrape_timeout = options_.request.timeout;
}

void ScrapeLoop::start() {
  net::post(strand_, [self = shared_from_this()] {
    auto now_wall = model::now_ms();
    auto interval = self->options_.interval;
    auto offset = scrape_offset(self->options_.target_labels, self->options_.scrape_url, interval);
    // Delay to the next instant whose phase within the interval equals the offset.
    int64_t delay = ((offset - now_wall % interval) % interval + interval) % interval;
    self->next_ = Clock::now() + std::chrono::milliseconds(delay);
    self->schedule(self->next_);
  });
}

void ScrapeLoop::schedule(Clock::time_point at) {
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped_) return;
    self->run_scrape(nullptr);
  });
}

void ScrapeLoop::scrape_now(std::function<void()> done) {
  net::post(strand_, [self = shared_from_this(), done = std::move(done)]() mutable {
    if (self->scraping_ || self->stopped_) {
      if (done) done();
      return;
    }
    self->run_scrape(std::move(done));
  });
}

void ScrapeLoop::set_forced_error(Status err) {
  std::lock_guard<std::mutex> lock(forced_mu_);
  forced_error_ = std::move(err);
}

void ScrapeLoop::process_fetched(FetchResult result, model::Timestamp ts) {
  on_fetched(std::move(result), ts, Clock::now(), [] {});
}

void ScrapeLoop::run_scrape(std::function<void()> done) {
  scraping_ = true;
  model::Timestamp ts = model::now_ms();
  Clock::time_point started = Clock::now();
  if (!done) {
    // Only scheduled scrapes: the actual spacing Prometheus reports.
    if (last_start_ != Clock::time_point{}) {
      interval_summary_->Observe(std::chrono::duration<double>(started - last_start_).count());
    }
    last_start_ = started;
  }
  Status forced;
  {
    std::lock_guard<std::mutex> lock(forced_mu_);
    forced = forced_error_;
  }
  const bool limit = !forced.is_ok();
  if (!limit) forced = options_.address_error;
  if (!forced.is_ok()) {
    forced_failure_ = limit;  // read by on_fetched, on the same strand
    FetchResult r;
    r.status = std::move(forced);
    net::post(strand_, [self = shared_from_this(), r = std::move(r), ts, started,
                        done = std::move(done)]() mutable {
      self->on_fetched(std::move(r), ts, started, std::move(done));
    });
    return;
  }
  fetcher_->fetch(options_.request, [self = shared_from_this(), ts, started,
                                     done = std::move(done)](FetchResult r) mutable {
    net::post(self->strand_,
              [self, r = std::move(r), ts, started, done = std::move(done)]() mutable {
                self->on_fetched(std::move(r), ts, started, std::move(done));
              });
  });
}

void ScrapeLoop::on_fetched(FetchResult result, model::Timestamp ts, Clock::time_point started,
                            std::function<void()> done) {
  uint64_t scraped = 0, post_relabel = 0, added = 0;
  Status outcome = result.status;
  FailureReason reason = FailureReason::kConnection;
  if (!outcome.is_ok()) {
    reason = forced_failure_ ? FailureReason::kTargetLimit : fetch_failure_reason(result);
  }
  forced_failure_ = false;
  if (outcome.code() == StatusCode::kResourceExhausted &&
      outcome.message() == "body size limit exceeded") {
    stats_->body_size_limit_hits().Increment();
  }
  cache_.begin_scrape();
  auto app = storage_.appender();
  if (outcome.is_ok()) {
    outcome = append_body(*app, result, ts, &scraped, &post_relabel, &added, &reason);
  }
  double duration = std::chrono::duration<double>(Clock::now() - started).count();
  Status commit;
  if (outcome.is_ok()) {
    append_stale(*app, cache_.vanished(), ts);
    append_report(*app, ts, duration, true, scraped, post_relabel, added);
    commit = app->commit();
    cache_.end_scrape(commit.is_ok());
  } else {
    // Nothing of a failed scrape is kept; every series of the last good
    // scrape goes stale, and up=0 says why.
    app->rollback();
    if (cache_.end_scrape(false)) stats_->cache_flush_forced().Increment();
    auto app2 = storage_.appender();
    append_stale(*app2, cache_.last_seen(), ts);
    cache_.clear_seen();
    append_report(*app2, ts, duration, false, scraped, 0, 0);
    commit = app2->commit();
  }
  if (!commit) {
    LOG_WARN("Appending scrape report failed", {"scrape_pool", options_.scrape_pool},
             {"target", options_.scrape_url}, {"err", commit.message()});
    if (outcome.is_ok()) {
      outcome = commit;
      reason = FailureReason::kStorage;
    }
  }
  stats_->scrapes.fetch_add(1);
  if (!outcome.is_ok()) {
    stats_->failures.fetch_add(1);
    stats_->count_failure(reason);
    LOG_DEBUG("Scrape failed", {"scrape_pool", options_.scrape_pool},
              {"target", options_.scrape_url}, {"err", outcome.message()});
  }
  {
    std::lock_guard<std::mutex> lock(status_mu_);
    status_.health = outcome.is_ok() ? TargetHealth::kUp : TargetHealth::kDown;
    status_.last_error = outcome.is_ok() ? "" : outcome.message();
    status_.last_scrape = ts;
    status_.last_scrape_duration = duration;
  }
  scraping_ = false;
  if (done) done();
  if (stopped_) {
    if (stale_on_stop_) {
      auto app3 = storage_.appender();
      model::Timestamp now = model::now_ms();
      append_stale(*app3, cache_.last_seen(), now);
      append_report_stale(*app3, now);
      if (Status s = app3->commit(); !s) s.ignore();
      cache_.clear_seen();
    }
    if (on_stopped_) std::exchange(on_stopped_, nullptr)();
    return;
  }
  if (!done) {
    // Next tick: skip ticks missed by a long scrape rather than bunching up.
    auto interval = std::chrono::milliseconds(options_.interval);
    next_ += interval;
    auto now = Clock::now();
    while (next_ <= now) next_ += interval;
    schedule(next_);
  }
}

namespace {

// Frees a label set's buffer. Assigning an empty set would not: std::string's
// move assignment from a short string copies into the old heap buffer.
void release(model::Labels& l) {
  if (l.empty()) return;
  model::Labels gone(std::move(l));
  l = model::Labels();
}

}  // namespace

model::Labels ScrapeLoop::final_labels(const model::Labels& exposed, Status* err,
                                       FailureReason* why) {
  model::Labels merged =
      merge_target_labels(exposed, options_.target_labels, options_.honor_labels, scratch_);
  if (options_.metric_relabel && !options_.metric_relabel->empty()) {
    model::Labels out;
    switch (relabeler_.process(*options_.metric_relabel, merged, &out)) {
      case Relabeler::Outcome::kDropped:
        return {};
      case Relabeler::Outcome::kChanged:
        merged = std::move(out);
        break;
      case Relabeler::Outcome::kUnchanged:
        break;
    }
  }
  if (merged.empty()) return {};
  if (options_.legacy_name_validation && !legacy_valid(merged)) {
    *err = invalid_argument("invalid metric name or label names: " + go_labels_string(merged));
    return {};
  }
  if (Status s = check_label_limits(merged, options_); !s) {
    stats_->label_limit_hits().Increment();
    *why = FailureReason::kLabelLimit;
    *err = s;
    return {};
  }
  return merged;
}

ScrapeCache::Entry* ScrapeLoop::resolve(std::string_view raw, const model::Labels& exposed,
                                        bool stale_track, Status* err, FailureReason* why) {
  ScrapeCache::Entry e;
  e.track_staleness = stale_track;
  e.labels = final_labels(exposed, err, why);
  if (!err->is_ok()) return nullptr;
  e.dropped = e.labels.empty();
  return cache_.add(raw, std::move(e));
}

Status ScrapeLoop::append_body(tsdb::Appender& app, const FetchResult& r, model::Timestamp ts,
                               uint64_t* scraped, uint64_t* post_relabel, uint64_t* added,
                               FailureReason* why) {
  // An empty body is an empty scrape whatever its Content-Type (Prometheus).
  if (r.body.empty()) return Status::ok();
  *why = FailureReason::kParse;  // unless a limit or storage says otherwise below
  std::string note;
  auto format = textparse::select_format(r.content_type, options_.fallback_scrape_protocol, &note);
  if (!format) return format.status();
  if (!note.empty()) {
    LOG_DEBUG("Invalid content type on scrape, using fallback setting.",
              {"scrape_pool", options_.scrape_pool}, {"target", options_.scrape_url},
              {"content_type", r.content_type}, {"err", note});
  }
  auto parser = textparse::new_parser(*format, r.body);
  // Series the cache knows need no label parse: their bytes parsed before.
  parser->set_lazy_labels(true);
  const auto format_tag = static_cast<uint8_t>(*format);
  uint64_t duplicates = 0;
  // Counted locally and published once per successful scrape: a shared atomic
  // touched per sample would bounce its cache line between the scrape threads.
  uint64_t appended = 0;
  std::map<std::string, MetricMetadata> meta;
  std::string help_scratch;
  for (textparse::Entry kind = parser->next(); kind != textparse::Entry::kEof;
       kind = parser->next()) {
    switch (kind) {
      case textparse::Entry::kError:
        return parser->error();
      case textparse::Entry::kType:
        meta[std::string(parser->meta_name())].type =
            std::string(textparse::metric_type_name(parser->type()));
        continue;
      case textparse::Entry::kHelp:
        meta[std::string(parser->meta_name())].help = std::string(parser->help(&help_scratch));
        continue;
      case textparse::Entry::kUnit:
        meta[std::string(parser->meta_name())].unit = std::string(parser->unit());
        continue;
      case textparse::Entry::kSeries:
        break;
      default:
        continue;
    }
    ++*scraped;
    auto explicit_ts = parser->timestamp();
    bool use_explicit = options_.honor_timestamps && explicit_ts.has_value();
    model::Timestamp t = use_explicit ? *explicit_ts : ts;
    ScrapeCache::Entry* e = cache_.find(parser->series());
    if (e && e->format != format_tag) {
      // Known bytes, but checked by the other format's parser.
      if (!parser->parse_labels()) return parser->error();
      e->format = format_tag;
    }
    if (e && !use_explicit && cache_.seen_in_current(e)) {
      // The same series twice in one scrape without timestamps: Prometheus
      // rejects the repeat as a duplicate sample and goes on.
      if (!e->dropped) {
        ++*post_relabel;
        ++duplicates;
      }
      continue;
    }
    if (!e) {
      if (!parser->parse_labels()) return parser->error();
      Status err;
      e = resolve(parser->series(), parser->build_labels(scratch_),
                  !use_explicit || options_.track_timestamps_staleness, &err, why);
      if (!e) return err;
      e->format = format_tag;
    }
    cache_.mark_seen(e);
    if (e->dropped) continue;
    ++*post_relabel;
    if (options_.sample_limit && *post_relabel > options_.sample_limit) {
      stats_->sample_limit_hits.fetch_add(1);
      *why = FailureReason::kSampleLimit;
      return Status(StatusCode::kResourceExhausted, "sample limit exceeded");
    }
    bool is_new = e->ref == 0;
    auto ref = app.append(e->ref, e->labels, t, parser->value());
    if (!ref && e->labels.empty() && ref.status().code() == StatusCode::kInvalidArgument) {
      // The cache kept only the ref and storage no longer knows it (it
      // dropped the series): build the labels again and append by them.
      if (!parser->parse_labels()) return parser->error();
      Status err;
      e->labels = final_labels(parser->build_labels(scratch_), &err, why);
      if (!err.is_ok()) return err;
      e->ref = 0;
      is_new = true;
      if (e->labels.empty()) {  // cannot happen with unchanged relabeling; be safe
        e->dropped = true;
        continue;
      }
      ref = app.append(0, e->labels, t, parser->value());
    }
    if (ref) {
      e->ref = *ref;
      // With the ref known, the labels live in storage only: appends by a live
      // ref never read them (tsdb/appender.h), and the cache would otherwise
      // hold a second copy of every label set (~250-500 B per series).
      release(e->labels);
      if (is_new) ++*added;
      ++appended;
      continue;
    }
    switch (ref.status().code()) {
      case StatusCode::kOutOfOrder:
        stats_->out_of_order.fetch_add(1);
        break;
      case StatusCode::kDuplicateSample:
        stats_->duplicates.fetch_add(1);
        break;
      case StatusCode::kOutOfBounds:
        stats_->out_of_bounds.fetch_add(1);
        break;
      case StatusCode::kInvalidArgument:
        break;  // a label set storage refuses: skip the sample
      default:
        *why = FailureReason::kStorage;
        return ref.status();  // storage cannot take the batch
    }
  }
  stats_->samples_appended.fetch_add(appended, std::memory_order_relaxed);
  if (duplicates) {
    stats_->duplicates.fetch_add(duplicates, std::memory_order_relaxed);
    LOG_WARN("Error on ingesting samples with different value but same timestamp",
             {"scrape_pool", options_.scrape_pool}, {"target", options_.scrape_url},
             {"num_dropped", std::to_string(duplicates)});
  }
  std::lock_guard<std::mutex> lock(status_mu_);
  metadata_ = std::move(meta);
  return Status::ok();
}

void ScrapeLoop::append_stale(tsdb::Appender& app, const std::vector<ScrapeCache::Entry*>& entries,
                              model::Timestamp ts) {
  for (ScrapeCache::Entry* e : entries) {
    // A series never stored needs no marker; one whose ref storage forgot
    // (kInvalidArgument for a ref with the cache's empty labels) is gone.
    if (e->dropped || e->ref == 0) continue;
    auto ref = app.append(e->ref, e->labels, ts, model::stale_nan());
    if (ref) {
      e->ref = *ref;
      release(e->labels);
    }
  }
}

void ScrapeLoop::append_report(tsdb::Appender& app, model::Timestamp ts, double duration, bool up,
                               uint64_t scraped, uint64_t post_relabel, uint64_t added) {
  const double values[5] = {up ? 1.0 : 0.0, duration, static_cast<double>(scraped),
                            static_cast<double>(post_relabel), static_cast<double>(added)};
  for (int i = 0; i < 5; ++i) {
    tsdb::SeriesRef& ref = report_refs_[i];
    model::Labels labels;
    if (ref == 0) {
      scratch_.reset(options_.target_labels);
      scratch_.set(model::kMetricName, kReportNames[i]);
      labels = scratch_.build();
    }
    auto r = app.append(ref, labels, ts, values[i]);
    if (r) {
      ref = *r;
    } else if (ref != 0) {
      // The ref went stale (e.g. storage dropped the series): retry by labels.
      scratch_.reset(options_.target_labels);
      scratch_.set(model::kMetricName, kReportNames[i]);
      auto again = app.append(0, scratch_.build(), ts, values[i]);
      ref = again ? *again : 0;
    }
  }
}

void ScrapeLoop::append_report_stale(tsdb::Appender& app, model::Timestamp ts) {
  for (int i = 0; i < 5; ++i) {
    if (report_refs_[i] == 0) continue;  // never reported: nothing to end
    scratch_.reset(options_.target_labels);
    scratch_.set(model::kMetricName, kReportNames[i]);
    auto r = app.append(report_refs_[i], scratch_.build(), ts, model::stale_nan());
    if (!r) r.status().ignore();
  }
}

void ScrapeLoop::stop(bool stale_markers, std::function<void()> done) {
  net::post(strand_, [self = shared_from_this(), stale_markers, done = std::move(done)]() mutable {
    if (self->stopped_) {
      if (done) done();
      return;
    }
    self->stopped_ = true;
    self->stale_on_stop_ = stale_markers;
    self->timer_.cancel();
    if (self->scraping_) {
      // on_fetched finishes the job when the scrape in flight returns.
      self->on_stopped_ = std::move(done);
      return;
    }
    if (stale_markers) {
      auto app = self->storage_.appender();
      model::Timestamp now = model::now_ms();
      self->append_stale(*app, self->cache_.last_seen(), now);
      self->append_report_stale(*app, now);
      if (Status s = app->commit(); !s) s.ignore();
      self->cache_.clear_seen();
    }
    self->fetcher_->close();
    if (done) done();
  });
}

ActiveTarget ScrapeLoop::status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

std::map<std::string, MetricMetadata> ScrapeLoop::metadata() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return metadata_;
}

}  // namespace promlite::scraper
