// promlite_benchgen: the side-by-side benchmark's workload generator.
//
//   promlite_benchgen serve        --targets N --series S --interval 15s --ports-file F
//   promlite_benchgen openmetrics  --span 2h --end MS --out FILE     (promtool backfill)
//   promlite_benchgen promtext     --span 2h --end MS --out FILE     (Prometheus text + ts)
//   promlite_benchgen import       --span 2h --end MS --url URL      (POST promtext pieces)
//   promlite_benchgen remote-write --span 2h --end MS --url URL      (remote write 1.0)
//   promlite_benchgen describe     --span 2h --end MS                (counts only)
//
// Every mode takes --seed, --targets, --series, --interval, --churn-every and
// --churn-share and produces the same series and values for the same flags.
// Dataset modes print one JSON line with what they did.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "bench/gen/dataset.h"
#include "bench/gen/farm.h"
#include "bench/gen/http_client.h"
#include "bench/gen/remote_write.h"

namespace promlite::benchgen {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "promlite_benchgen: %s\n", msg.c_str());
  std::exit(2);
}

// "15s", "2h", "500ms", "1d"; a bare number is milliseconds.
int64_t parse_duration_ms(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit = end ? end : "";
  static const std::map<std::string, double> kUnits = {{"", 1},     {"ms", 1},     {"s", 1e3},
                                                       {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}};
  auto it = kUnits.find(unit);
  if (end == s.c_str() || it == kUnits.end() || v < 0) die("bad duration '" + s + "'");
  return static_cast<int64_t>(std::llround(v * it->second));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Args {
  std::string mode;
  std::map<std::string, std::string> flags;
  std::string get(const std::string& k, const std::string& def) const {
    auto it = flags.find(k);
    return it == flags.end() ? def : it->second;
  }
  bool has(const std::string& k) const { return flags.count(k) != 0; }
};

const char* kUsage =
    "usage: promlite_benchgen serve|openmetrics|promtext|import|remote-write|describe [flags]\n"
    "  --seed N (1) --targets N (10) --series S per target (500) --interval D (15s)\n"
    "  --churn-every D (10m, 0 = none) --churn-share F (0.02)\n"
    "  serve: --ports-file F (else ports on stdout) --base-port P (0 = ephemeral)\n"
    "  datasets: --span D (2h) --end MS|now (now), last sample at end (aligned down)\n"
    "  openmetrics/promtext: --out FILE|- ; import/remote-write: --url http://host:port/path\n"
    "  remote-write: --shards N (2) --batch N (2000 samples) --no-preencode\n";

Args parse_args(int argc, char** argv) {
  if (argc < 2) die(std::string("missing mode\n") + kUsage);
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) die("unexpected argument '" + arg + "'\n" + kUsage);
    arg = arg.substr(2);
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      a.flags[arg.substr(0, eq)] = arg.substr(eq + 1);
    } else if (arg == "no-preencode" || arg == "help") {
      a.flags[arg] = "true";
    } else if (i + 1 < argc) {
      a.flags[arg] = argv[++i];
    } else {
      die("flag --" + arg + " needs a value");
    }
  }
  static const char* kKnown[] = {
      "seed",       "targets",   "series",       "interval", "churn-every", "churn-share",
      "ports-file", "base-port", "span",         "end",      "out",         "url",
      "shards",     "batch",     "no-preencode", "piece-mb", "help"};
  for (const auto& [k, v] : a.flags) {
    bool ok = false;
    for (const char* n : kKnown) ok = ok || k == n;
    if (!ok) die("unknown flag --" + k + "\n" + kUsage);
  }
  return a;
}

WorkloadConfig workload_config(const Args& a) {
  WorkloadConfig c;
  c.seed = std::stoull(a.get("seed", "1"));
  c.targets = std::stoi(a.get("targets", "10"));
  c.series_per_target = std::stoi(a.get("series", "500"));
  c.interval_ms = parse_duration_ms(a.get("interval", "15s"));
  c.churn_every_ms = parse_duration_ms(a.get("churn-every", "10m"));
  c.churn_share = std::stod(a.get("churn-share", "0.02"));
  if (c.targets <= 0 || c.series_per_target <= 0 || c.interval_ms <= 0) {
    die("--targets, --series and --interval must be positive");
  }
  return c;
}

Dataset build_dataset(const Args& a, WorkloadConfig c) {
  c.target_labels = true;
  const int64_t span = parse_duration_ms(a.get("span", "2h"));
  const std::string end_flag = a.get("end", "now");
  int64_t end = end_flag == "now" ? now_ms() : std::stoll(end_flag);
  end -= end % c.interval_ms;
  const int64_t steps = std::max<int64_t>(1, span / c.interval_ms);
  c.start_ms = end - (steps - 1) * c.interval_ms;
  return materialize(c, steps);
}

