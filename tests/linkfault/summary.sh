#!/bin/sh
# summary.sh RESULTS_DIR: adds up what every part of the linkfault family
# wrote ("points lost duplicated failed", one file per part) and prints
#   linkfault: N fault points, L lost, D duplicated
# Fails when a part left no result (it crashed or did not run), failed, or
# any response was lost or duplicated.
set -u
dir=$1
expected="in_process kill_during_sync sim_link_faults"
n=0 lost=0 dup=0 bad=""
for part in $expected; do
    if [ ! -s "$dir/$part" ]; then
        bad="$bad $part(no result)"
        continue
    fi
    read -r p l d f <"$dir/$part"
    echo "  $part: $p fault points, $l lost, $d duplicated"
    n=$((n + p)) lost=$((lost + l)) dup=$((dup + d))
    [ "$f" = 0 ] || bad="$bad $part(failed)"
done
echo "linkfault: $n fault points, $lost lost, $dup duplicated"
[ -z "$bad" ] || { echo "FAIL:$bad" >&2; exit 1; }
[ "$lost" -eq 0 ] && [ "$dup" -eq 0 ] || exit 1
