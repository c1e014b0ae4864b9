#!/usr/bin/env bash
# Disassembles every ACPI table minivmm builds with iasl (acpica-tools) and fails on any error.
set -euo pipefail
test_bin=$1
command -v iasl >/dev/null || { echo "iasl not found: install acpica-tools" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$test_bin" "$dir" >/dev/null
count=0
for dat in "$dir"/*.dat; do
	name=$(basename "$dat" .dat)
	if ! out=$(cd "$dir" && iasl -d "$name.dat" 2>&1); then
		echo "iasl -d $name failed:"; echo "$out"; exit 1
	fi
	if grep -qiE '^\s*(Error|.*[^a-z]error [0-9])' <<<"$out" || grep -q "Error" "$dir/$name.dsl"; then
		echo "iasl reports errors for $name:"; echo "$out"; exit 1
	fi
	count=$((count + 1))
done
[ "$count" -ge 5 ] || { echo "expected 5 tables, disassembled $count"; exit 1; }
echo "$count passed, 0 failed"
