// Parsing of file_sd files (Prometheus's discovery/file): a list of target
// groups, as JSON or YAML by the file's extension:
//
//   [ { "targets": ["host:9100", ...], "labels": { "name": "value", ... } }, ... ]
//
// Checked as Prometheus checks them: the top level is a list (or null / an empty
// YAML file: no groups); each item is a mapping (a null item is an error) with
// only the keys "targets" and "labels" (JSON keys match case-insensitively, as
// in Go's encoding/json; YAML rejects duplicate keys, as yaml.UnmarshalStrict);
// "targets" is a list of strings and "labels" a mapping of strings, either may
// be missing or null; label names must be valid (non-empty UTF-8, Prometheus
// 3's default). A YAML scalar of any type reads as its text (port: 80 is "80")
// and null as "", as yaml.v2 does; JSON values must be strings or null.
// Invalid UTF-8 inside JSON strings becomes U+FFFD, as in Go.
//
// Every group gets source "<path>:<index>" and the label __meta_filepath=<path>
// (replacing any given one); each target becomes {__address__="<target>"}.
#pragma once

#include <string_view>
#include <vector>

#include "model/status.h"
#include "scraper/discovery/target_group.h"

namespace promlite::scraper::discovery {

inline constexpr std::string_view kFilepathLabel = "__meta_filepath";

enum class FileSdFormat { kJson, kYaml };

// The format for `path`'s extension (.json, .yml, .yaml; any letter case), or
// an error for any other extension.
Result<FileSdFormat> file_sd_format(std::string_view path);

// Parses the content of the file_sd file at `path` (used for the format, the
// sources and __meta_filepath; the file is not read). Errors name the group and
// field at fault.
Result<std::vector<TargetGroup>> parse_file_sd(std::string_view path, std::string_view content);
Result<std::vector<TargetGroup>> parse_file_sd(std::string_view path, std::string_view content,
                                               FileSdFormat format);

}  // namespace promlite::scraper::discovery
