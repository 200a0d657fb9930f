// promql_conformance: runs Prometheus's PromQL test scripts against promlite's
// engine (query::new_engine) and compares with a known-failure baseline.
//
//   promql_conformance <dir with *.test> [--known-failures=PATH]
//       [--write-known-failures=PATH] [--file=NAME] [--no-fork]
//       [--eval-timeout=SECONDS] [--quiet-known] [--list-skipped]
//
// Prints, per file, its failures (file:line, query, a short diff) and
// "<file>: N passed, N failed, N skipped"; then totals per tier, the listed
// evals that now pass, and last the line "N passed, N failed, N skipped".
// Exits 1 when an eval fails that the known-failure list does not name (or a
// script cannot be read), else 0. --write-known-failures writes the current
// failures as the new list and exits 0 (with --file, the entries of other
// files are kept).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "query/promql_engine.h"
#include "tests/promql/isolated_run.h"
#include "tests/promql/known_failures.h"

namespace promlite::promqltest {
namespace {

constexpr std::string_view kFirstTier[] = {
    "aggregators", "at_modifier",   "collision", "functions", "histograms", "literals",
    "operators",   "range_queries", "selectors", "staleness", "subquery",   "trig_functions"};
constexpr std::string_view kSecondTier[] = {"duration_expression", "limit", "name_label_dropping",
                                            "type_and_unit", "native_histograms"};

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
  void add(const Counts& o) {
    passed += o.passed;
    failed += o.failed;
    skipped += o.skipped;
  }
  std::string str() const {
    return std::to_string(passed) + " passed, " + std::to_string(failed) + " failed, " +
           std::to_string(skipped) + " skipped";
  }
};

bool in_tier(std::string_view stem, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, stem) != end;
}

struct Flags {
  std::string dir;
  std::string known_failures = PROMLITE_KNOWN_FAILURES;
  std::string write_known_failures;
  std::string only_file;
  bool fork = true;
  bool quiet_known = false;
  bool list_skipped = false;
  int eval_timeout_s = 120;
};

bool parse_flags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name, std::string* out) {
      if (a.rfind(name, 0) != 0) return false;
      *out = std::string(a.substr(name.size()));
      return true;
    };
    std::string timeout;
    if (value("--known-failures=", &f->known_failures) ||
        value("--write-known-failures=", &f->write_known_failures) ||
        value("--file=", &f->only_file)) {
      continue;
    }
    if (value("--eval-timeout=", &timeout)) {
      f->eval_timeout_s = std::max(1, std::atoi(timeout.c_str()));
    } else if (a == "--no-fork") {
      f->fork = false;
    } else if (a == "--quiet-known") {
      f->quiet_known = true;
    } else if (a == "--list-skipped") {
      f->list_skipped = true;
    } else if (!a.empty() && a[0] != '-' && f->dir.empty()) {
      f->dir = std::string(a);
    } else {
      std::cerr << "unknown argument: " << a << "\n";
      return false;
    }
  }
  return !f->dir.empty();
}

// The first line of a message, cut to a readable length.
std::string short_message(const std::string& msg) {
  std::string s = msg.substr(0, msg.find('\n'));
  const size_t kMax = 400;
  if (s.size() > kMax) s = s.substr(0, kMax) + "...";
  return s;
}

std::unique_ptr<query::Engine> make_engine() {
  query::EngineOptions o;
  // As Prometheus's test engine: 100s timeout, 10000 samples per query, the
  // default 5m lookback, with the experimental functions and duration
  // expressions its test scripts are run with.
  o.timeout = 100 * model::kSecond;
  o.max_samples = 10000;
  o.experimental_functions = true;
  o.duration_expressions = true;
  return query::new_engine(o);
}

