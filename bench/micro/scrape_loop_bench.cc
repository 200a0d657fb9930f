// Scrape overhead: one full scrape cycle after the fetch (content negotiation,
// parse, scrape cache, metric relabeling, append, staleness bookkeeping,
// report series, commit) of a 10k-series Flink-like exposition, into a
// trivial counting appender, so only the scraper's own cost is measured.
// Figures: time per scrape, ns per sample (items/s inverted), MB/s of body.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <string>

#include "config/relabel_config.h"
#include "scraper/scrape_loop.h"
#include "tsdb/appender.h"

namespace promlite::scraper {
namespace {

// Counts what it is given; refs are handed out once per new label set.
class CountingAppendable : public tsdb::Appendable {
 public:
  class App : public tsdb::Appender {
   public:
    explicit App(CountingAppendable* owner) : owner_(owner) {}
    Result<tsdb::SeriesRef> append(tsdb::SeriesRef ref, const model::Labels& labels,
                                   model::Timestamp t, double v) override {
      ++owner_->samples;
      owner_->checksum += static_cast<uint64_t>(t) + static_cast<uint64_t>(v);
      if (ref == 0) {
        owner_->label_bytes += labels.data().size();
        ref = ++owner_->next_ref;
      }
      return ref;
    }
    Status commit() override { return Status::ok(); }
    void rollback() override {}

   private:
    CountingAppendable* owner_;
  };
  std::unique_ptr<tsdb::Appender> appender(const tsdb::AppendOptions&) override {
    return std::make_unique<App>(this);
  }
  uint64_t samples = 0, checksum = 0, label_bytes = 0, next_ref = 0;
};

// A Flink taskmanager exposition (PrometheusReporter, text 0.0.4): 25 metric
// families x 400 operator subtasks = 10,000 series with 11 labels each and
// long job/task/operator names.
std::string flink_payload(int iteration) {
  const char* ops[] = {"Source:_fluss_orders", "Calc_select_order_id__customer_id__amount_",
                       "Sink:_fluss_enriched_orders_writer", "Window_TumblingEventTime_agg"};
  std::string out;
  out.reserve(8 << 20);
  for (int m = 0; m < 25; ++m) {
    std::string name = "flink_taskmanager_job_task_operator_metric_" + std::to_string(m);
    out += "# HELP " + name + " " + name + " (scope: taskmanager_job_task_operator)\n";
    out += "# TYPE " + name + " gauge\n";
    for (int sub = 0; sub < 100; ++sub) {
      for (int op = 0; op < 4; ++op) {
        out += name +
               "{job_id=\"5a1c3f0e8b7d4e2fa9c6b3d2e1f0a9b8\",task_id="
               "\"cbc357ccb763df2852fee8c4fc7d55f2\",host=\"flink_taskmanager_7d9f8c6b5_x2k4p\","
               "job_name=\"orders_enrichment_pipeline_v2\",tm_id=\"flink-taskmanager-7d9f8c6b5-"
               "x2k4p:6122-3e1f0a\",operator_id=\"ea632d67b7d595e5b851708ae9ad79d" +
               std::to_string(op) + "\",operator_name=\"" + ops[op] +
               "\",task_attempt_num=\"0\",task_name=\"Source:_fluss_orders_->_Calc_select_order_"
               "id__customer_id__amount__ts_where__amount_>_100_->_Sink:_fluss_enriched_orders_"
               "writer\",subtask_index=\"" +
               std::to_string(sub) + "\",} " +
               std::to_string(1234567 + sub * 1000 + op + iteration) + ".0\n";
      }
    }
  }
  return out;
}

constexpr int kSeries = 10000;

std::shared_ptr<ScrapeLoop> make_loop(boost::asio::io_context& ioc, tsdb::Appendable& storage,
                                      bool relabel) {
  LoopOptions o;
  o.scrape_pool = "flink";
  o.target_labels = model::Labels{{"instance", "10.0.3.17:9249"}, {"job", "flink"}};
  o.scrape_url = "http://10.0.3.17:9249/metrics";
  o.interval = 15 * model::kSecond;
  if (relabel) {
    // A typical rule: drop the attempt number; keep everything else.
    config::RelabelConfig drop;
    drop.action = config::RelabelAction::kLabelDrop;
    drop.regex = "task_attempt_num";
    if (Status s = drop.compile(); !s) std::abort();
    auto rules = std::make_shared<config::RelabelConfigs>();
    rules->push_back(drop);
    o.metric_relabel = std::move(rules);
  }
  auto fetcher = HttpFetcher::create(ioc, {}, "bench");
  return std::make_shared<ScrapeLoop>(ioc, storage, *fetcher, std::move(o),
                                      std::make_shared<ScrapeStats>());
}

FetchResult response(std::string body) {
  FetchResult r;
  r.http_status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// Steady state: the same 10k series every scrape with new values (cache hits).
void BM_ScrapeCycleSteady(benchmark::State& state) {
  const bool relabel = state.range(0) != 0;
  boost::asio::io_context ioc;
  CountingAppendable storage;
  auto loop = make_loop(ioc, storage, relabel);
  // Two alternating bodies so values change between scrapes.
  const std::string bodies[2] = {flink_payload(0), flink_payload(1)};
  model::Timestamp ts = 1700000000000;
  loop->process_fetched(response(bodies[1]), ts);  // warm the cache
  size_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    FetchResult r = response(bodies[i++ & 1]);  // the copy is the fetcher's, not measured
    ts += 15000;
    state.ResumeTiming();
    loop->process_fetched(std::move(r), ts);
  }
  if (storage.samples < static_cast<uint64_t>(state.iterations()) * kSeries) {
    state.SkipWithError("samples missing");
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bodies[0].size()));
  state.counters["body_MB"] = static_cast<double>(bodies[0].size()) / 1e6;
}
BENCHMARK(BM_ScrapeCycleSteady)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// First scrape of a new target: every series resolved (labels built, target
// labels merged, relabeled, cached) and new to storage.
void BM_ScrapeCycleCold(benchmark::State& state) {
  boost::asio::io_context ioc;
  CountingAppendable storage;
  const std::string body = flink_payload(0);
  for (auto _ : state) {
    state.PauseTiming();
    auto loop = make_loop(ioc, storage, false);
    FetchResult r = response(body);
    state.ResumeTiming();
    loop->process_fetched(std::move(r), 1700000000000);
    state.PauseTiming();
    loop.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ScrapeCycleCold)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace promlite::scraper