std::string summary(const Dataset& d, const std::string& mode) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"mode\":\"%s\",\"series\":%zu,\"samples\":%llu,\"steps\":%lld,"
                "\"start_ms\":%lld,\"end_ms\":%lld,\"interval_ms\":%lld",
                mode.c_str(), d.series.size(), static_cast<unsigned long long>(d.samples),
                static_cast<long long>(d.steps), static_cast<long long>(d.start_ms),
                static_cast<long long>(d.time_of(d.steps - 1)),
                static_cast<long long>(d.interval_ms));
  return buf;
}

int write_file(const Args& a, const Dataset& d, bool openmetrics) {
  const std::string out = a.get("out", "-");
  std::ofstream file;
  std::ostream* os = &std::cout;
  if (out != "-") {
    file.open(out, std::ios::binary);
    if (!file) die("cannot write " + out);
    os = &file;
  }
  uint64_t bytes = 0;
  auto sink = [&](const std::string& piece) {
    os->write(piece.data(), static_cast<std::streamsize>(piece.size()));
    bytes += piece.size();
  };
  if (openmetrics) {
    write_openmetrics(d, sink);
  } else {
    write_promtext(d, 4 << 20, sink);
  }
  os->flush();
  if (!*os) die("write failed: " + out);
  if (out != "-") {
    std::printf("%s,\"bytes\":%llu}\n", summary(d, a.mode).c_str(),
                static_cast<unsigned long long>(bytes));
  }
  return 0;
}

int import(const Args& a, const Dataset& d) {
  Url url;
  if (!parse_url(a.get("url", ""), &url)) die("--url http://host:port/path is required");
  HttpClient client(url);
  const size_t piece = static_cast<size_t>(std::stod(a.get("piece-mb", "8")) * (1 << 20));
  uint64_t bytes = 0, failed = 0;
  std::string first_error, response, error;
  const auto start = std::chrono::steady_clock::now();
  write_promtext(d, piece, [&](const std::string& body) {
    bytes += body.size();
    int status = client.post({{"Content-Type", "text/plain"}}, body, &response, &error);
    if (status < 200 || status >= 300) {
      ++failed;
      if (first_error.empty()) first_error = status < 0 ? error : response.substr(0, 300);
    }
  });
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s,\"bytes\":%llu,\"failed_requests\":%llu,\"seconds\":%.3f}\n",
              summary(d, a.mode).c_str(), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(failed), secs);
  if (failed) std::fprintf(stderr, "promlite_benchgen: import failed: %s\n", first_error.c_str());
  return failed ? 1 : 0;
}

int remote_write(const Args& a, const Dataset& d) {
  RemoteWriteOptions o;
  o.url = a.get("url", "");
  o.shards = std::stoi(a.get("shards", "2"));
  o.batch = std::stoi(a.get("batch", "2000"));
  o.preencode = !a.has("no-preencode");
  RemoteWriteResult r = send_remote_write(d, o);
  std::printf(
      "%s,\"accepted_samples\":%llu,\"requests\":%llu,\"failed_requests\":%llu,"
      "\"bytes\":%llu,\"encode_seconds\":%.3f,\"send_seconds\":%.3f,\"samples_per_second\":%.0f}\n",
      summary(d, a.mode).c_str(), static_cast<unsigned long long>(r.samples),
      static_cast<unsigned long long>(r.requests),
      static_cast<unsigned long long>(r.failed_requests), static_cast<unsigned long long>(r.bytes),
      r.encode_seconds, r.send_seconds,
      r.send_seconds > 0 ? static_cast<double>(r.samples) / r.send_seconds : 0.0);
  if (!r.first_error.empty()) {
    std::fprintf(stderr, "promlite_benchgen: remote write: %s\n", r.first_error.c_str());
  }
  return r.failed_requests ? 1 : 0;
}

int run(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  if (a.has("help") || a.mode == "help" || a.mode == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  WorkloadConfig cfg = workload_config(a);
  if (a.mode == "serve") {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    FarmOptions fo;
    fo.workload = cfg;
    fo.ports_file = a.get("ports-file", "");
    fo.base_port = std::stoi(a.get("base-port", "0"));
    return run_farm(fo, g_stop);
  }
  static const char* kDatasetModes[] = {"openmetrics", "promtext", "import", "remote-write",
                                        "describe"};
  bool known = false;
  for (const char* m : kDatasetModes) known = known || a.mode == m;
  if (!known) die("unknown mode '" + a.mode + "'\n" + kUsage);
  signal(SIGPIPE, SIG_IGN);
  Dataset d = build_dataset(a, cfg);
  if (a.mode == "openmetrics") return write_file(a, d, true);
  if (a.mode == "promtext") return write_file(a, d, false);
  if (a.mode == "import") return import(a, d);
  if (a.mode == "remote-write") return remote_write(a, d);
  std::printf("%s}\n", summary(d, a.mode).c_str());
  return 0;
}

}  // namespace
}  // namespace promlite::benchgen

int main(int argc, char** argv) { return promlite::benchgen::run(argc, argv); }
