// SPDX-License-Identifier: GPL-2.0
/*
 * The SMMU's identity in `hitless show`: what the capture read is printed,
 * what it did not read is "unknown" (text) and null (JSON), never a 0 that
 * reads as a fact.  A snapshot of format 1.1 says which IDRs and which of
 * the driver's fields it read (section SMMU_ID); one of format 1.0 (the
 * kept fuzzing corpus, written before the section existed) knows none of
 * the driver's fields, and its IDRs only where they are not all 0.
 */
#include <stdio.h>
#include <string.h>
#include "tap.h"
#include "build.h"
#include "run.h"
#include "snapshot.h"

static char dir[] = "/tmp/hl-smmuid-test.XXXXXX";
static char path[4200], err[512];

/* The SMMU lines of `hitless show` (text) and its JSON, for a state with SMMU m and identity id. */
static int show(const struct hl_smmu_disk *m, const struct hl_smmu_id_disk *id, char *text, size_t tl)
{
	struct hl_state s;
	struct tlog l;

	hl_state_init(&s);
	t_boot(&s, &l, 0x1111ULL << 32, "7.3.4-test", 0, 25000000);
	VEC_PUSH(s.smmus, *m);
	if (id)
		VEC_PUSH(s.smmu_ids, *id);
	if (hl_snapshot_write(path, &s, err, sizeof(err))) {
		tap_diag("%s", err);
		hl_state_free(&s);
		return -1;
	}
	hl_state_free(&s);
	if (run("show", path, NULL))
		return -1;
	snprintf(text, tl, "%s", run_out);
	return run("-j", "show", path, NULL);
}

static int has(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		return 1;
	tap_diag("lacks '%s'", needle);
	return 0;
}

