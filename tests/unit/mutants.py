#!/usr/bin/env python3
# Mutants: delete a rule (or a bit of the driver logic) in a scratch copy of
# the tree, build, run the unit tests, and report whether some test failed.
# "A test that still passes with a rule deleted is not a test of that rule."
#   tests/unit/mutants.py            every mutant
#   tests/unit/mutants.py 'NAME'...  only those
#   tests/unit/mutants.py --apply-only [NAME...]
#                                    only check that each mutant still applies
#                                    (its text is in its file, once): no build
#   --extra FILE                     more mutants, a JSON object NAME: [FILE,
#                                    OLD, NEW] (tests/unit/mutants.t's breaks)
# Exit 0 only when every mutant named was applied, built and CAUGHT: one that
# no longer applies (its text is gone or not unique), does not build, or is
# MISSED is counted and makes the exit 1; an unknown NAME is an error (2).
# The full run is not run by prove (it rebuilds the tree once per mutant);
# tests/unit/mutants.t runs --apply-only and the failure paths.
import subprocess, shutil, os, sys, tempfile, json
src=os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
muts = {
 'dark: a new CD table taken for the one in use': ('userspace/lib/dark.c', '		if (write && d->have_cd && d->cd_valid && !cd_valid(r->cd.after) &&', '		if (0 && d->have_cd && d->cd_valid && !cd_valid(r->cd.after) &&'),
 'dark: a stretch ends at the write, not its CMD_SYNC': ('userspace/lib/dark.c', '		if (d->pending < 0) {\n			d->pending = t;', '		if (0) {\n			d->pending = t;'),
 'dark: the kexec boundary ignored': ('userspace/lib/dark.c', 'become(d, c, d->lit ? d->boundary : t);', 'become(d, c, t);'),
 'dark: abort and bypass translate': ('userspace/lib/dark.c', '	if (!(cfg & 4) || !(cfg & 3))', '	if (0)'),
 'STE-BREAK finding removed': ('userspace/lib/verdict.c', 'if (tr.protected && (tr.kind == TR_BREAKING || tr.kind == TR_REMOVAL || untranslated) &&', 'if (0 &&'),
 'new CD table exemption removed': ('userspace/lib/complete.c', '			    !(is_cd && !memcmp(before, zero_entry, 64)))', '			    1)'),
 'sequence gaps not counted': ('userspace/lib/complete.c', '			c->gaps += r->hdr.seq - last_seq - 1;', '			;'),
 'missing entry writes not counted': ('userspace/lib/complete.c', '				c->inconsistent++;', '				;'),
 'XK at the first walk removed': ('userspace/lib/verdict.c', '		if (first_walk(b, &w)) {', '		if (0 && first_walk(b, &w)) {'),
 'torn check removed': ('userspace/lib/verdict.c', '} else if (!tr.torn && hl_entry_torn(t, seen, init, target)) {', '} else if (0) {'),
 'BBM direct size change removed': ('userspace/lib/verdict.c', '		if (ol != nl) {', '		if (0) {'),
 'BBM via invalid removed': ('userspace/lib/verdict.c', '			if (!same) {\n				f = finding_sev(c->v, R_BBM_SIZE', '			if (0) {\n				f = finding_sev(c->v, R_BBM_SIZE'),
 'BBML2 downgrade removed': ('userspace/lib/verdict.c', 'enum hl_sev bbm_sev = c->v->bbml2 ? SEV_WARNING : SEV_ERROR;', 'enum hl_sev bbm_sev = SEV_ERROR;'),
 'PTE-LIVE removed': ('userspace/lib/verdict.c', '} else if (ol && nl && (op.oa != np.oa ||', '} else if (0 && (op.oa != np.oa ||'),
 'INV-TLB obligation removed': ('userspace/lib/verdict.c', '		ob_open(c, o);\n		for (int i = 0; i < nats; i++) {', '		for (int i = 0; i < nats; i++) {'),
 'INV-ATC obligation removed': ('userspace/lib/verdict.c', '			ob_open(c, a);\n', '\n'),
 'INV-STE/CD obligations removed': ('userspace/lib/verdict.c', "	ob_open(c, (struct ob){ .kind = kind,", "	if (0) ob_open(c, (struct ob){ .kind = kind,"),
 'CMD_SYNC requirement removed': ('userspace/lib/verdict.c', '		o->st = OB_COVERED;', '		ob_done(c, o);\n		return;'),
 'TLBI ASID match removed': ('userspace/lib/verdict.c', 'if (o->stage != 2 && o->nasid && !inv->any_asid && !has_tag(o->asid, o->nasid, inv->asid))', 'if (0)'),
 'XK-XLATE removed': ('userspace/lib/verdict.c', '		if (why) {', '		if (0) {'),
 'XK-CD config compare removed': ('userspace/lib/verdict.c', '		if (cmp_fields(ja, jb, diff, sizeof(diff))) {\n				f = finding(c->v, R_XK_CD', '		if (0) {\n				f = finding(c->v, R_XK_CD'),
 'XK-CD: a CD gone after kexec not a finding': ('userspace/lib/verdict.c', '			if (!cb) {\n				f = finding(c->v, R_XK_CD', '			if (!cb) {\n				continue;\n				f = finding(c->v, R_XK_CD'),
 'XK-STE config compare removed': ('userspace/lib/verdict.c', '		if (cmp_fields(ja, jb, diff, sizeof(diff))) {\n			f = finding(c->v, R_XK_STE', '		if (0) {\n			f = finding(c->v, R_XK_STE'),
 'safe bits (MEV) removed': ('userspace/lib/smmu.c', '	safe_bits[1] |= STRTAB_STE_1_MEV;', ''),
 'S1DSS=bypass SHCFG used removed': ('userspace/lib/smmu.c', 'if (FIELD_GET(STRTAB_STE_1_S1DSS, ent[1]) == STRTAB_STE_1_S1DSS_BYPASS)', 'if (0)'),
 'S2 S2TTB used removed': ('userspace/lib/smmu.c', '		used_bits[3] |= STRTAB_STE_3_S2TTB_MASK;', ''),
 'EATS_TRANS safe removed': ('userspace/lib/smmu.c', '		safe_bits[1] |= eats_trans;', '		;'),
 'sync-after-each-step (critical qword path) broken': ('userspace/lib/smmu.c', '		unused_update[crit] = entry[crit];', '		unused_update[crit] = target[crit];'),
 'default protection from VMM attaches removed': ('userspace/lib/verdict.c', '		if (have_pend && !r->iommufd.result && r->iommufd.op != HL_IOMMUFD_HWPT_DETACH)\n			for', '		if (0)\n			for'),
 'default protection from DEVICE_RESTORE removed': ('userspace/lib/verdict.c', '		if (r->hdr.kind == HL_K_MILESTONE && r->ms.id == HL_MS_DEVICE_RESTORE) {', '		if (0) {'),
 'NOTHING PROTECTED exit 7 removed': ('userspace/diff.c', '		if (!rc) {\n			rc = HL_EXIT_UNPROTECTED;', '		if (0) {\n			rc = HL_EXIT_UNPROTECTED;'),
 'SMMUv3 struct arm_smmu_device by its master: first instead': ('userspace/lib/kbtf.c', '		if (btf__type_by_id(cb[i], cid[i]) == v3) {', '		if (i == 0) {'),
 'anonymous members not looked through': ('userspace/lib/kbtf.c', '		} else if (!member(btf, m->type, name, len, &sub, type)) {', '		} else if (0) {'),
 'SMMU found disabled at the next reset not reported': ('userspace/lib/verdict.c', '		    !(g->old_val & HL_SMMU_CR0_SMMUEN) && c->cr0[g->smmu] != 2) {', '		    0) {'),
 'untied boots not reported': ('userspace/diff.c', '	if (hl_state_boot(b, a->meta.boot)) {', '	if (1) {'),
 'timeline counter correlation removed': ('userspace/lib/timeline.c', '	if (r->hdr.kind == HL_K_MILESTONE && r->ms.cntvct)\n		return r->ms.cntvct;\n	return to_cnt(t, r->hdr.boot, r->hdr.ktime_ns);', '	return r->hdr.ktime_ns * (t->cntfrq / 1e9);'),
 'CFGI_ALL coverage removed': ('userspace/lib/smmu.c', '		v->sid_lo = sid;\n		v->sid_hi = sid + n - 1 > 0xffffffffULL ? 0xffffffffu : sid + n - 1;', '		v->sid_lo = v->sid_hi = sid;'),
 'CD EPD0 ignore removed': ('userspace/lib/smmu.c', '	if (ent[0] & CTXDESC_CD_0_TCR_EPD0) {', '	if (0) {'),
 'SMMU-OFF: unseen old CR0 taken as 0 (import)': ('userspace/lib/tracebuf.c', '	c->reg[c->nreg].val = HL_REG_UNKNOWN;', '	c->reg[c->nreg].val = 0;'),
 'SMMU-OFF: fires over a known CR0=0': ('userspace/lib/records.c', '	return is == was ? 0 : is ? 1 : -1;', '	return !is ? -1 : is == was ? 0 : 1;'),
 'stock probes: shutdown CR0 read ignored': ('userspace/lib/tracebuf.c', 'reg_write(c, r, smmu_index(c, ev, rec), HL_SMMU_CR0, 0, num(c, ev, 1, rec));', 'reg_write(c, r, smmu_index(c, ev, rec), HL_SMMU_CR0, 0, 0);'),
 'SMMU-OFF removed': ('userspace/lib/verdict.c', '	if (!n)\n		return;\n	f = finding(c->v, R_SMMU_OFF', '	if (1)\n		return;\n	f = finding(c->v, R_SMMU_OFF'),
 'ATTACH-BREAK removed': ('userspace/lib/verdict.c', '	if (a->outcome != HL_ATTACH_BREAKING && a->outcome != HL_ATTACH_FAILED)', '	if (1)'),
 'protection windows removed (protected all along)': ('userspace/lib/verdict.c', '		    c->win.v[i].lo <= at && at < c->win.v[i].hi)', '		    1)'),
 'protection from the start removed': ('userspace/lib/verdict.c', '		if (!seen || on)\n', '		if (on)\n'),
 'unused-table exemption removed': ('userspace/lib/verdict.c', '		    state_known(&c->replay))\n			return;', '		    state_known(&c->replay) && 0)\n			return;'),
 'obligations across lost records judged': ('userspace/lib/verdict.c', '	if (o->holed) {\n		ob_done(c, o);\n		return;\n	}', ''),
 'obligations after lost records judged': ('userspace/lib/verdict.c', '	o.holed = c->holed;', ''),
 'fentry detach order removed': ('userspace/lib/verdict.c', '			if (op == HL_IOMMUFD_HWPT_DETACH && r->hdr.mode == HL_MODE_FENTRY) {', '			if (0) {'),
 'unused-CD exemption removed': ('userspace/lib/verdict.c', '	    !u->cd_unused) {', '	    1) {'),
 'STE set to abort/bypass not a removal': ('userspace/lib/verdict.c', '(tr.kind == TR_BREAKING || tr.kind == TR_REMOVAL || untranslated) &&', '(tr.kind == TR_BREAKING || tr.kind == TR_REMOVAL) &&'),
 'lost => incomplete removed': ('userspace/lib/complete.c', '	return !c->lost && !c->gaps && !c->inconsistent;', '	return !c->gaps && !c->inconsistent;'),
 'snapshot payload crc check removed': ('userspace/lib/snapshot.c', '		if (sh.crc != crc(p, sh.length))', '		if (0)'),
 'range folding removed': ('userspace/lib/state.c', '	if (p > 0 && can_fold(&v[p - 1], r, 1)) {', '	if (0) {'),
 'obligation index: no ASID known, matched by no TLBI': ('userspace/lib/verdict.c', '	int nt = any || !ix->nwild[sp] ? 1 : 2;', '	int nt = 1;'),
 'obligation index: a range misses the class multiple below its start': ('userspace/lib/verdict.c', '		u64 first = a >> cl, last', '		u64 first = (a >> cl) + !!inv->va_hi, last'),
 'obligation index: a huge range looks nowhere': ('userspace/lib/verdict.c', '		for (int t = 0; t < nt; t++)\n			ix_visit(c, (struct ob_key){ .tag = tags[t], .space = sp, .cls = OB_CLS_ALL }, inv, r);', '		(void)nt;'),
 'obligation index: covered ones lost at compaction': ('userspace/lib/verdict.c', '		else\n			ix_covered(c, i);', ''),
 'obligation index: a CMD_SYNC closes every SMMU\'s': ('userspace/lib/verdict.c', '			if (l->smmu != r->cmd.smmu)\n				continue;', ''),
 'obligation index: partly covered ones leave their chains': ('userspace/lib/verdict.c', '		if (ob_waits(c, nd->ob))\n			link = &nd->next;\n		else\n			*link = nd->next;', '		*link = nd->next;'),
 'obligation index: a new entry meets them out of order': ('userspace/lib/verdict.c', '	if (ix->cand.n > 1)\n		qsort(', '	if (0)\n		qsort('),
 'obligation index: a new block over many keys meets none': ('userspace/lib/verdict.c', '	if (steps > ix->tcount + 64)\n		return false;', '	if (steps > ix->tcount + 64)\n		return true;'),
 'obligation index: a new entry misses the class multiple below it': ('userspace/lib/verdict.c', '		for (u64 x = lo >> cl; x <= (hi - 1) >> cl; x++) {', '		for (u64 x = (lo >> cl) + 1; x <= (hi - 1) >> cl; x++) {'),
 'dead entries: a split moves the ranges behind it': ('userspace/lib/state.c', '			if (i + 1 < s->ranges.n && is_dead(&s->ranges.v[i + 1])) {', '			if (0) {'),
 'dead entries: never compacted': ('userspace/lib/state.c', '	if (s->rdead > live + HL_RANGES_DEAD_MIN || s->rdead_work > s->ranges.n / 2 + HL_RANGES_DEAD_MIN)\n		ranges_compact(s);', '	(void)live;'),
 'dead entries: a fold into the next range leaves them inside it': ('userspace/lib/state.c', '		ranges_rekey(s, i, q, lo);\n', ''),
 'monitor: a finding reported once per judgement only': ('userspace/lib/monitor.c', '		n += report(m, &v->findings.v[i], cb, arg);', '		n += i ? 0 : report(m, &v->findings.v[i], cb, arg);'),
 'monitor: re-anchor ignores the horizon': ('userspace/lib/monitor.c', '			reanchor(m, h, false, settled, cb, arg);', '			reanchor(m, total - m->window, false, settled, cb, arg);'),
 'monitor: dropped gaps not carried': ('userspace/lib/monitor.c', '	m->carry_gaps += v.gaps;', ''),
 'monitor live: open updates judged at once': ('userspace/lib/verdict.c', '			if (u->open && u->w.n && u->t < settled)', '			if (u->open && u->w.n)'),
 'monitor live: pending attach not waited for': ('userspace/lib/verdict.c', '		if (c.pend < n) {\n			size_t k = 0;', '		if (0) {\n			size_t k = 0;'),
 'monitor: a detach before the anchor forgotten': ('userspace/lib/monitor.c', '		if (!later)\n			m->sids.v[k].detached = true;', ''),
 'monitor metrics: written in place': ('userspace/lib/monitor.c', '	if (rename(tmp, path)) {', '	if (unlink(tmp) || 1) {\n		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); if (fd >= 0) { f = fdopen(fd, "w"); hl_mon_metrics(m, f, fmt, now_ktime, now_real, ringbuf_used, ringbuf_size); fclose(f); return 0; }'),
 'atomic rename replaced by direct write': ('userspace/lib/snapshot.c', '	w.fd = mkstemp(tmp);	/* created 0600 */', '	snprintf(tmp, sizeof(tmp), "%s", path); w.fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC, 0600);'),
 'metrics: findings typed as a gauge': ('userspace/lib/metrics.c', '{ "hitless_findings", "counter", NULL,', '{ "hitless_findings", "gauge", NULL,'),
 'metrics: label values not escaped': ('userspace/lib/output.c', "		if (*v == '\"' || *v == '\\\\')\n			fputc('\\\\', out);", ''),
 'metrics: no _total on counter samples': ('userspace/lib/metrics.c', 'is_counter(w->fam) ? "_total" : ""', '""'),
 'metrics: OpenMetrics without # UNIT': ('userspace/lib/metrics.c', '		if (f->unit)\n', '		if (0)\n'),
 'metrics: per-StreamID series without smmu': ('userspace/lib/metrics.c', '		hl_mw_sample(w, val, "smmu", sm, "sid", sd, NULL);', '		hl_mw_sample(w, val, "sid", sd, NULL);'),
}
args = sys.argv[1:]
apply_only = '--apply-only' in args
args = [a for a in args if a != '--apply-only']
if '--extra' in args:
    i = args.index('--extra')
    extra = json.load(open(args[i + 1]))
    muts.update({k: tuple(v) for k, v in extra.items()})
    del args[i:i + 2]
