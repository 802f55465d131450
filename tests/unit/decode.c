// SPDX-License-Identifier: GPL-2.0
/*
 * Decoders against vectors written from the SMMUv3 specification's layouts
 * (bit positions spelled out here, not taken from smmu.h) and VMSAv8-64
 * descriptor formats.
 */
#include <string.h>
#include "tap.h"
#include "smmu.h"

static const char *f(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v))
		return "(absent)";
	return v ? json_object_get_string(v) : "(null)";
}

static int is(json_object *o, const char *k, const char *want)
{
	int ok = !strcmp(f(o, k), want);

	if (!ok)
		tap_diag("%s: got %s want %s", k, f(o, k), want);
	return ok;
}

static void ste(void)
{
	/* spec 5.2: V[0], Config[3:1], S1Fmt[5:4], S1ContextPtr[51:6], S1CDMax[63:59] */
	u64 q[8] = { 0 };
	json_object *o;

	q[0] = 1 | (5ULL << 1) | (2ULL << 4) | 0x0000123456789000ULL | (8ULL << 59);
	/* S1DSS[1:0]=SSID0, S1CIR[3:2]=WBRA, S1COR[5:4]=WBRA, S1CSH[7:6]=ISH, EATS[29:28]=1, STRW[31:30]=EL2 */
	q[1] = 2 | (1 << 2) | (1 << 4) | (3 << 6) | (1ULL << 28) | (2ULL << 30);
	q[2] = 0x2a;
	o = hl_ste_decode(q);
	tap_ok(is(o, "V", "1") && is(o, "Config", "S1-trans") && is(o, "S1Fmt", "2lvl-64K") &&
	       is(o, "S1ContextPtr", "0x123456789000") && is(o, "S1CDMax", "8"),
	       "STE qword 0: V, Config, S1Fmt, S1ContextPtr, S1CDMax");
	tap_ok(is(o, "S1DSS", "SSID0") && is(o, "S1CIR", "1") && is(o, "S1COR", "1") &&
	       is(o, "S1CSH", "3") && is(o, "EATS", "full-ATS") && is(o, "STRW", "EL2") &&
	       is(o, "S2VMID", "42"),
	       "STE qword 1/2 of a stage-1 STE: S1DSS, S1CIR/COR/CSH, EATS, STRW, S2VMID");
	json_object_put(o);

	/* stage 2: VTCR at [50:32] of qword 2: S2T0SZ[5:0]=25, S2SL0[7:6]=1, S2TG[15:14]=0, S2PS[18:16]=2 */
	memset(q, 0, sizeof(q));
	q[0] = 1 | (6ULL << 1);
	q[1] = 1ULL << 25;	/* S2FWB */
	q[2] = 7 | ((25ULL | (1ULL << 6) | (2ULL << 16)) << 32) | (1ULL << 51) | (1ULL << 54) | (1ULL << 58);
	q[3] = 0x00000abcdef01000ULL;
	o = hl_ste_decode(q);
	tap_ok(is(o, "Config", "S2-trans") && is(o, "S2VMID", "7") && is(o, "S2T0SZ", "25") &&
	       is(o, "S2SL0", "1") && is(o, "S2PS", "2") && is(o, "S2AA64", "1") && is(o, "S2PTW", "1") &&
	       is(o, "S2R", "1") && is(o, "S2S", "0") && is(o, "S2FWB", "1") &&
	       is(o, "S2TTB", "0xabcdef01000") && !strcmp(f(o, "S1ContextPtr"), "(absent)"),
	       "STE stage 2: S2VMID, VTCR fields, S2AA64/S2PTW/S2R, S2TTB[51:4]");
	json_object_put(o);

	memset(q, 0, sizeof(q));
	q[0] = 1 | (4ULL << 1);
	q[1] = 1ULL << 44;
	o = hl_ste_decode(q);
	tap_ok(is(o, "Config", "bypass") && is(o, "SHCFG", "1"), "STE bypass with SHCFG=incoming");
	json_object_put(o);
	q[0] = 0;
	o = hl_ste_decode(q);
	tap_ok(is(o, "V", "0") && json_object_object_length(o) == 2, "invalid STE decodes V and Config only");
	json_object_put(o);
}

