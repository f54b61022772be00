/*
 * tryup_int.h - what the parts of try-upgrade share (private to
 * src/otp/tryup*.c; see tryup.h for the interface):
 *
 *   tryup.c       the run: its steps in order, what each does, the end
 *   tryup_dir.c   the run directory: the packages checked, the target
 *                 system laid out (ERTS, vm.args, boot scripts), files,
 *                 ports and logs
 *   tryup_node.c  the processes: epmd, the node and how it boots and
 *                 stops, the control node and its calls, supervision
 *                 trees compared
 */
#ifndef SV_OTP_TRYUP_INT_H
#define SV_OTP_TRYUP_INT_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/err.h"
#include "base/proc.h"
#include "otp/ctl.h"
#include "otp/relmodel.h"
#include "otp/tryup.h"

/* How much of a log a report keeps (its end), and how long stopping a
 * helper (the control node, the probe, epmd) may take. */
#define LOG_KEEP (32u << 10)
#define PROBE_LOG_KEEP (16u << 10)
#define HELPER_GRACE 3.0
/* ... and a node still running at the end (SIGTERM: init:stop()). */
#define NODE_GRACE 10.0

/* How the node boots: erlexec with the release's boot file, or the
 * release's own start script (`bin/NAME daemon`), relx's or mix's. */
enum boot { BOOT_ERL, BOOT_RELX, BOOT_MIX };

struct run {
	const struct sv_tryup_opts *o;
	struct sv_tryup *r;
	double timeout;            /* seconds, each step */
	char *otp;                 /* the installation */
	char *tmp, *root, *home;
	char *erts_bin;            /* the erts the node boots with */
	bool erts_packaged;
	enum boot boot;            /* how the node boots */
	char *unpack;              /* NEW's unpack name */
	char *sname, *cookie;
	int epmd_port;
	struct sv_child epmd, node, daemon, probe;
	struct sv_otp_ctl ctl;     /* the control node */
	int probe_in;              /* the probe's stdin */
	pid_t node_pid;            /* the node's OS pid, once it answered */
	bool node_started;
	bool stopping;             /* init:stop() asked for */
	int cur;                   /* the step running, or -1 */
	double step_t0;
	double install_t0;
	const char *boot_vsn;      /* the release the node boots */
	char *new_erts;            /* the ERTS NEW names */
	char *tree_old;            /* supervision trees: OLD at boot, */
	char *tree_up;             /* after the upgrade */
	bool upgraded;             /* the upgrade was made permanent */
};

/* tryup.c */
void tu_step_begin(struct run *u, const char *name);
void tu_step_end(struct run *u, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* tryup_dir.c */
char *tu_path_join(const char *a, const char *b);
bool tu_is_file(const char *path);
char *tu_random_hex(size_t n);
int tu_free_port(void);
bool tu_epmd_answers(int port);
int tu_log_fd(const char *dir, const char *name);
char *tu_run_erl_log(const char *dir);
int tu_copy_file(const char *from, const char *to, struct sv_err *e);
int tu_read_new(struct run *u, struct sv_err *e);
int tu_read_old(struct run *u, struct sv_otp_release *rel, struct sv_err *e);
int tu_prepare_erts(struct run *u, const struct sv_otp_release *rel,
    struct sv_err *e);
int tu_rewrite_vm_args(struct run *u, const char *path, struct sv_err *e);
enum boot tu_script_kind(const char *path);
const char *tu_boot_name(enum boot k);
/* tryup_node.c */
int tu_start_control(struct run *u, struct sv_err *e);
bool tu_step_control(struct run *u, struct sv_otp_ctl_answer *a,
    const char *cmd, const char *arg1, const char *arg2);
bool tu_step_which(struct run *u, const char *want);
bool tu_probe_alive(struct run *u);
bool tu_get_tree(struct run *u, char **out);
bool tu_same_tree(const char *got, const char *got_name, const char *want,
    const char *want_name, struct buf *why);
bool tu_boot_node(struct run *u, bool fresh);
void tu_stop_node(struct run *u, const char *done);

#endif
