// The known-failure baseline of the conformance runner: a set of
// "<file>.test:<line>" keys, one per line in a text file; '#' starts a comment
// line, blank lines are ignored. It is a ratchet: entries may only be removed.
#pragma once

#include <set>
#include <string>

#include "model/status.h"

namespace promlite::promqltest {

using KnownFailures = std::set<std::string>;

// "<file>:<line>", the key of one eval.
std::string failure_key(const std::string& file, int line);

// Parses the list; fails on a line that is not a key.
Result<KnownFailures> parse_known_failures(const std::string& text);
// Reads the file; a missing file is an empty list.
Result<KnownFailures> read_known_failures(const std::string& path);
// The file text for `keys` (header comment, then the keys by file and line).
std::string format_known_failures(const KnownFailures& keys);
Status write_known_failures(const std::string& path, const KnownFailures& keys);

}  // namespace promlite::promqltest
