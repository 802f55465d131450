# Sourced by seed-check.sh (SEED_CHECK_MORE) for the stage2 scenario: what
# the rig did at stage 2 and with a vIOMMU, and how the capture and the
# verdict saw it. Uses seed-check.sh's $out, $snap, $hl, $json, $text, check().
check 'printf "%s\n" "$out" | grep -q "SMMU features 0x[0-9a-f]*: stage 1 yes, stage 2 yes, nesting yes"' \
	"the rig's SMMUv3 translates at both stages (the driver's TRANS_S1, TRANS_S2, NESTING)"
check 'printf "%s\n" "$out" | grep -q "nested: blocked as expected: IOMMU_VIOMMU_ALLOC EOPNOTSUPP"' \
	"a vIOMMU for the nested VMM is refused for the reason 7.3's driver has (no S2FWB, no IORT CANWBS)"
check 'printf "%s\n" "$out" | grep -q "HWPT [0-9]* attached (nesting parent: stage 2)" &&
	printf "%s\n" "$out" | grep -q "boot 1 DMA: [0-9]* DMA copies of 4 KiB .* through the SMMU checked"' \
	"the stage-2 VMM attached edu to a nesting parent and its DMA through stage 2 checked out"
check 'printf "%s\n" "$out" | grep -q "hitless_seed: no-tlbi: IOVA 0x1000000-0x11fffff of stage-2 table"' \
	"the test module unmapped and remapped the stage-2 block, no TLBI"
check 'printf "%s\n" "$out" | grep -q "verify: .* the log.s state matches"' \
	"the walk at the capture's end (the S2 STE's table walked) equals the log's state"
# edu's STE as the capture left it: Config S2, its S2TTB and VMID; the
# verdict's INV-TLB names that table, the VMID, and edu as its user; the
# seeded writes are stage-2 records; the table's ranges stage 2
s2=$("$hl" show -j "$snap" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
e = [s["STE"] for s in d["stes"] if s["sid"] == 8]
assert e and e[0]["Config"] == "S2-trans", e
ttb, vmid = e[0]["S2TTB"], e[0]["S2VMID"]
pte = [x for x in d["events"] if x["kind"] == "pte" and int(x["iova"], 16) == 0x1000000 and x["table"] == ttb]
assert len(pte) >= 2 and all(x["stage"] == 2 for x in pte[-2:]), pte[-2:]
tr = [t for t in d["translations"] if t["table"] == ttb]
assert tr and all(t["stage"] == 2 for t in tr), tr
print(ttb, vmid)' 2>&1)
printf '%s\n' "$s2" | sed 's/^/# stage 2: /'
check '[ "$(printf "%s\n" "$s2" | wc -w)" = 2 ]' \
	"edu's STE is Config S2 (S2TTB, VMID), the seeded writes are stage-2 records at IOVA 0x1000000, the table's ranges stage 2"
s2ttb=$(printf '%s\n' "$s2" | awk 'NF == 2 { print $1 }') s2vmid=$(printf '%s\n' "$s2" | awk 'NF == 2 { print $2 }')
check 'printf "%s" "$json" | python3 -c "
import json, sys
d = json.load(sys.stdin)
f = [f for f in d[\"findings\"] if f[\"rule\"] == \"INV-TLB\"]
assert f and all(x[\"table\"] == sys.argv[1] and (\"of stage-2 table %s (VMID %s)\" % (sys.argv[1], sys.argv[2])) in x[\"message\"]
                 and {\"smmu\": 0, \"sid\": 8} in x.get(\"table_users\", []) for x in f), f
" "${s2ttb:-x}" "${s2vmid:-x}"' "INV-TLB names edu's stage-2 table ${s2ttb:-?}, VMID ${s2vmid:-?}, and StreamID 8 as its user"
check 'printf "%s" "$json" | python3 -c "
import json, sys
rows = json.load(sys.stdin)[\"devices\"]
r = [r for r in rows if r.get(\"device\") == \"0000:00:01.0\"]
assert len(rows) == 1 and r and r[0][\"sids\"] == [8] and \"INV-TLB\" in r[0][\"rules\"] and r[0][\"verdict\"] == \"findings\", rows
" && printf "%s\n" "$text" | grep -qE "^0000:00:01.0 +0 +8 +NOT HITLESS .*INV-TLB"' \
	"the device table: one row, edu (0000:00:01.0, StreamID 8), NOT HITLESS with INV-TLB (text and JSON)"
