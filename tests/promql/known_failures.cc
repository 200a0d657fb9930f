#include "tests/promql/known_failures.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

namespace promlite::promqltest {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Splits "file:line"; false when it is not of that form.
bool split_key(const std::string& key, std::string* file, int* line) {
  size_t colon = key.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == key.size()) return false;
  std::string num = key.substr(colon + 1);
  if (num.size() > 9 ||
      !std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  *file = key.substr(0, colon);
  *line = std::stoi(num);
  return *line > 0;
}

}  // namespace

std::string failure_key(const std::string& file, int line) {
  return file + ":" + std::to_string(line);
}

Result<KnownFailures> parse_known_failures(const std::string& text) {
  KnownFailures out;
  std::istringstream in(text);
  std::string raw;
  int n = 0;
  while (std::getline(in, raw)) {
    ++n;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    std::string file;
    int eval_line = 0;
    if (!split_key(line, &file, &eval_line)) {
      return invalid_argument("known failures line " + std::to_string(n) +
                              ": expected <file>:<line>, got \"" + line + "\"");
    }
    out.insert(failure_key(file, eval_line));
  }
  return out;
}

Result<KnownFailures> read_known_failures(const std::string& path) {
  std::ifstream in(path);
  if (!in) return KnownFailures{};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_known_failures(ss.str());
}

std::string format_known_failures(const KnownFailures& keys) {
  std::vector<std::pair<std::string, int>> sorted;
  for (const std::string& k : keys) {
    std::string file;
    int line = 0;
    if (split_key(k, &file, &line)) sorted.emplace_back(file, line);
  }
  std::sort(sorted.begin(), sorted.end());
  std::string out =
      "# PromQL conformance evals known to fail (<file>:<line of the eval>).\n"
      "# This is a ratchet to empty: remove entries as the engine fixes them, never add\n"
      "# new ones by hand. Regenerate with promql_conformance --write-known-failures=PATH.\n";
  for (const auto& [file, line] : sorted) out += failure_key(file, line) + "\n";
  return out;
}

Status write_known_failures(const std::string& path, const KnownFailures& keys) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return io_error("cannot write " + path);
  out << format_known_failures(keys);
  out.close();
  if (!out) return io_error("error writing " + path);
  return Status::ok();
}

}  // namespace promlite::promqltest
