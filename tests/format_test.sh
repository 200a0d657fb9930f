#!/usr/bin/env bash
# Fails when a C++ source file is not formatted by the repository's .clang-format.
set -u
root=${1:-.}
cd "$root" || exit 2
if ! command -v clang-format >/dev/null; then
  echo "format: clang-format not installed (scripts/setup.sh installs it)"
  exit 1
fi
files=$(git ls-files '*.h' '*.cc' 2>/dev/null || find . -name '*.h' -o -name '*.cc')
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f is not clang-formatted (run: clang-format -i $f)"
    bad=1
  fi
done
[ $bad = 0 ] && echo "format: ok"
exit $bad