static void cd(void)
{
	/* spec 5.4: T0SZ[5:0] TG0[7:6] IR0[9:8] OR0[11:10] SH0[13:12] EPD0[14] ENDI[15] EPD1[30] V[31]
	 * IPS[34:32] TBI0[38] AA64[41] HD[42] HA[43] S[44] R[45] A[46] ASET[47] ASID[63:48];
	 * TTB0[51:4] in qword 1; MAIR0 in qword 3 */
	u64 q[8] = { 0 };
	json_object *o;

	q[0] = 16 | (2 << 6) | (1 << 8) | (1 << 10) | (3 << 12) | (1ULL << 30) | (1ULL << 31) |
	       (5ULL << 32) | (1ULL << 41) | (1ULL << 45) | (1ULL << 46) | (1ULL << 47) | (0x1234ULL << 48);
	q[1] = 0x0000008123456000ULL;
	q[3] = 0x44ff;
	o = hl_cd_decode(q);
	tap_ok(is(o, "V", "1") && is(o, "T0SZ", "16") && is(o, "TG0", "2") && is(o, "IR0", "1") &&
	       is(o, "OR0", "1") && is(o, "SH0", "3") && is(o, "EPD0", "0") && is(o, "EPD1", "1") &&
	       is(o, "IPS", "5") && is(o, "AA64", "1") && is(o, "R", "1") && is(o, "A", "1") &&
	       is(o, "ASET", "1") && is(o, "ASID", "4660") && is(o, "TTB0", "0x8123456000") &&
	       is(o, "MAIR0", "0x44ff") && is(o, "S", "0"),
	       "CD: TCR fields, V, AA64, R/A/ASET, ASID, TTB0, MAIR0");
	json_object_put(o);
}

static void cmd(void)
{
	u64 c[2];
	json_object *o;
	struct hl_inv inv;

	/* spec 4.3.2 CMD_CFGI_STE: opcode 0x03, SID[63:32], Leaf = dword1[0] */
	c[0] = 0x03 | (0x10ULL << 32);
	c[1] = 1;
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_CFGI_STE") && is(o, "StreamID", "16") && is(o, "Leaf", "1") &&
	       inv.kind == INV_STE && inv.sid_lo == 16 && inv.sid_hi == 16,
	       "CMD_CFGI_STE: StreamID, Leaf; invalidates exactly that StreamID");
	json_object_put(o);

	/* CMD_CFGI_STE_RANGE 0x04, Range[4:0]=31: all StreamIDs (CMD_CFGI_ALL) */
	c[0] = 0x04;
	c[1] = 31;
	hl_cmd_inv(c, &inv);
	tap_ok(!strcmp(hl_cmd_name(4), "CMD_CFGI_STE_RANGE") && inv.kind == INV_STE && inv.sid_lo == 0 &&
	       inv.sid_hi == 0xffffffffu, "CMD_CFGI_ALL (STE_RANGE, Range=31) covers every StreamID");
	c[0] = 0x04 | (0x13ULL << 32);
	c[1] = 2;	/* 2^(2+1) = 8 StreamIDs from 0x10 */
	hl_cmd_inv(c, &inv);
	tap_ok(inv.sid_lo == 0x10 && inv.sid_hi == 0x17, "CMD_CFGI_STE_RANGE Range=2 covers 8 aligned StreamIDs");

	/* CMD_CFGI_CD 0x05: SSID[31:12], SID[63:32] */
	c[0] = 0x05 | (3ULL << 12) | (0x20ULL << 32);
	c[1] = 1;
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_CFGI_CD") && is(o, "SubstreamID", "3") && is(o, "StreamID", "32") &&
	       inv.kind == INV_CD && inv.ssid == 3 && !inv.all_ssid, "CMD_CFGI_CD: StreamID, SubstreamID");
	json_object_put(o);

	/* CMD_TLBI_NH_VA 0x12: ASID[63:48], VMID[47:32]; Address[63:12], TG[11:10], TTL[9:8], Leaf[0] */
	c[0] = 0x12 | (7ULL << 48);
	c[1] = 0x40000000ULL | (2ULL << 8) | 1;
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_TLBI_NH_VA") && is(o, "ASID", "7") && is(o, "TTL", "2") && is(o, "Leaf", "1") &&
	       is(o, "Address(VA)", "0x40000000") && inv.kind == INV_TLB && inv.asid == 7 && inv.stage1 &&
	       !inv.all_va && inv.va_lo == 0x40000000 && inv.va_hi == 0,
	       "CMD_TLBI_NH_VA: ASID, TTL, Leaf, Address; non-range");
	/* range: NUM[16:12]=3, SCALE[25:20]=1, TG=4K: (3+1) * 2^(5*1+1) pages = 256 pages = 1 MiB */
	c[0] = 0x12 | (7ULL << 48) | (3ULL << 12) | (1ULL << 20);
	c[1] = 0x100000ULL | (1ULL << 10);
	hl_cmd_inv(c, &inv);
	tap_ok(inv.va_lo == 0x100000 && inv.va_hi == 0x200000, "range TLBI: (NUM+1) << (5*SCALE+1) granules");
	json_object_put(o);

	c[0] = 0x28 | (9ULL << 32);
	c[1] = 0;
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_TLBI_S12_VMALL") && is(o, "VMID", "9") && inv.vmid == 9 && inv.stage2 &&
	       inv.all_va, "CMD_TLBI_S12_VMALL: VMID, all addresses");
	json_object_put(o);

	/* CMD_ATC_INV 0x40: SSID[31:12], SID[63:32], Global[9]; Size[5:0], Address[63:12] */
	c[0] = 0x40 | (0x10ULL << 32);
	c[1] = 0x40000000ULL | 9;	/* 2^9 * 4K = 2 MiB */
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_ATC_INV") && is(o, "Size", "9") && inv.kind == INV_ATC && inv.sid_lo == 16 &&
	       inv.va_lo == 0x40000000 && inv.va_hi == 0x40200000, "CMD_ATC_INV: StreamID, Size, Address span");
	json_object_put(o);

	/* CMD_SYNC 0x46: CS[13:12], MSH[23:22], MSIAttr[27:24], MSIData[63:32] */
	c[0] = 0x46 | (2ULL << 12) | (3ULL << 22) | (0xfULL << 24);
	c[1] = 0;
	o = hl_cmd_decode(c);
	hl_cmd_inv(c, &inv);
	tap_ok(is(o, "op", "CMD_SYNC") && is(o, "CS", "2") && is(o, "MSH", "3") && is(o, "MSIAttr", "15") &&
	       inv.kind == INV_SYNC, "CMD_SYNC: CS, MSH, MSIAttr");
	json_object_put(o);

	tap_ok(!strcmp(hl_cmd_name(0x30), "CMD_TLBI_NSNH_ALL") && !strcmp(hl_cmd_name(0x2a), "CMD_TLBI_S2_IPA") &&
	       !strcmp(hl_cmd_name(0x06), "CMD_CFGI_CD_ALL") && !strcmp(hl_cmd_name(0x11), "CMD_TLBI_NH_ASID") &&
	       !hl_cmd_name(0x7f), "opcode names per spec, unknown opcodes unnamed");
	c[0] = 0x7f;
	o = hl_cmd_decode(c);
	tap_ok(is(o, "op", "opcode 0x7f"), "unknown opcode decodes as its number");
	json_object_put(o);
}

