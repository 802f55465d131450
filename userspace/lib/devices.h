/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict per device: what a host's operator reads first.
 *
 * The protected StreamIDs grouped by the device they belong to (a PCI
 * master's StreamIDs together, its alias behind a PCIe-to-PCI bridge too;
 * the same StreamID on two SMMUs apart; a StreamID no record names a
 * device for stands alone), each with the findings that name one of its
 * StreamIDs, its verdict, and from the timeline its dark time (the longest
 * of its StreamIDs', with that one's parts, dark.h) and when its
 * translation was valid again in the new kernel (the latest).
 */
#ifndef HL_DEVICES_H
#define HL_DEVICES_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

/*
 * From diff's document: protected_devices[] (sid, smmu, device), findings[]
 * and complete; tl_devices: the timeline's devices[] (sid, smmu, dark_ns,
 * dark_parts_ns, valid_t_ns), or NULL with no timeline.  A new array of
 * { device?, smmu?, sids[], verdict, errors, warnings, rules[], dark_ns?,
 * dark_parts_ns?, valid_t_ns? }; verdict is "hitless", "findings" (an
 * error names it) or "incomplete" (none does, but records were lost).
 */
json_object *hl_device_table(json_object *doc, json_object *tl_devices);

/*
 * A row's SMMU ("any" where no record says) and StreamIDs ("1024,1032"), as
 * the text and the metrics label it.
 */
void hl_device_labels(json_object *row, char *smmu, size_t smmulen, char *sids, size_t sidslen);

/* The table as text, a row per device (nothing when there is none). */
void hl_device_table_text(FILE *out, json_object *devices);

#endif
