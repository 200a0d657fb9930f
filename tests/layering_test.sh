#!/usr/bin/env bash
# Checks every module's #include lines against the allowed dependency graph of
# ../shared/DESIGN.md. A module may include its own headers, std/third-party
# headers, and the headers of the modules listed for it below.
set -u
root=${1:-.}
cd "$root" || exit 2
declare -A allowed=(
  [model]="model"
  [config]="model config"
  [tsdb]="model tsdb"
  [query]="model query tsdb/querier.h tsdb/appender.h"
  [scraper]="model config scraper tsdb/appender.h"
  [remote]="model config remote tsdb/wal"
  [api]="model api query config tsdb/querier.h tsdb/appender.h tsdb/stats.h scraper/target_status.h scraper/metadata.h"
)
fail=0
for module in "${!allowed[@]}"; do
  [ -d "$module" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")
    ok=0
    for a in ${allowed[$module]}; do
      case "$inc" in
        "$a"|"$a"/*) ok=1 ;;
      esac
    done
    if [ $ok = 0 ]; then
      echo "layering: $file includes \"$inc\", which $module/ may not use"
      fail=1
    fi
  done < <(grep -rn --include='*.h' --include='*.cc' -E '^#include "[^"]+"' "$module" | sed -E 's/^([^:]+):[0-9]+:/\1:/')
done
if [ $fail = 0 ]; then echo "layering: ok"; fi
exit $fail
