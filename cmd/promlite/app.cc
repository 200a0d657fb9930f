#include "cmd/promlite/app.h"

#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/api_v1.h"
#include "api/cors.h"
#include "api/federate.h"
#include "api/http_server.h"
#include "api/query_api.h"
#include "api/remote_write.h"
#include "api/self_metrics.h"
#include "cmd/promlite/agent_mode.h"
#include "cmd/promlite/config_manager.h"
#include "cmd/promlite/flags.h"
#include "model/log.h"
#include "query/promql_engine.h"
#include "remote/storage.h"
#include "scraper/relabel.h"
#include "scraper/scrape_manager.h"
#include "tsdb/agent/agent_storage.h"
#include "tsdb/db.h"

#ifndef PROMLITE_VERSION
#define PROMLITE_VERSION "dev"
#endif

namespace promlite::cmd {
namespace {

namespace net = boost::asio;
using api::http::verb;
using Kind = api::CallbackCollector::Kind;

// The address promlite scrapes itself at: the listen address, with a wildcard
// host replaced by loopback.
std::string self_scrape_address(const HostPort& hp) {
  std::string host = hp.host;
  if (host.empty() || host == "0.0.0.0") host = "localhost";
  if (host == "::") host = "[::1]";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  return host + ":" + std::to_string(hp.port);
}

std::string version_text() {
  return std::string("promlite, version ") + PROMLITE_VERSION +
         " (Prometheus 3.5 compatible API)\n  compiler: " __VERSION__ "\n";
}

// A pool of threads running one io_context until stopped.
class IoThreads {
 public:
  IoThreads(net::io_context& ioc, int n) : ioc_(ioc), guard_(net::make_work_guard(ioc)) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~IoThreads() { stop(); }
  void stop() {
    guard_.reset();
    ioc_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  net::io_context& ioc_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

void register_db_metrics(api::SelfMetrics& m, const tsdb::DB& db) {
  const auto* d = &db;
  auto gauge = [&](const char* name, const char* help, auto fn) {
    m.add_callback(name, help, Kind::kGauge, [d, fn] { return static_cast<double>(fn(*d)); });
  };
  auto counter = [&](const char* name, const char* help, auto fn) {
    m.add_callback(name, help, Kind::kCounter, [d, fn] { return static_cast<double>(fn(*d)); });
  };
  using DB = tsdb::DB;
  gauge("prometheus_tsdb_head_series", "Total number of series in the head block.",
        [](const DB& x) { return x.head().stats().series; });
  counter("prometheus_tsdb_head_series_created_total",
          "Total number of series created in the head.",
          [](const DB& x) { return x.head().stats().series_created; });
  counter("prometheus_tsdb_head_series_removed_total",
          "Total number of series removed from the head.",
          [](const DB& x) { return x.head().stats().series_removed; });
  counter("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.",
          [](const DB& x) { return x.head().stats().samples_appended; });
  counter("prometheus_tsdb_out_of_order_samples_total",
          "Total number of out of order samples rejected.",
          [](const DB& x) { return x.head().stats().out_of_order; });
  gauge("promlite_tsdb_head_memory_bytes",
        "Bytes of memory held by head series, chunks and postings.",
        [](const DB& x) { return x.head().memory_bytes(); });
  gauge("prometheus_tsdb_head_max_time_seconds", "Maximum timestamp of the head.", [](const DB& x) {
    auto t = x.head().max_time();
    return t == INT64_MIN ? 0.0 : static_cast<double>(t) / 1000.0;
  });
  counter("promlite_tsdb_chunks_flushed_total", "Sealed chunks written to the partition store.",
          [](const DB& x) { return x.stats().chunks_flushed; });
  counter("promlite_tsdb_chunk_flush_failures_total",
          "Writes of chunks to the partition store that failed (retried).",
          [](const DB& x) { return x.stats().flush_failures; });
  counter("promlite_tsdb_chunk_flush_seconds_total", "Time spent writing chunks to the store.",
          [](const DB& x) { return x.stats().flush_seconds; });
  counter("prometheus_tsdb_checkpoint_creations_total", "Total number of checkpoint creations.",
          [](const DB& x) { return x.stats().checkpoints; });
  counter("prometheus_tsdb_checkpoint_creations_failed_total",
          "Total number of checkpoint creations that failed.",
          [](const DB& x) { return x.stats().checkpoint_failures; });
  counter("promlite_tsdb_checkpoint_seconds_total", "Time spent writing head checkpoints.",
          [](const DB& x) { return x.stats().checkpoint_seconds; });
  gauge("prometheus_tsdb_blocks_loaded", "Number of partitions in the store.",
        [](const DB& x) { return x.stats().partitions; });
  counter("promlite_tsdb_partitions_dropped_total", "Partitions dropped by retention.",
          [](const DB& x) { return x.stats().partitions_dropped; });
  gauge("prometheus_tsdb_storage_blocks_bytes", "Bytes of the partition store on disk.",
        [](const DB& x) { return x.stats().store_bytes; });
  gauge("prometheus_tsdb_wal_storage_size_bytes", "Bytes of WAL segments and checkpoints.",
        [](const DB& x) { return x.stats().wal_bytes; });
  counter("prometheus_tsdb_wal_fsync_duration_seconds_sum", "Time spent in WAL fsyncs.",
          [](const DB& x) { return x.stats().wal.fsync_seconds; });
  counter("prometheus_tsdb_wal_fsync_duration_seconds_count", "WAL fsyncs.",
          [](const DB& x) { return x.stats().wal.fsyncs; });
  counter("prometheus_tsdb_wal_writes_failed_total", "Total number of WAL writes that failed.",
          [](const DB& x) { return x.stats().wal.write_errors; });
  counter("prometheus_tsdb_wal_corruptions_total", "Total number of WAL corruptions.",
          [](const DB& x) { return x.stats().wal_corruptions; });
  gauge("promlite_tsdb_wal_replay_seconds",
        "Time the last start spent loading the checkpoint "
        "and replaying the WAL.",
        [](const DB& x) { return x.stats().replay_seconds; });
}

void register_scrape_metrics(api::SelfMetrics& m, const scraper::ScrapeManager& scrapes) {
  auto stats = scrapes.stats();
  m.add_callback("promlite_scrapes_total", "Scrapes run.", Kind::kCounter,
                 [stats] { return static_cast<double>(stats->scrapes.load()); });
  m.add_callback("promlite_scrape_failures_total", "Scrapes that failed (target down).",
                 Kind::kCounter, [stats] { return static_cast<double>(stats->failures.load()); });
  m.add_callback("promlite_scrape_samples_appended_total", "Scraped samples appended to storage.",
                 Kind::kCounter,
                 [stats] { return static_cast<double>(stats->samples_appended.load()); });
  m.add_callback("prometheus_target_scrapes_sample_out_of_order_total",
                 "Samples rejected because they are out of order.", Kind::kCounter,
                 [stats] { return static_cast<double>(stats->out_of_order.load()); });
  m.add_callback("prometheus_target_scrapes_sample_duplicate_timestamp_total",
                 "Samples rejected for a duplicate timestamp with a different value.",
                 Kind::kCounter, [stats] { return static_cast<double>(stats->duplicates.load()); });
  m.add_callback("prometheus_target_scrapes_sample_out_of_bounds_total",
                 "Samples rejected for a timestamp out of bounds.", Kind::kCounter,
                 [stats] { return static_cast<double>(stats->out_of_bounds.load()); });
  m.add_callback("prometheus_target_scrapes_exceeded_sample_limit_total",
                 "Scrapes that hit the sample limit and were rejected.", Kind::kCounter,
                 [stats] { return static_cast<double>(stats->sample_limit_hits.load()); });
}

}  // namespace

int run_promlite(const std::vector<std::string>& args) {
  auto parsed = parse_flags(args);
  if (!parsed) {
    std::cerr << "promlite: error: " << parsed.status().message() << "\n";
    return 2;
  }
  Flags flags = std::move(parsed).value();
  if (flags.help) {
    std::cout << usage();
    return 0;
  }
  if (flags.version) {
    std::cout << version_text();
    return 0;
  }
  if (Status s = check_mode_flags(flags); !s) {
    std::cerr << s.message() << "\n";
    return 3;  // as Prometheus
  }
  log::configure(flags.log_level, flags.log_format);
  const model::Timestamp start_time = model::now_ms();
  LOG_INFO("Starting promlite", {"version", PROMLITE_VERSION});

  auto listen = parse_listen_address(flags.listen_address);
  if (!listen) {
    LOG_ERROR("Invalid listen address", {"err", listen.status().message()});
    return 2;
  }
  api::SelfMetrics metrics(PROMLITE_VERSION);
  const bool in_kubernetes = std::getenv("KUBERNETES_SERVICE_HOST") != nullptr;

  // Signals are handled by this thread only (asio installs the handlers).
  net::io_context signal_ctx;
  net::signal_set signals(signal_ctx, SIGINT, SIGTERM, SIGHUP);

  // Load the configuration before anything else: a bad file stops here.
  HostPort self = *listen;
  ConfigManager configs(flags.config_file, self_scrape_address(self), in_kubernetes,
                        metrics.registry());
  configs.set_agent_mode(flags.agent);
  if (Status s = configs.reload(); !s) {
    std::cerr << "promlite: error: " << s.message() << "\n";
    return 1;
  }

  // The TSDB, or in agent mode (--agent) only the WAL the remote-write
  // queues read: no store directory, nothing to query.
  std::unique_ptr<tsdb::DB> db;
  std::unique_ptr<tsdb::agent::AgentStorage> agent_db;
  if (flags.agent) {
    LOG_INFO("Starting WAL storage ...");
    tsdb::agent::AgentOptions agent_opts;
    agent_opts.dir = flags.agent_storage_path;
    if (flags.agent_wal_segment_size > 0)
      agent_opts.wal_segment_bytes = flags.agent_wal_segment_size;
    agent_opts.truncate_frequency = std::chrono::milliseconds(flags.agent_truncate_frequency);
    agent_opts.min_wal_time_ms = flags.agent_retention_min_time;
    agent_opts.max_wal_time_ms = flags.agent_retention_max_time;
    agent_opts.no_lockfile = flags.agent_no_lockfile;
    auto opened = tsdb::agent::AgentStorage::open(agent_opts);
    if (!opened) {
      LOG_ERROR("Opening storage failed", {"err", opened.status().message()});
      return 1;
    }
    agent_db = std::move(*opened);
  } else {
    tsdb::DbOptions db_opts;
    db_opts.dir = flags.storage_path;
    db_opts.retention_ms = flags.retention_time;
    db_opts.retention_bytes = flags.retention_size;
    db_opts.wal_sync_interval = std::chrono::milliseconds(flags.wal_sync_interval);
    db_opts.head_cache_bytes = flags.head_cache_size;
    auto opened = tsdb::DB::open(db_opts);
    if (!opened) {
      LOG_ERROR("Opening storage failed", {"err", opened.status().message()});
      return 1;
    }
    db = std::move(*opened);
    LOG_INFO("Storage opened", {"path", flags.storage_path},
             {"retention", model::format_duration(flags.retention_time)},
             {"wal_sync_interval", model::format_duration(flags.wal_sync_interval)});
  }
  tsdb::Appendable& storage = db ? static_cast<tsdb::Appendable&>(*db) : *agent_db;
  tsdb::Queryable& queryable = db ? static_cast<tsdb::Queryable&>(*db) : *agent_db;
  const std::string data_path = flags.agent ? flags.agent_storage_path : flags.storage_path;
  // Segments stay until every remote_write queue has sent them.
  auto set_wal_hold = [&](std::function<std::optional<uint64_t>()> hold, uint64_t max_bytes) {
    if (db) {
      db->set_wal_hold(std::move(hold), max_bytes);
    } else if (agent_db) {
      agent_db->set_wal_hold(std::move(hold), max_bytes);
    }
  };
  std::atomic<bool> ready{false};
  std::atomic<bool> quit_requested{false};

  net::io_context scrape_ctx;
  // One thread: a scrape hops between the loop's and the fetcher's strands,
  // and with two threads most hops woke the other one (a futex and a context
  // switch each). One thread cost 26 % less CPU per sample (40 targets x 500
  // series at 10 s, bench/README.md) and parses ~300 MB/s of exposition,
  // far beyond a one-machine scrape load.
  IoThreads scrape_threads(scrape_ctx, 1);
  scraper::ScrapeManager scrapes(scrape_ctx, storage, std::string("promlite/") + PROMLITE_VERSION,
                                 &metrics.registry());
  if (db) register_db_metrics(metrics, *db);
  if (agent_db) register_agent_metrics(metrics, *agent_db);
  register_scrape_metrics(metrics, scrapes);
  configs.subscribe(
      [&scrapes](std::shared_ptr<const config::Config> cfg) { scrapes.apply_config(*cfg); });
  // remote_write: each destination tails the WAL; segments stay until sent.
  remote::RemoteStorage remote_storage(
      {.wal_dir = db ? db->wal_dir() : agent_db->wal_dir(),
       .data_dir = data_path,
       .user_agent = std::string("promlite/") + PROMLITE_VERSION,
       .relabel = [](const model::Labels& ls, const config::RelabelConfigs& cfgs,
                     bool* keep) { return scraper::relabel(ls, cfgs, keep); },
       // metadata_config: the scrape targets' metadata (also in agent mode).
       .metadata =
           [&scrapes] {
             std::vector<remote::MetricMetadataEntry> out;
             for (const auto& [target, families] : scrapes.target_metadata()) {
               for (const auto& [family, m] : families) {
                 out.push_back({family, m.type, m.help, m.unit});
               }
             }
             return out;
           },
       .registry = &metrics.registry()});
  set_wal_hold([&remote_storage] { return remote_storage.oldest_needed_segment(); },
               flags.remote_wal_max_size);
  // The storage outlives remote_storage (declared before it) and asks the
  // hold on close: on an early return it must not call into a destroyed
  // remote_storage. (The graceful stop closes the storage first: no-op then.)
  struct HoldRelease {
    std::function<void()> release;
    ~HoldRelease() { release(); }
  } hold_release{[&] { set_wal_hold(nullptr, 0); }};
  if (Status s = remote_storage.apply_config(*configs.current()); !s) s.ignore();  // logged
  configs.subscribe([&remote_storage](std::shared_ptr<const config::Config> cfg) {
    if (Status s = remote_storage.apply_config(*cfg); !s) s.ignore();  // logged
  });

  api::Router router;
  // Prometheus names itself "Prometheus Agent" in agent mode.
  const std::string app_name = flags.agent ? "Promlite Agent" : "Promlite Server";
  router.handle("/-/healthy", {verb::get, verb::head},
                [&app_name](const api::HttpRequest&, api::HttpResponse& r) {
                  r.body = app_name + " is Healthy.\n";
                });
  router.handle("/-/ready", {verb::get, verb::head},
                [&ready, &app_name](const api::HttpRequest&, api::HttpResponse& r) {
                  if (ready.load()) {
                    r.body = app_name + " is Ready.\n";
                  } else {
                    r.status = 503;
                    r.body = "Service Unavailable\n";
                  }
                });
  router.handle("/-/reload", {verb::post, verb::put},
                [&configs](const api::HttpRequest&, api::HttpResponse& r) {
                  if (Status s = configs.reload(); !s) {
                    r.status = 500;
                    r.body = "failed to reload config: " + s.message() + "\n";
                  }
                });
  router.handle("/-/quit", {verb::post, verb::put},
                [&](const api::HttpRequest&, api::HttpResponse& r) {
                  if (!flags.enable_lifecycle) {
                    r.status = 403;
                    r.body = "Lifecycle API is not enabled.\n";
                    return;
                  }
                  r.body = "Requesting termination... Goodbye!\n";
                  quit_requested = true;
                  net::post(signal_ctx, [&signals] { signals.cancel(); });
                });
  router.handle("/metrics", {verb::get}, [&metrics](const api::HttpRequest&, api::HttpResponse& r) {
    r.content_type = api::kTextContentType;
    r.body = metrics.render();
  });

  std::atomic<model::Timestamp> last_config_time{model::now_ms()};
  std::atomic<bool> last_reload_ok{true};
  configs.subscribe([&last_config_time](std::shared_ptr<const config::Config>) {
    last_config_time = model::now_ms();
  });
  api::ApiDeps deps;
  deps.storage = &queryable;
  // The DB answers /api/v1/status/tsdb (its head), /status/walreplay (the
  // replay of this start) and the admin endpoints; in agent mode the API
  // answers them with Prometheus's agent error (walreplay: zeros).
  deps.stats = db.get();
  deps.admin = db.get();
  deps.agent_mode = flags.agent;
  deps.enable_admin = flags.enable_admin_api;
  deps.parse_options.experimental_functions = flags.promql_experimental_functions;
  deps.parse_options.duration_expressions = flags.promql_duration_expr;
  deps.targets = &scrapes;
  deps.config = [&configs] { return configs.current(); };
  deps.flags = flag_values(flags);
  deps.build.promlite_version = PROMLITE_VERSION;
  deps.build.revision = std::string("promlite-") + PROMLITE_VERSION;
  deps.build.build_date = __DATE__;
  deps.build.compiler = "gcc " __VERSION__;
  deps.runtime.start_time = start_time;
  deps.runtime.cwd = std::filesystem::current_path().string();
  deps.runtime.storage_retention = model::format_duration(flags.retention_time);
  deps.runtime.last_config_time = [&last_config_time] { return last_config_time.load(); };
  api::ApiV1 api_v1(std::move(deps));
  api_v1.register_routes(router);
  if (auto cors = api::Cors::make(flags.cors_origin); cors) {
    cors->install(router);  // the pattern was checked by parse_flags
  }

  query::EngineOptions engine_opts;
  engine_opts.timeout = flags.query_timeout;
  engine_opts.max_samples = flags.query_max_samples;
  engine_opts.lookback_delta = flags.query_lookback_delta;
  engine_opts.max_concurrency = flags.query_max_concurrency;
  engine_opts.experimental_functions = flags.promql_experimental_functions;
  engine_opts.duration_expressions = flags.promql_duration_expr;
  for (const auto& name : unknown_features(flags)) {
    LOG_WARN("Unknown option for --enable-feature", {"option", name});
  }
  if (flags.promql_experimental_functions) LOG_INFO("Experimental PromQL functions enabled.");
  if (flags.promql_duration_expr) LOG_INFO("Experimental duration expression parsing enabled.");
  // No engine in agent mode: ApiV1 answers the query endpoints.
  std::unique_ptr<query::Engine> engine;
  std::unique_ptr<api::QueryApi> query_api;
  if (!flags.agent) {
    engine = query::new_engine(engine_opts);
    query_api = std::make_unique<api::QueryApi>(*engine, queryable);
    query_api->register_routes(router);
  }
  // In agent mode /federate answers 500 with the agent storage's querier
  // error, as Prometheus's agent does.
  api::FederateHandler federate(
      queryable, [&configs] { return configs.current(); }, flags.query_lookback_delta);
  federate.register_routes(router);
  api::RemoteWriteReceiver remote_write(storage, flags.enable_remote_write_receiver);
  remote_write.register_routes(router);
  const auto* rw = &remote_write.stats();
  metrics.add_callback("prometheus_remote_write_receiver_samples_total",
                       "Samples accepted by the remote-write receiver.", Kind::kCounter,
                       [rw] { return static_cast<double>(rw->samples.load()); });
  metrics.add_callback("promlite_remote_write_receiver_rejected_requests_total",
                       "Remote-write requests refused (400 or 500).", Kind::kCounter,
                       [rw] { return static_cast<double>(rw->rejected_requests.load()); });
  metrics.add_callback("prometheus_api_remote_write_invalid_labels_samples_total",
                       "Remote-write series skipped for invalid labels.", Kind::kCounter,
                       [rw] { return static_cast<double>(rw->invalid_label_series.load()); });

  net::io_context http_ctx;
  api::HttpServerOptions http_opts;
  http_opts.host = listen->host;
  http_opts.port = listen->port;
  api::HttpServer server(http_ctx, router, http_opts);
  metrics.add_callback("promlite_http_requests_canceled_total",
                       "Queries whose client went away before the answer (evaluation stopped).",
                       Kind::kCounter,
                       [&server] { return static_cast<double>(server.requests_canceled()); });
  if (Status s = server.start(); !s) {
    LOG_ERROR("Unable to start web listener", {"err", s.message()});
    return 1;
  }
  if (self.port == 0) {
    // Port 0 picked a free port: point the self-scrape at it.
    self.port = server.port();
    configs.set_self_address(self_scrape_address(self));
  }
  // Start scraping with the loaded configuration (reloads arrive by subscription).
  if (self.port != listen->port && flags.config_file.empty()) {
    if (Status s = configs.reload(); !s) s.ignore();  // the embedded default, now with the port
  } else {
    scrapes.apply_config(*configs.current());
  }
  IoThreads http_threads(http_ctx, 2);
  LOG_INFO("Listening", {"address", listen->host + ":" + std::to_string(server.port())});

  ready = true;
  LOG_INFO("Server is ready to receive web requests.");

  // Wait for signals: SIGHUP reloads, SIGINT/SIGTERM (or /-/quit) stop.
  bool stop = false;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int sig) {
        if (ec || sig == SIGINT || sig == SIGTERM) {
          stop = true;
          LOG_WARN(quit_requested ? "Received termination request via web service, exiting "
                                    "gracefully..."
                                  : "Received an OS signal, exiting gracefully...",
                   {"signal", sig == SIGINT    ? "interrupt"
                              : sig == SIGTERM ? "terminated"
                                               : "none"});
          return;
        }
        if (sig == SIGHUP) {
          if (Status s = configs.reload(); !s) s.ignore();  // already logged; old config kept
          signals.async_wait(on_signal);
        }
      };
  signals.async_wait(on_signal);
  while (!stop) {
    signal_ctx.run_one();
    if (quit_requested) stop = true;
  }

  // Graceful stop: refuse new work, let requests in flight finish, stop the
  // scrapers (staleness markers for their series), then flush storage and
  // release the data directory.
  ready = false;
  server.stop(10 * model::kSecond);
  http_threads.stop();
  scrapes.stop();
  scrape_threads.stop();
  remote_storage.stop();  // saves each destination's position (and keeps the WAL hold)
  db.reset();             // flushes chunks, writes a checkpoint, releases the directory
  agent_db.reset();
  LOG_INFO("See you next time!");
  return 0;
}

}  // namespace promlite::cmd