static void pte(void)
{
	struct hl_pte p;
	json_object *o;

	tap_ok(hl_lpae_shift(3, 12) == 12 && hl_lpae_shift(2, 12) == 21 && hl_lpae_shift(1, 12) == 30 &&
	       hl_lpae_shift(0, 12) == 39, "4K granule: levels 0-3 map 512G/1G/2M/4K");
	tap_ok(hl_lpae_shift(3, 14) == 14 && hl_lpae_shift(2, 14) == 25 && hl_lpae_shift(1, 14) == 36 &&
	       hl_lpae_shift(0, 14) == 47, "16K granule: levels 0-3 map 128T/64G/32M/16K");
	tap_ok(hl_lpae_shift(3, 16) == 16 && hl_lpae_shift(2, 16) == 29 && hl_lpae_shift(1, 16) == 42,
	       "64K granule: levels 1-3 map 4T/512M/64K");

	/* page: bits[1:0]=0b11 at level 3; AF[10], SH[9:8], AttrIndx[4:2] */
	hl_pte_parse(0x0000000881234743ULL, 3, 12, &p);
	tap_ok(p.type == PTE_PAGE && p.oa == 0x881234000ULL && p.size == 4096 && (p.attrs & LPAE_AF),
	       "4K level 3 page: OA, size, AF");
	hl_pte_parse(0x0000000880000701ULL, 2, 12, &p);
	tap_ok(p.type == PTE_BLOCK && p.oa == 0x880000000ULL && p.size == 0x200000 && p.level_ok,
	       "4K level 2 block: 2 MiB");
	hl_pte_parse(0x0000000880000701ULL, 1, 12, &p);
	tap_ok(p.type == PTE_BLOCK && p.size == 0x40000000 && p.oa == 0x880000000ULL && p.level_ok,
	       "4K level 1 block: 1 GiB");
	hl_pte_parse(0x0000008000000701ULL, 0, 12, &p);
	tap_ok(p.type == PTE_BLOCK && !p.level_ok, "4K level 0 block is not permitted");
	hl_pte_parse(0x0000000882000003ULL, 1, 12, &p);
	tap_ok(p.type == PTE_TABLE && p.oa == 0x882000000ULL, "table descriptor: next-level table address");
	hl_pte_parse(0x0000000880000702ULL, 2, 12, &p);
	tap_ok(p.type == PTE_INVALID, "bit 0 clear: invalid");
	hl_pte_parse(0x0000000880000701ULL, 3, 12, &p);
	tap_ok(p.type == PTE_RESERVED, "0b01 at level 3 is reserved");
	hl_pte_parse(0x0000000882000701ULL, 2, 14, &p);
	tap_ok(p.type == PTE_BLOCK && p.size == 0x2000000 && p.oa == 0x882000000ULL && p.level_ok,
	       "16K level 2 block: 32 MiB");
	hl_pte_parse(0x0000000882004703ULL, 3, 14, &p);
	tap_ok(p.type == PTE_PAGE && p.size == 0x4000 && p.oa == 0x882004000ULL, "16K level 3 page");
	hl_pte_parse(0x00000000a0000701ULL, 2, 16, &p);
	tap_ok(p.type == PTE_BLOCK && p.size == 0x20000000 && p.oa == 0xa0000000ULL, "64K level 2 block: 512 MiB");
	/* 64K: OA[51:48] in descriptor bits [15:12] */
	hl_pte_parse(0x0000000012345703ULL, 3, 16, &p);
	tap_ok(p.type == PTE_PAGE && p.size == 0x10000 && p.oa == 0x0005000012340000ULL,
	       "64K page: OA[51:48] from bits [15:12] (52-bit PA)");
	tap_ok(hl_pte_parse(0x3, 0, 16, &p) < 0 && hl_pte_parse(0x3, 3, 13, &p) < 0,
	       "64K has no level 0; unknown granules rejected");
	o = hl_pte_decode(0x0060000881234fc3ULL, 3, 12, 2);
	tap_ok(is(o, "type", "page") && is(o, "MemAttr", "0") && is(o, "S2AP", "3") && is(o, "XN", "3") &&
	       is(o, "AF", "1") && is(o, "SH", "3"), "stage-2 leaf fields: MemAttr, S2AP, XN, AF, SH");
	json_object_put(o);
	o = hl_pte_decode(0x0040000881234f4bULL, 3, 12, 1);
	tap_ok(is(o, "AttrIndx", "2") && is(o, "AP", "1") && is(o, "UXN", "1") && is(o, "PXN", "0") &&
	       is(o, "nG", "1"), "stage-1 leaf fields: AttrIndx, AP, UXN, PXN, nG");
	json_object_put(o);
}

