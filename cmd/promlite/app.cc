#include "cmd/promlite/app.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "api/http_server.h"
#include "api/self_metrics.h"
#include "cmd/promlite/config_manager.h"
#include "cmd/promlite/flags.h"
#include "model/log.h"
#include "tsdb/data_dir.h"

#ifndef PROMLITE_VERSION
#define PROMLITE_VERSION "dev"
#endif

namespace promlite::cmd {
namespace {

namespace net = boost::asio;
using api::http::verb;

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
  log::configure(flags.log_level, flags.log_format);
  LOG_INFO("Starting promlite", {"version", PROMLITE_VERSION});

  auto listen = parse_listen_address(flags.listen_address);
  if (!listen) {
    LOG_ERROR("Invalid listen address", {"err", listen.status().message()});
    return 2;
  }
  api::SelfMetrics metrics(PROMLITE_VERSION);
  const bool in_kubernetes = std::getenv("KUBERNETES_SERVICE_HOST") != nullptr;

  // Signals are blocked in every thread but the one waiting on them.
  net::io_context signal_ctx;
  net::signal_set signals(signal_ctx, SIGINT, SIGTERM, SIGHUP);

  // Load the configuration before anything else: a bad file stops here.
  // (The self-scrape address needs the real port; with port 0 it is fixed up
  // after the server binds, by reloading.)
  HostPort self = *listen;
  ConfigManager configs(flags.config_file, self_scrape_address(self), in_kubernetes,
                        metrics.registry());
  if (Status s = configs.reload(); !s) {
    std::cerr << "promlite: error: " << s.message() << "\n";
    return 1;
  }

  auto lock = tsdb::DataDirLock::acquire(flags.storage_path);
  if (!lock) {
    LOG_ERROR("Opening storage failed", {"err", lock.status().message()});
    return 1;
  }
  LOG_INFO("Storage directory opened", {"path", flags.storage_path},
           {"retention", model::format_duration(flags.retention_time)});
  std::atomic<bool> ready{false};
  std::atomic<bool> quit_requested{false};

  api::Router router;
  router.handle("/-/healthy", {verb::get, verb::head},
                [](const api::HttpRequest&, api::HttpResponse& r) {
                  r.body = "Promlite Server is Healthy.\n";
                });
  router.handle("/-/ready", {verb::get, verb::head},
                [&ready](const api::HttpRequest&, api::HttpResponse& r) {
                  if (ready.load()) {
                    r.body = "Promlite Server is Ready.\n";
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

  net::io_context http_ctx;
  api::HttpServerOptions http_opts;
  http_opts.host = listen->host;
  http_opts.port = listen->port;
  api::HttpServer server(http_ctx, router, http_opts);
  if (Status s = server.start(); !s) {
    LOG_ERROR("Unable to start web listener", {"err", s.message()});
    return 1;
  }
  if (self.port == 0) {
    // Port 0 picked a free port: point the self-scrape at it.
    self.port = server.port();
    configs.set_self_address(self_scrape_address(self));
    if (Status s = configs.reload(); !s) s.ignore();  // the file loaded a moment ago
  }
  auto guard = net::make_work_guard(http_ctx);
  std::vector<std::thread> http_threads;
  for (int i = 0; i < 2; ++i) http_threads.emplace_back([&http_ctx] { http_ctx.run(); });
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

  // Graceful stop: refuse new work, let requests in flight finish, then
  // flush storage and release the data directory.
  ready = false;
  server.stop(10 * model::kSecond);
  guard.reset();
  http_ctx.stop();
  for (auto& t : http_threads) t.join();
  lock.value().reset();
  LOG_INFO("See you next time!");
  return 0;
}

}  // namespace promlite::cmd
