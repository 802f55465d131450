/* SPDX-License-Identifier: GPL-2.0 */
/* diff's verdict as JUnit XML (-f junit), for CI test reports (junit.c). */
#ifndef HL_JUNIT_H
#define HL_JUNIT_H

#include <stdio.h>
#include <json-c/json.h>

void hl_diff_junit(json_object *doc, FILE *out);
/* s with XML's five special characters escaped, control characters dropped */
void hl_xml_text(FILE *out, const char *s);

#endif
