#include "api/self_metrics.h"

#include <dirent.h>
#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace promlite::api {
namespace {

prometheus::MetricFamily gauge_family(const std::string& name, const std::string& help,
                                      prometheus::MetricType type, double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

// Boot time in seconds since the epoch, from /proc/stat's btime.
double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  // Fields after the command name, which is in parentheses and may hold spaces.
  size_t close = stat.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(stat.substr(close + 2));
    std::vector<std::string> f;
    std::string tok;
    while (fields >> tok) f.push_back(tok);
    // f[0] is field 3 (state): utime is field 14, stime 15, starttime 22,
    // vsize 23, rss 24.
    if (f.size() > 21) {
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      out.push_back(gauge_family("process_cpu_seconds_total",
                                 "Total user and system CPU time spent in seconds.",
                                 MetricType::Counter, cpu));
      out.push_back(gauge_family(
          "process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          MetricType::Gauge, boot_time_seconds() + std::stod(f[19]) / ticks));
      out.push_back(gauge_family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                 MetricType::Gauge, std::stod(f[20])));
      out.push_back(gauge_family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                 MetricType::Gauge, std::stod(f[21]) * page));
    }
  }
  double fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(d);
    fds -= 1;  // the descriptor opendir itself holds
  }
  out.push_back(
      gauge_family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, fds));
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    out.push_back(gauge_family("process_max_fds", "Maximum number of open file descriptors.",
                               MetricType::Gauge, static_cast<double>(lim.rlim_cur)));
  }
  if (getrlimit(RLIMIT_AS, &lim) == 0) {
    double v =
        lim.rlim_cur == RLIM_INFINITY ? 1.8446744073709552e19 : static_cast<double>(lim.rlim_cur);
    out.push_back(gauge_family("process_virtual_memory_max_bytes",
                               "Maximum amount of virtual memory available in bytes.",
                               MetricType::Gauge, v));
  }
  return out;
}

void CallbackCollector::add(std::string name, std::string help, Kind kind,
                            std::function<double()> value) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({std::move(name), std::move(help), kind, std::move(value)});
}

std::vector<prometheus::MetricFamily> CallbackCollector::Collect() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<prometheus::MetricFamily> out;
  for (const auto& e : entries_) {
    out.push_back(gauge_family(
        e.name, e.help,
        e.kind == Kind::kCounter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge,
        e.value()));
  }
  return out;
}

SelfMetrics::SelfMetrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::BuildGauge()
      .Name("promlite_build_info")
      .Help(
          "A metric with a constant '1' value labeled by version and compiler from which "
          "promlite was built.")
      .Register(*registry_)
      .Add({{"version", version}, {"compiler", __VERSION__}})
      .Set(1);
}

std::string SelfMetrics::render() const {
  auto families = registry_->Collect();
  for (auto& f : process_.Collect()) families.push_back(std::move(f));
  for (auto& f : callbacks_.Collect()) families.push_back(std::move(f));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace promlite::api
