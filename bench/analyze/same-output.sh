#!/usr/bin/env bash
# Checks that two builds of oomwarden print the same thing for `analyze`: stdout, stderr and exit code, byte for
# byte, with and without --json, for
#   - every file under tests/fixtures (each as `analyze FILE`),
#   - all fixture logs (*.log) concatenated on stdin (`analyze -`),
#   - the bench's dense and sparse logs (bench/analyze/gen-log.py, SIZE_MB each; the outputs are compared by hash),
#     and the dense log written as syslog (kern.log) and as journalctl -k (gen-log.py's WRAPPER): the reader's fast
#     lane takes each form's lines its own way.
# usage: bench/analyze/same-output.sh REF_BINARY NEW_BINARY [SIZE_MB=300]
# Exit 0 when nothing differs, 1 when something does (each difference is named), 2 on bad usage.
set -uo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."
[[ $# -ge 2 ]] || { echo "usage: $0 REF_BINARY NEW_BINARY [SIZE_MB=300]" >&2; exit 2; }
REF=$1 NEW=$2 SIZE_MB=${3:-300}
for b in "$REF" "$NEW"; do [[ -x $b ]] || { echo "not executable: $b" >&2; exit 2; }; done

DIR=$(mktemp -d "${TMPDIR:-/tmp}/oomwarden-same-output.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
compared=0 differ=0

# run BIN NAME ARGS... [< input]: stdout, stderr and exit code of one run into $DIR/NAME.{out,err,rc}
run() {
    local bin=$1 name=$2; shift 2
    "$bin" analyze "$@" > "$DIR/$name.out" 2> "$DIR/$name.err"
    echo $? > "$DIR/$name.rc"
}
# same LABEL: compares the ref.* and new.* outputs of the last two runs
same() {
    compared=$((compared + 1))
    local what
    for what in out err rc; do
        if ! cmp -s "$DIR/ref.$what" "$DIR/new.$what"; then
            echo "DIFFERS ($what): $1"
            differ=$((differ + 1))
            return
        fi
    done
}

while IFS= read -r -d '' f; do
    for mode in --json text; do
        args=("$f"); [[ $mode == --json ]] && args=(--json "$f")
        run "$REF" ref "${args[@]}" < /dev/null
        run "$NEW" new "${args[@]}" < /dev/null
        same "$mode $f"
    done
done < <(find tests/fixtures -type f -print0 | sort -z)

find tests/fixtures -type f -name '*.log' -print0 | sort -z | xargs -0 cat > "$DIR/all.log"
for mode in --json text; do
    args=(-); [[ $mode == --json ]] && args=(--json -)
    run "$REF" ref "${args[@]}" < "$DIR/all.log"
    run "$NEW" new "${args[@]}" < "$DIR/all.log"
    same "$mode all fixture logs on stdin"
done
rm -f "$DIR/all.log"

# the bench logs: outputs are large, so each is reduced to its hash (stderr and exit code kept whole)
for density in dense sparse dense-syslog dense-journal; do
    every=$([[ $density == sparse ]] && echo 4 || echo 200l)
    wrapper=dmesg; [[ $density == *-* ]] && wrapper=${density#*-}
    python3 bench/analyze/gen-log.py "$DIR/$density.log" "$SIZE_MB" "$every" "$wrapper" > /dev/null
    for mode in --json text; do
        args=("$DIR/$density.log"); [[ $mode == --json ]] && args=(--json "$DIR/$density.log")
        for side in ref new; do
            bin=$REF; [[ $side == new ]] && bin=$NEW
            "$bin" analyze "${args[@]}" 2> "$DIR/$side.err" < /dev/null | sha256sum > "$DIR/$side.out"
            echo "${PIPESTATUS[0]}" > "$DIR/$side.rc"
        done
        same "$mode $density log ($SIZE_MB MiB)"
    done
    rm -f "$DIR/$density.log"
done

echo "$compared outputs compared, $differ differ"
[[ $differ -eq 0 ]]
