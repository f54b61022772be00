/*
 * deploy_int.h - what the parts of deploy share (private to
 * src/otp/deploy*.c; see deploy.h for the interface):
 *
 *   deploy.c       events, one look at the store and the upgrade it may
 *                  make (with the roll back), and the follow loop
 *   deploy_root.c  the root's own files (.smoothver: lock, state,
 *                  records) and the bootstrap
 *   deploy_node.c  the running node: its name and cookie, the control
 *                  node's calls, release_handler, the hooks
 */
#ifndef SV_OTP_DEPLOY_INT_H
#define SV_OTP_DEPLOY_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "adapt/json.h"
#include "base/buf.h"
#include "base/err.h"
#include "otp/ctl.h"
#include "otp/deploy.h"

#define DEPLOYED_SCHEMA "smoothver.deployed/1"
#define FAILED_SCHEMA "smoothver.deploy-failed/1"
#define STATE_MAX (64 * 1024)
#define PROBE_LOG_KEEP 2000
#define CTL_GRACE 3.0

/* One deploy run. */
struct dep {
	const struct sv_deploy_opts *o;
	char *root;            /* absolute */
	char *dot;             /* root/.smoothver */
	int lock_fd;
	char *name;            /* the release */
	/* follow: */
	char *otp;             /* the installation whose escript runs the
	                          control node */
	struct sv_otp_ctl ctl;
	char *node;            /* the node as the control node reached it */
	char *node_arg;        /* the node as given to the control node */
	char *cookie;          /* owned; NULL: the default */
	char *said;            /* the last idle/skip/restart state told, so
	                          that a loop says it once */
	char *restart_done;    /* the version on-restart succeeded for */
};

struct rel {
	char vsn[128];
	char status[16];       /* unpacked, current, permanent, old */
};

/* deploy.c */
char *dp_dpath(const struct dep *d, const char *name);
char *dp_rpath(const struct dep *d, const char *name);
void dp_ev_init(struct sv_deploy_event *ev, const struct dep *d,
    const char *event);
void dp_emit(const struct dep *d, struct sv_deploy_event *ev,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* deploy_root.c */
int dp_lock_root(struct dep *d, bool *busy, struct sv_err *e);
void dp_unlock_root(struct dep *d);
int dp_read_state(struct dep *d, const char *file, const char *schema,
    struct sv_json **doc, struct sv_err *e);
void dp_time_now(char out[32]);
int dp_write_state(struct dep *d, const char *file, struct sv_json *doc,
    struct sv_err *e);
int dp_write_deployed(struct dep *d, const char *version, const char *since,
    struct sv_err *e);
int dp_dep_open(struct dep *d, const struct sv_deploy_opts *o, bool create,
    struct sv_err *e);
void dp_dep_close(struct dep *d);
/* deploy_node.c */
size_t dp_parse_rels(const char *text, struct rel *v, size_t max);
const struct rel *dp_rel_find(const struct rel *v, size_t n, const char *vsn);
const struct rel *dp_rel_running(const struct rel *v, size_t n);
const struct rel *dp_rel_permanent(const struct rel *v, size_t n);
bool dp_connect_node(struct dep *d, struct buf *rels, struct buf *why);
bool dp_rh(struct dep *d, struct buf *detail, const char *cmd,
    const char *a1, const char *a2);
int dp_run_hook(struct dep *d, const char *cmd, const char *vsn,
    const char *from, const char *logname, struct buf *why);

#endif
