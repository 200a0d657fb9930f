// Restart figures of the TSDB (issue 3): steady-state RSS with N series, then
// the time and peak RSS of reopening after a crash.
//
//   promlite_tsdb_restart write <dir> <series> <hours>   # fills, then _exit()s (no clean close)
//   promlite_tsdb_restart open <dir>                     # reopens: replay time and peak RSS
//
// `write` appends <series> Flink-like series every 15 s for <hours> of data
// time, one commit per 1000 series (as scrapes do), with the DB's background
// work driven on data time (maintenance every 5 min, checkpoint every 10 min),
// prints its RSS, and exits without closing the DB, as kill -9 would leave it.
// bench/README.md has the figures and the script that runs both halves.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "model/allocator.h"
#include "tsdb/db.h"

namespace {

using promlite::tsdb::DB;
using promlite::tsdb::DbOptions;

size_t status_kib(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field, 0) == 0)
      return std::strtoull(line.c_str() + std::strlen(field), nullptr, 10);
  }
  return 0;
}

promlite::model::Labels labels(int i) {
  return promlite::model::Labels{
      {"__name__", "flink_taskmanager_job_task_operator_numRecordsIn"},
      {"job_name", "fluss-ingest-" + std::to_string(i % 13)},
      {"task_name", "Source: Fluss Table Source -> Calc -> Sink: Writer " + std::to_string(i % 97)},
      {"operator_name", "Calc(select=[id, ts, payload]) " + std::to_string(i % 31)},
      {"subtask_index", std::to_string(i % 64)},
      {"tm_id", "flink-taskmanager-" + std::to_string(i / 4096) + "-7d9f8"},
      {"host", "10.0." + std::to_string(i / 65536) + "." + std::to_string(i % 250)},
      {"series", std::to_string(i)}};
}

DbOptions options(const std::string& dir, std::shared_ptr<std::atomic<int64_t>> clock) {
  DbOptions o;
  o.dir = dir;
  o.maintenance_interval = std::chrono::milliseconds(0);
  o.now_ms = [clock] { return clock->load(); };
  return o;
}

int write(const std::string& dir, int n, double hours) {
  auto clock = std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
  auto db = DB::open(options(dir, clock));
  if (!db) {
    std::cerr << db.status().to_string() << "\n";
    return 1;
  }
  // Only the refs are kept, as a scraper's cache keeps them: label sets are
  // built when a series has no ref yet, so the RSS printed is the DB's.
  std::vector<promlite::tsdb::SeriesRef> refs(static_cast<size_t>(n), 0);
  const promlite::model::Labels no_labels;
  const int64_t end = *clock + static_cast<int64_t>(hours * 3600 * 1000);
  auto start = std::chrono::steady_clock::now();
  uint64_t samples = 0;
  for (int64_t t = *clock; t < end; t += 15000) {
    clock->store(t);
    for (int b = 0; b < n; b += 1000) {
      auto app = (*db)->appender();
      for (int i = b; i < std::min(n, b + 1000); ++i) {
        double v =
            i % 4 == 0
                ? 42.0
                : std::floor(static_cast<double>(t - 1'700'000'000'000) / 1000 * (i % 17 + 1));
        auto& ref = refs[static_cast<size_t>(i)];
        auto r = ref != 0 ? app->append(ref, no_labels, t, v) : app->append(0, labels(i), t, v);
        if (!r && ref != 0) r = app->append(0, labels(i), t, v);  // stale ref
        if (r) ref = *r;
        ++samples;
      }
      if (auto s = app->commit(); !s) {
        std::cerr << s.to_string() << "\n";
        return 1;
      }
    }
    // Maintenance every 5 min of data time (the server runs it every 15 s of
    // wall time; running it less often here only batches chunk writes more).
    if ((t / 15000) % 20 == 0) {
      if (auto s = (*db)->maintenance(); !s) std::cerr << "maintenance: " << s.to_string() << "\n";
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The allocator's view: bytes in use, and bytes free inside its arenas
  // (fragmentation the RSS pays for).
  struct mallinfo2 mi = mallinfo2();
  std::printf(
      "write: series=%d samples=%llu seconds=%.1f rss_mib=%.1f rss_bytes_per_series=%.0f "
      "disk_mib=%.1f heap_in_use_mib=%.1f heap_free_mib=%.1f\n",
      n, static_cast<unsigned long long>(samples), secs, status_kib("VmRSS:") / 1024.0,
      status_kib("VmRSS:") * 1024.0 / n, static_cast<double>((*db)->disk_bytes()) / (1 << 20),
      static_cast<double>(mi.uordblks) / (1 << 20), static_cast<double>(mi.fordblks) / (1 << 20));
  std::fflush(stdout);
  _exit(0);  // no close: the directory is left as a crash leaves it
}

int open(const std::string& dir) {
  auto clock = std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
  auto start = std::chrono::steady_clock::now();
  auto db = DB::open(options(dir, clock));
  if (!db) {
    std::cerr << db.status().to_string() << "\n";
    return 1;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto st = (*db)->stats();
  std::printf(
      "open: series=%zu seconds=%.2f replayed_samples=%llu peak_rss_mib=%.1f rss_mib=%.1f\n",
      (*db)->head().num_series(), secs, static_cast<unsigned long long>(st.replayed_samples),
      status_kib("VmHWM:") / 1024.0, status_kib("VmRSS:") / 1024.0);
  std::fflush(stdout);
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  promlite::model::tune_allocator();  // as the server does (cmd/promlite/main.cc)
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "write" && argc == 5) return write(argv[2], std::atoi(argv[3]), std::atof(argv[4]));
  if (mode == "open" && argc == 3) return open(argv[2]);
  std::cerr << "usage: promlite_tsdb_restart write <dir> <series> <hours> | open <dir>\n";
  return 2;
}
