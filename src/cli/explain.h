/*
 * explain.h - printing --explain (otp/explain.h) for diff, check and
 * appup.
 */
#ifndef SV_CLI_EXPLAIN_H
#define SV_CLI_EXPLAIN_H

#include "adapt/json.h"
#include "otp/explain.h"

/*
 * Print x to stdout: per application "explain: APP FROM -> TO", then per
 * module "  MODULE: LEVEL (CHANGE): REASON" and its evidence indented
 * under it; each line after prefix ("" or "%% ", which keeps an appup
 * printed before it a file file:consult/1 reads).
 */
void sv_out_explain(const struct sv_otp_explain *x, const char *prefix);

/* x as a JSON object {"relup": path or null, "modules": [{"app", "from",
 * "to", "module", "change", "level", "reason", "verdict", "evidence"}]}
 * (the caller owns it). */
struct sv_json *sv_out_explain_json(const struct sv_otp_explain *x);

#endif