static void idr(void)
{
	u32 r[6] = { 0 };
	json_object *o;

	r[0] = 3 | (1 << 10);
	r[3] = 2 << 11;
	r[5] = (1 << 4) | (1 << 6) | 5;
	o = hl_idr_decode(r, HL_SK_IDR_ALL);
	tap_ok(hl_idr_bbml(r) == 2 && is(o, "BBML", "2") && is(o, "S1P", "1") && is(o, "S2P", "1") &&
	       is(o, "ATS", "1") && is(o, "OAS", "48") && is(o, "GRAN4K", "1") && is(o, "GRAN16K", "0"),
	       "IDR0/3/5: S1P, S2P, ATS, BBML (IDR3.BBM), OAS, granules");
	json_object_put(o);
	/* IDR0 read, IDR3 and IDR5 not: their fields are unknown (null), not 0 */
	o = hl_idr_decode(r, HL_SK_IDR(0) | HL_SK_IDR(1));
	tap_ok(is(o, "S1P", "1") && is(o, "SIDSIZE", "0") && is(o, "BBML", "(null)") &&
	       is(o, "RIL", "(null)") && is(o, "OAS", "(null)") && is(o, "GRAN4K", "(null)"),
	       "an IDR not read: its fields null (BBML, RIL, OAS, GRAN4K), the read ones' values (S1P, SIDSIZE 0)");
	json_object_put(o);
	o = hl_idr_decode(r, 0);
	tap_ok(is(o, "S1P", "(null)") && is(o, "S2P", "(null)") && is(o, "ST_LEVEL", "(null)"),
	       "no IDR read: every field null");
	json_object_put(o);
}

int main(void)
{
	ste();
	cd();
	cmd();
	pte();
	idr();
	return tap_done();
}
