// The target farm: N scrape targets on 127.0.0.1, one port each, serving the
// workload's exposition text. A render thread advances the workload at every
// interval boundary and swaps in pre-rendered bodies, so a scrape only copies
// bytes out (never the bottleneck at 100k series per 15 s); every scraper that
// scrapes within one interval gets the same body, hence the same samples.
//
// GET /stats on any target port answers JSON: the current step and, per
// User-Agent, scrapes, samples and bytes served (the harness divides CPU time
// by these samples).
#pragma once

#include <atomic>
#include <string>

#include "bench/gen/workload.h"

namespace promlite::benchgen {

struct FarmOptions {
  WorkloadConfig workload;  // start_ms is set to the wall clock at start
  int base_port = 0;        // 0: ephemeral ports
  std::string ports_file;   // written once listening: "127.0.0.1:port" per line
};

// Serves until `stop` becomes true. Returns a process exit code.
int run_farm(const FarmOptions& opts, const std::atomic<bool>& stop);

}  // namespace promlite::benchgen
