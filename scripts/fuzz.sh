#!/usr/bin/env bash
# make fuzz: build the libFuzzer harnesses (address sanitizer) and run each for a while.
#   FUZZ_SECONDS (30 per harness), FUZZ_TARGETS (all: csr pem ocsp json policy jws jwks),
#   FUZZ_RSS_MB (2048, per process), FUZZ_TIMEOUT (10: seconds one input may take).
# Each harness starts from the committed seeds (Tests/Fuzz/Corpus/<name>) plus what earlier runs
# kept (.run/fuzz/<name>/corpus); what this run found that adds coverage is merged into the
# latter. Prints per harness: executions, exec/s, corpus files, cov/ft, and crash or not; exits
# non-zero when any harness crashed (the input is in .run/fuzz/<name>/crash-*). See decision 0022.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ALL_TARGETS=(csr pem ocsp json policy jws jwks)
seconds="${FUZZ_SECONDS:-30}"
read -r -a targets <<<"${FUZZ_TARGETS:-${ALL_TARGETS[*]}}"
rss_mb="${FUZZ_RSS_MB:-2048}"
timeout="${FUZZ_TIMEOUT:-10}"
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || die "FUZZ_SECONDS must be a positive number of seconds"
for target in "${targets[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $target "* ]] || die "unknown fuzz target '$target' (known: ${ALL_TARGETS[*]})"
done

# A separate build path: sanitizers and coverage instrumentation apply to every module built
# there, and only the harnesses' dependency closure (the Shared modules, COpenSSL) is built.
# Release (-O), as libFuzzer is meant to run; -enable-testing for the harness that reaches
# internal entry points (BearerAuthenticator.bearerToken) with @testable import.
build_path="$CLM_ROOT/.build-fuzz"
swift_flags=(-c release --build-path "$build_path" -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)
cd "$CLM_ROOT"
# A failed precondition is reported by libFuzzer ("deadly signal", with the Swift file and line)
# and the input saved; Swift's own backtracer would add a report of its own, which reads memory
# the address sanitizer has freed and so ends in a misleading heap-use-after-free.
export SWIFT_BACKTRACE="enable=no"

mkdir -p "$CLM_RUN/fuzz"
build_log="$CLM_RUN/fuzz/build.log"
: >"$build_log"
started=$SECONDS
for target in "${targets[@]}"; do
    log "building clm-fuzz-$target (address sanitizer, libFuzzer)"
    if ! CLM_FUZZ=1 swift build "${swift_flags[@]}" --product "clm-fuzz-$target" >>"$build_log" 2>&1; then
        # The sanitizer runtime's linker warnings are noise; the errors are what matters.
        grep -v 'Cannot export local symbol' "$build_log" | tail -n 40 >&2
        die "building clm-fuzz-$target failed (log: $build_log)"
    fi
done
bin_dir="$(CLM_FUZZ=1 swift build "${swift_flags[@]}" --show-bin-path)"
log "built ${#targets[@]} harnesses in $((SECONDS - started))s"

# One harness: fuzz into a scratch folder, merge what adds coverage into the kept corpus,
# then print one line of figures. Returns non-zero when the harness crashed.
run_harness() {
    local target="$1" base="$CLM_RUN/fuzz/$1" status=0
    local seeds="$CLM_ROOT/Tests/Fuzz/Corpus/$target" dict="$CLM_ROOT/Tests/Fuzz/Dictionaries/$target.dict"
    mkdir -p "$base/corpus" "$base/new"
    local options=(-max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout="$timeout"
        -print_final_stats=1 -artifact_prefix="$base/")
    [[ -f "$dict" ]] && options+=(-dict="$dict")
    log "fuzzing $target for ${seconds}s (log: $base/fuzz.log)"
    "$bin_dir/clm-fuzz-$target" "${options[@]}" "$base/new" "$base/corpus" "$seeds" >"$base/fuzz.log" 2>&1 ||
        status=$?
    "$bin_dir/clm-fuzz-$target" -merge=1 -rss_limit_mb="$rss_mb" -timeout="$timeout" \
        "$base/corpus" "$base/new" >"$base/merge.log" 2>&1 || warn "$target: merging the new corpus failed"
    rm -rf "$base/new"
    local runs rate final files crash="no"
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$base/fuzz.log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$base/fuzz.log")"
    final="$(grep -o 'cov: [0-9]* ft: [0-9]*' "$base/fuzz.log" | tail -n1)"
    files="$(find "$base/corpus" -type f | wc -l)"
    if ((status != 0)); then
        crash="$(sed -n 's/.*Test unit written to //p' "$base/fuzz.log" | tail -n1)"
        crash="CRASH (exit $status) ${crash:-see $base/fuzz.log}"
    fi
    printf '%-7s %12s %8s %7s  %-20s %s\n' "$target" "${runs:-?}" "${rate:-?}" "$files" "${final:-?}" "$crash"
    return "$status"
}

summary="$CLM_RUN/fuzz/summary-$(date -u +%Y%m%dT%H%M%SZ).txt"
failed=()
{
    echo "clm fuzz run $(date -u +%FT%TZ), ${seconds}s per harness, $(nproc) cores, $(uname -srm)"
    printf '%-7s %12s %8s %7s  %-20s %s\n' harness executions exec/s corpus coverage crash
} >"$summary"
for target in "${targets[@]}"; do
    run_harness "$target" >>"$summary" || failed+=("$target")
done
log "summary ($summary)"
cat "$summary"
((${#failed[@]} == 0)) || die "crashed: ${failed[*]} (inputs and logs under $CLM_RUN/fuzz/)"