only = args
unknown = [n for n in only if n not in muts]
if unknown:
    print('mutants.py: no such mutant: ' + ', '.join(unknown), file=sys.stderr)
    sys.exit(2)
if apply_only:
    bad = 0
    for name, (f, old, new) in muts.items():
        if only and name not in only: continue
        k = open(os.path.join(src, f)).read().count(old)
        if k != 1:
            print('MUTATION NOT APPLIED: %s (its text is in %s %d times, not once)' % (name, f, k))
            bad += 1
    print('%d mutant(s), %d no longer apply' % (len(only or muts), bad))
    sys.exit(1 if bad else 0)
missed = broken = 0
# A folder of our own: two checkouts may run this at once.
top=tempfile.mkdtemp(prefix='hitless-mutant.')
for name,(f,old,new) in muts.items():
    if only and name not in only: continue
    d=os.path.join(top, 'tree')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for sub in ('bpf','userspace','tests','docs'):
        shutil.copytree(os.path.join(src,sub), os.path.join(d,sub), ignore=shutil.ignore_patterns('build'))
    p=os.path.join(d,f); s=open(p).read()
    if s.count(old) != 1:
        print('MUTATION NOT APPLIED: %s (its text is in %s %d times, not once)' % (name, f, s.count(old)))
        broken += 1
        continue
    open(p,'w').write(s.replace(old,new,1))
    r=subprocess.run(['make','-s','-C',os.path.join(d,'userspace'),'-j1','build/host/hitless'] + ['build/host/tests/'+t for t in 'decode entry rules snapshot outputs cli tracebuf monitor kbtf dark complete'.split()], capture_output=True, text=True)
    if r.returncode:
        print('BUILD FAIL', name, r.stderr[-500:])
        broken += 1
        continue
    fails=[]
    for t in 'decode entry rules snapshot outputs cli tracebuf monitor kbtf dark complete'.split():
        out=subprocess.run([os.path.join(d,'userspace/build/host/tests',t)], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith('not ok'): fails.append(t+': '+line.split(' - ',1)[1][:70])
    print(('CAUGHT ' if fails else 'MISSED ')+name+' ('+str(len(fails))+' failing)')
    missed = missed + (0 if fails else 1)
    for x in fails[:4]: print('    '+x)
shutil.rmtree(top, ignore_errors=True)
print('%d missed, %d not applied or not built' % (missed, broken))
sys.exit(1 if missed or broken else 0)