int main(void)
{
	static char text[1 << 20];
	struct hl_smmu_disk m = { .id = 0, .base = 0x9050000 };
	struct hl_smmu_id_disk id = { .smmu = 0 };
	char corpus[4200];
	const char *bin = HL_BIN;
	int rc;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/s.snap", dir);

	/* every IDR read, every driver field: all printed, nothing unknown */
	m.idr[0] = IDR0_S1P | IDR0_S2P | FIELD_PREP(IDR0_TTF, 2) | FIELD_PREP(IDR0_ST_LVL, 1) |
		   IDR0_ASID16 | IDR0_VMID16 | IDR0_COHACC;
	m.idr[1] = FIELD_PREP(IDR1_SIDSIZE, 16);
	m.idr[3] = FIELD_PREP(IDR3_BBM, 2) | IDR3_RIL;
	m.idr[5] = IDR5_GRAN4K | IDR5_GRAN16K | IDR5_GRAN64K | FIELD_PREP(IDR5_OAS, 4);
	id.known = HL_SK_IDR_ALL | HL_SK_FEATURES | HL_SK_OPTIONS | HL_SK_SID_BITS | HL_SK_SSID_BITS |
		   HL_SK_OAS | HL_SK_PGSIZE | HL_SK_ASID_BITS | HL_SK_VMID_BITS;
	id.features = ARM_SMMU_FEAT_2_LVL_STRTAB | ARM_SMMU_FEAT_TRANS_S1 | ARM_SMMU_FEAT_TRANS_S2 |
		      ARM_SMMU_FEAT_NESTING | ARM_SMMU_FEAT_BBML2;
	id.sid_bits = 16, id.asid_bits = 16, id.vmid_bits = 16, id.oas = 44;
	id.pgsize_bitmap = 0x62215000;
	rc = show(&m, &id, text, sizeof(text));
	tap_ok(!rc && has(text, "S1P=1 S2P=1 ") && has(text, "SSIDSIZE=0 BBML=2 RIL=1 FWB=0") &&
	       has(text, "OAS=44\n") && !strstr(text, "unknown") &&
	       has(text, "  driver: features 0x1080601 (2_LVL_STRTAB,TRANS_S1,TRANS_S2,NESTING,BBML2), "
			 "options 0x0, oas 44 bits, pgsize_bitmap 0x62215000, sid_bits 16, ssid_bits 0, "
			 "asid_bits 16, vmid_bits 16\n") && has(text, "  BBML2 yes\n"),
	       "all captured: every IDR field and driver field printed, none unknown, BBML2 yes");
	tap_ok(!rc && has(run_out, "\"IDR\":[\"0x") && has(run_out, "\"SSIDSIZE\":0,") &&
	       has(run_out, "\"feature_names\":[\"2_LVL_STRTAB\",\"TRANS_S1\",\"TRANS_S2\",\"NESTING\",\"BBML2\"]") &&
	       has(run_out, "\"ssid_bits\":0,") && has(run_out, "\"bbml2\":true"),
	       "JSON: the IDRs, their fields (a 0 that was read is 0), the driver's feature names, bbml2 true");

	/* IDR3 and IDR5 not read, the driver's OAS and page sizes not captured: unknown, not 0 */
	id.known &= ~(HL_SK_IDR(3) | HL_SK_IDR(5) | HL_SK_OAS | HL_SK_PGSIZE);
	id.features &= ~ARM_SMMU_FEAT_BBML2;
	m.idr[3] = m.idr[5] = 0;
	rc = show(&m, &id, text, sizeof(text));
	tap_ok(!rc && has(text, "S1P=1 ") && has(text, "BBML=unknown RIL=unknown FWB=unknown") &&
	       has(text, "GRAN4K=unknown GRAN16K=unknown GRAN64K=unknown OAS=unknown\n") &&
	       has(text, ", oas unknown, pgsize_bitmap unknown, sid_bits 16") &&
	       has(text, "  BBML2 no\n"),
	       "IDR3/IDR5 and the driver's oas/pgsize not captured: printed unknown; BBML2 no from the driver's word");
	tap_ok(!rc && has(run_out, "\"BBML\":null") && has(run_out, "\"OAS\":null") &&
	       has(run_out, "\"0x00000000\",null,\"0x00000000\",null]") && has(run_out, "\"oas\":null") &&
	       has(run_out, "\"pgsize_bitmap\":null") && has(run_out, "\"bbml2\":false"),
	       "JSON: the same fields null, the IDRs not read null in the IDR list");

	/* nothing captured (no SMMU_ID, IDRs all 0): unknown everywhere, BBML2 unknown */
	memset(m.idr, 0, sizeof(m.idr));
	rc = show(&m, NULL, text, sizeof(text));
	tap_ok(!rc && has(text, "SMMU 0 at 0x9050000: IDRs unknown (not captured): S1P=unknown S2P=unknown") &&
	       !strstr(text, "=0") && has(text, "  driver: unknown (not captured)\n") &&
	       has(text, "  BBML2 unknown\n"),
	       "nothing captured: every field unknown, no 0 printed, BBML2 unknown");
	tap_ok(!rc && has(run_out, "\"IDR\":null") && has(run_out, "\"features\":null,\"driver\":{\"features\":null") &&
	       has(run_out, "\"bbml2\":null"), "JSON: IDR, features, the driver's fields and bbml2 null");

	/* a format 1.0 snapshot (the kept corpus): its IDRs, the driver unknown */
	snprintf(corpus, sizeof(corpus), "%.*s/tests/fuzz/corpus/before.snap",
		 (int)(strstr(bin, "/userspace/build/") ? strstr(bin, "/userspace/build/") - bin : 0), bin);
	{
		FILE *f = fopen(corpus, "rb");
		struct hl_snap_header h = { 0 };

		tap_ok(f && fread(&h, sizeof(h), 1, f) == 1 && h.major == 1 && h.minor == 0,
		       "the corpus's before.snap is a format 1.0 file (no SMMU_ID section)");
		if (f)
			fclose(f);
	}
	rc = run("show", corpus, NULL);
	tap_ok(!rc && has(run_out, "SMMU 0 at 0x9050000: S1P=1 S2P=1 ") &&
	       has(run_out, "  driver: unknown (not captured)\n") && has(run_out, "  BBML2 no\n"),
	       "format 1.0: its IDRs decoded (not all 0), the driver's fields unknown");
	rc = run("-j", "show", corpus, NULL);
	tap_ok(!rc && has(run_out, "\"driver\":{\"features\":null,\"feature_names\":null,\"options\":null") &&
	       has(run_out, "\"vmid_bits\":null}"), "format 1.0, JSON: every driver field null");
	unlink(path);
	rmdir(dir);
	return tap_done();
}
