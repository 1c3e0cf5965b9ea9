#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in a build folder of its own
# (.build-asan, .build-tsan) so the normal build is left alone:
#
#     scripts/sanitize.sh address|thread [swift test options, e.g. --filter X]
#
# AddressSanitizer (with LeakSanitizer) and ThreadSanitizer instrument the
# tests and the `recurrent` binary the command-line tests run, so a report
# in either fails the run: the test process exits non-zero, and a child
# whose exit status changes fails its test. Leaks in the toolchain's
# libraries are suppressed (Fuzz/lsan.supp, shared with scripts/fuzz.sh).
# Fails too if any sanitizer report appears in the output.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer="${1:?usage: scripts/sanitize.sh address|thread [swift test options]}"
shift
case "$sanitizer" in
    address) scratch=.build-asan ;;
    thread) scratch=.build-tsan ;;
    *) echo "scripts/sanitize.sh: address or thread, not $sanitizer" >&2; exit 64 ;;
esac
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"
log="/tmp/recurrent-sanitize-$sanitizer.log"
status=0
swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@" >"$log" 2>&1 || status=$?
grep -E 'Test run with [0-9]+ tests?' "$log" | tail -1 || true
reports=$(grep -c -E '^ *(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: [A-Za-z]+Sanitizer)' "$log" || true)
echo "$sanitizer sanitizer: $reports report lines, swift test exit $status (log $log)"
if [ "$reports" != 0 ]; then
    grep -E -m 10 -A6 '^ *(==[0-9]+==ERROR|WARNING: ThreadSanitizer)' "$log"
    exit 1
fi
exit "$status"
