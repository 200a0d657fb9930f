// The promlite process: wires configuration, storage, the HTTP server and
// signals together, and owns the lifecycle:
//   start: flags -> config -> data directory -> HTTP server -> ready
//   SIGHUP / POST /-/reload: reload the configuration
//   SIGTERM / SIGINT / POST /-/quit: stop accepting work, finish in-flight
//   requests, flush storage, exit 0.
#pragma once

#include <string>
#include <vector>

namespace promlite::cmd {

// Runs promlite with argv[1..]; returns the process exit code.
int run_promlite(const std::vector<std::string>& args);

}  // namespace promlite::cmd
