/* SPDX-License-Identifier: GPL-2.0 */
/* diff's verdict and the timeline as one self-contained HTML page (-f html, html.c). */
#ifndef HL_HTML_H
#define HL_HTML_H

#include <stdio.h>
#include <json-c/json.h>

/* doc: diff's document, with the timeline's under "timeline" */
void hl_diff_html(json_object *doc, FILE *out);

#endif
