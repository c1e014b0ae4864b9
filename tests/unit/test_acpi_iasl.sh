#!/usr/bin/env bash
# Checks the ACPI tables test_acpi writes against ACPICA's iasl (acpica-tools):
#  - each table (XSDT, FACP, APIC, MCFG, DSDT) disassembles with `iasl -d`
#    without errors, bad checksums or complaints in the .dsl;
#  - the .dsl recompiles with 0 errors, and iasl's binary equals ours byte for
#    byte except the checksum and the compiler ID/revision iasl puts there;
#  - the RSDP, which iasl cannot load from a file, is rebuilt from its fields
#    with iasl's data-table compiler (which computes both checksums) and must
#    equal ours exactly.
# Usage: test_acpi_iasl.sh TEST_ACPI_BINARY
set -euo pipefail
test_bin=$1
command -v iasl >/dev/null || { echo "iasl not found: install acpica-tools" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$test_bin" "$dir" >/dev/null
cd "$dir"
pass=0 fail=0
report() {
	echo "FAIL $1: $2"
	shift 2
	printf '%s\n' "$@"
	fail=$((fail + 1))
}

# Differing byte offsets (0-based) of two files, one per line; "size" if lengths differ.
diff_offsets() {
	[ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ] || { echo size; return; }
	cmp -l "$1" "$2" | awk '{ print $1 - 1 }' || true
}

check_table() {
	local name=$1 out bad
	[ -s "$name.dat" ] || { report "$name" "test_acpi wrote no $name.dat"; return; }
	if ! out=$(iasl -d "$name.dat" 2>&1); then
		report "$name" "iasl -d exited non-zero" "$out"
		return
	fi
	# iasl prints errors on stdout ("Error 6126 - ...") and notes problems
	# inside the .dsl ("Incorrect checksum", "**** Unknown/Invalid ...").
	# Warnings such as unresolved externals are not errors.
	if grep -Eq '(^|[^A-Za-z])Error( |$)|ACPI Error' <<<"$out" ||
	   grep -Eiq 'incorrect checksum|\*\*\*\*|error' "$name.dsl"; then
		report "$name" "iasl -d reports a problem" "$out" \
			"$(grep -Ei 'incorrect|\*\*\*\*|error' "$name.dsl")"
		return
	fi
	if ! out=$(iasl "$name.dsl" 2>&1) || ! grep -q 'successful. 0 Errors' <<<"$out"; then
		report "$name" "recompiling $name.dsl failed" "$out"
		return
	fi
	# Offsets 9 (checksum) and 28-35 (compiler ID, revision) are iasl's own.
	bad=$(diff_offsets "$name.dat" "$name.aml" | awk '$1 != 9 && ($1 < 28 || $1 > 35)')
	if [ -n "$bad" ]; then
		report "$name" "iasl's recompiled table differs at offsets:" $bad
		return
	fi
	pass=$((pass + 1))
}

check_rsdp() {
	local xsdt out
	xsdt=$(od -A n -t x8 -j 24 -N 8 rsdp.dat | tr -d ' ')
	cat >rsdp_ref.asl <<ASL
[0008]                          Signature : "RSD PTR "
[0001]                           Checksum : 00
[0006]                             Oem ID : "MINVMM"
[0001]                           Revision : 02
[0004]                       RSDT Address : 00000000
[0004]                             Length : 00000024
[0008]                       XSDT Address : $xsdt
[0001]                  Extended Checksum : 00
[0003]                           Reserved : 000000
ASL
	if ! out=$(iasl rsdp_ref.asl 2>&1) || ! grep -q 'successful. 0 Errors' <<<"$out"; then
		report rsdp "iasl could not compile the reference RSDP" "$out"
		return
	fi
	if ! cmp rsdp.dat rsdp_ref.aml; then
		report rsdp "differs from iasl's RSDP" "$(xxd rsdp.dat)" "$(xxd rsdp_ref.aml)"
		return
	fi
	pass=$((pass + 1))
}

for name in xsdt facp apic mcfg dsdt; do
	check_table "$name"
done
check_rsdp
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