int run(const Flags& flags) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(flags.dir, ec)) {
    if (entry.path().extension() != ".test") continue;
    if (!flags.only_file.empty() && entry.path().filename() != flags.only_file &&
        entry.path().stem() != flags.only_file) {
      continue;
    }
    files.push_back(entry.path());
  }
  if (ec) {
    std::cerr << "cannot list " << flags.dir << ": " << ec.message() << "\n";
    return 1;
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "no .test files in " << flags.dir << "\n";
    return 1;
  }

  auto known = read_known_failures(flags.known_failures);
  if (!known) {
    std::cerr << known.status().message() << "\n";
    return 1;
  }

  RunOptions opts;
  IsolationOptions iso{flags.fork, flags.eval_timeout_s};
  Counts total, first, second;
  KnownFailures failing, now_passing;
  int new_failures = 0;
  bool broken_script = false;
  std::set<std::string> ran_keys;

  for (const auto& path : files) {
    std::string name = path.filename().string();
    auto script = testutil::read_promql_script(path.string());
    if (!script) {
      std::cout << "ERROR " << name << ": " << script.status().message() << "\n";
      broken_script = true;
      continue;
    }
    FileOutcome out = run_file(*script, make_engine, opts, iso);
    Counts c;
    for (const testutil::Command& cmd : script->commands) {
      const auto* e = std::get_if<testutil::EvalCmd>(&cmd);
      if (e == nullptr) continue;
      const EvalOutcome& o = out.by_line[e->line];
      std::string key = failure_key(name, e->line);
      ran_keys.insert(key);
      bool listed = known->count(key) > 0;
      switch (o.verdict) {
        case Verdict::kPass:
          ++c.passed;
          if (listed) now_passing.insert(key);
          break;
        case Verdict::kSkip:
          ++c.skipped;
          if (flags.list_skipped) std::cout << "  SKIP " << key << ": " << e->expr << "\n";
          break;
        case Verdict::kFail:
          ++c.failed;
          failing.insert(key);
          if (!listed) ++new_failures;
          if (!listed || !flags.quiet_known) {
            std::cout << "  FAIL " << key << (listed ? " [known]" : " [NEW]") << ": " << e->expr
                      << "\n       " << short_message(o.message) << "\n";
          }
          break;
      }
    }
    std::cout << name << ": " << c.str() << "\n";
    std::cout.flush();
    total.add(c);
    std::string stem = path.stem().string();
    if (in_tier(stem, std::begin(kFirstTier), std::end(kFirstTier))) first.add(c);
    if (in_tier(stem, std::begin(kSecondTier), std::end(kSecondTier))) second.add(c);
  }

  std::cout << "first tier: " << first.str() << "\n";
  std::cout << "second tier: " << second.str() << "\n";
  if (!now_passing.empty()) {
    std::cout << "known failures that now pass (remove them from the list):\n";
    for (const std::string& k : now_passing) std::cout << "  " << k << "\n";
  }
  if (flags.only_file.empty()) {
    for (const std::string& k : *known) {
      if (!ran_keys.count(k))
        std::cout << "stale known-failure entry (no such eval): " << k << "\n";
    }
  }
  if (new_failures > 0) {
    std::cout << new_failures << " failure(s) not in " << flags.known_failures << "\n";
  }
  std::cout << total.str() << "\n";

  if (!flags.write_known_failures.empty()) {
    // With --file, the entries of the files that did not run are kept.
    if (!flags.only_file.empty()) {
      for (const std::string& k : *known) {
        if (!ran_keys.count(k)) failing.insert(k);
      }
    }
    Status s = write_known_failures(flags.write_known_failures, failing);
    if (!s) {
      std::cerr << s.message() << "\n";
      return 1;
    }
    std::cerr << "wrote " << failing.size() << " known failures to " << flags.write_known_failures
              << "\n";
    return broken_script ? 1 : 0;
  }
  return (new_failures > 0 || broken_script) ? 1 : 0;
}

}  // namespace
}  // namespace promlite::promqltest

int main(int argc, char** argv) {
  promlite::promqltest::Flags flags;
  if (!promlite::promqltest::parse_flags(argc, argv, &flags)) {
    std::cerr << "usage: promql_conformance <dir> [--known-failures=PATH] "
                 "[--write-known-failures=PATH] [--file=NAME] [--no-fork] "
                 "[--eval-timeout=SECONDS] [--quiet-known] [--list-skipped]\n";
    return 2;
  }
  return promlite::promqltest::run(flags);
}
