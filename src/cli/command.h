/*
 * command.h - the command table.
 *
 * Every command is described once, by a struct sv_command defined in its
 * own src/cmd/<name>.c and listed in src/cli/table.c. The argument parser,
 * -h and "smoothver help", the bash/zsh/fish completions and the NAME,
 * SYNOPSIS and OPTIONS sections of the man pages are all produced from
 * these descriptions (tests/e2e/t0900-docs.sh fails when the committed
 * files drift from them).
 */
#ifndef SV_CLI_COMMAND_H
#define SV_CLI_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "adapt/git.h"
#include "core/settings.h"

/* What the shell should offer for an option's value or an argument. */
enum sv_complete {
	SV_COMPLETE_NONE,    /* free text */
	SV_COMPLETE_CHOICES, /* one of the words in .choices */
	SV_COMPLETE_FILE,
	SV_COMPLETE_DIR,
	SV_COMPLETE_COMMAND  /* a smoothver command name */
};

/* How the parser stores a command option's value: in the command's own
 * options struct (struct sv_command.opts_size), at .offset. */
enum sv_opt_kind {
	SV_OPT_UNBOUND,          /* a global option: main handles it */
	SV_OPT_FLAG,             /* bool: given at all */
	SV_OPT_STRING,           /* const char *: the last value given, or
	                            NULL */
	SV_OPT_LIST              /* struct sv_strlist: every value given, in
	                            order (a repeatable option) */
};

/* The values of a repeatable option, borrowed from the command line. */
struct sv_strlist {
	const char *const *v;
	size_t n;
};

struct sv_option {
	const char *name;        /* long name, without "--" */
	char short_name;         /* or 0 */
	const char *metavar;     /* value placeholder, NULL for a flag */
	const char *help;        /* one line, lowercase, no final period */
	enum sv_complete complete;
	const char *choices;     /* space-separated allowed values, or NULL;
	                            when set, the parser enforces them */
	bool top_only;           /* global option valid only before the
	                            command name (--version) */
	enum sv_opt_kind kind;   /* set by SV_FLAG, SV_STRING or SV_LIST */
	size_t offset;
};

/*
 * Bind a command option to the member f of the command's options struct
 * T, appended to its entry in the table:
 *
 *	struct relup_opts { const char *to; bool write; };
 *	{ "write", 'w', NULL, "write ...", SV_COMPLETE_NONE, NULL, false,
 *	  SV_FLAG(struct relup_opts, write) },
 *
 * The command reads o->write: a misspelt member is a compile error, and
 * so is a member of the wrong type (bool for a flag, const char * for a
 * value, struct sv_strlist for a repeatable value).
 */
#define SV_FLAG(T, f) .kind = SV_OPT_FLAG, \
	.offset = _Generic(((T *)0)->f, bool: offsetof(T, f))
#define SV_STRING(T, f) .kind = SV_OPT_STRING, \
	.offset = _Generic(((T *)0)->f, const char *: offsetof(T, f))
#define SV_LIST(T, f) .kind = SV_OPT_LIST, \
	.offset = _Generic(((T *)0)->f, struct sv_strlist: offsetof(T, f))

#define SV_MAX_OPTIONS 16

/* Command flags. */
#define SV_CMD_REPO     0x1 /* needs a git repository (opened by main) */
#define SV_CMD_REPO_OPT 0x2 /* reads the repository's config if there is one */
#define SV_CMD_HIDDEN   0x4 /* internal: not listed, no man page */
#define SV_CMD_REPO_LAZY 0x8 /* reads the repository's config only when
                                the command asks (sv_ctx_setup), so that
                                libgit2 is not loaded when not needed */

struct sv_ctx;
struct sv_args;

struct sv_command {
	const char *name;
	const char *summary;  /* one line for lists and man NAME */
	const char *args;     /* positional arguments, e.g. "FROM TO" */
	int min_args, max_args; /* max_args -1: unbounded */
	enum sv_complete arg_complete; /* what the positional arguments are */
	const char *arg_choices;       /* words for SV_COMPLETE_CHOICES */
	unsigned flags;
	const struct sv_option *options; /* terminated by { NULL } */
	size_t opts_size;     /* sizeof the options struct the entries of
	                         options are bound to (at most SV_OPTS_MAX) */
	int (*run)(struct sv_ctx *ctx, const struct sv_args *args);
};

/* Options every command accepts (before or after the command name). */
extern const struct sv_option sv_global_options[];

/* The commands, in the order "smoothver help" lists them, NULL-terminated. */
extern const struct sv_command *const sv_commands[];

/* Look a command up by name; NULL if there is none. */
const struct sv_command *sv_command_find(const char *name);

/* What a command gets to work with. */
struct sv_ctx {
	bool json;              /* --json */
	bool quiet;             /* -q */
	struct sv_git *repo;    /* the repository, if opened (see flags) */
	struct sv_config config;
	bool loaded;            /* config has been read (sv_ctx_setup) */
};

/* Parsed command line of one command. */
#define SV_MAX_REPEAT 16 /* values kept of an option given repeatedly */
#define SV_OPTS_MAX 256  /* bytes of a command's options struct */

struct sv_args {
	const struct sv_command *cmd;
	const void *opts;                  /* the command's options struct,
	                                      filled as its table binds it
	                                      (points into optbuf) */
	int argc;                          /* positional arguments */
	char **argv;
	/* the parser's own */
	const char *values[SV_MAX_OPTIONS][SV_MAX_REPEAT]; /* by table
	                                      index, in the order given */
	int count[SV_MAX_OPTIONS];         /* how often each was given */
	union {
		max_align_t align;
		unsigned char bytes[SV_OPTS_MAX];
	} optbuf;
};

/* The --trust option of the commands that read releases from a store,
 * bound to the member trust (struct sv_strlist) of T. */
#define SV_OPT_TRUST(T) \
	{ "trust", 0, "KEY.pub", "accept only releases signed by this public " \
	  "key: records, and latest with its expiry and no rollback " \
	  "(repeatable; also trust.key in .smoothver)", SV_COMPLETE_FILE, \
	  NULL, false, SV_LIST(T, trust) }

/* The --prefix option shared by the commands that read release tags,
 * bound to the member prefix of T. */
#define SV_OPT_PREFIX(T) \
	{ "prefix", 0, "PREFIX", "tag prefix of release tags (default: " \
	  "tag.prefix from the configuration, else v)", SV_COMPLETE_NONE, \
	  NULL, false, SV_STRING(T, prefix) }

/* The --store option shared by the commands that use a store, bound to
 * the member store of T. */
#define SV_OPT_STORE(T) \
	{ "store", 0, "URL", "the store: a directory, file:///PATH, " \
	  "s3://BUCKET[/PREFIX] or (read-only) https://HOST/PATH " \
	  "(default: store.url from the configuration, else " \
	  "~/.local/share/smoothver/store)", SV_COMPLETE_DIR, NULL, false, \
	  SV_STRING(T, store) }

/* The end of an option table. */
#define SV_OPT_END { NULL, 0, NULL, NULL, SV_COMPLETE_NONE, NULL, false, \
	SV_OPT_UNBOUND, 0 }

/*
 * Open the repository and read the configuration as flags say
 * (SV_CMD_REPO: a repository is required; SV_CMD_REPO_OPT: the
 * configuration of the repository around the working directory, if
 * any). main calls it before a command runs; a SV_CMD_REPO_LAZY command
 * calls it with SV_CMD_REPO_OPT when it needs the configuration. Once
 * loaded, later calls do nothing.
 */
int sv_ctx_setup(struct sv_ctx *ctx, unsigned flags, struct sv_err *e);

/* The tag prefix in force for this command: given (--prefix, checked)
 * unless NULL, else the configuration's. */
int sv_ctx_prefix(const struct sv_ctx *ctx, const char *given,
    const char **prefix, struct sv_err *e);

struct sv_rules;

/* Fill rules (initialised by the caller) with the configured glob rules
 * (.smoothver rule.* entries), then the defaults. */
void sv_ctx_rules(const struct sv_ctx *ctx, struct sv_rules *rules);

struct sv_store;

/* Open the store in force for this command: url (--store) unless NULL,
 * else store.url (SMOOTHVER_STORE), else the default. With trust (a
 * command with --trust: the keys it names) the configuration's keys are
 * added (trust.key, SMOOTHVER_TRUST) and the store checks every release
 * against them; a key that cannot be read is SV_INPUT naming it. */
int sv_ctx_store(const struct sv_ctx *ctx, const char *url,
    const struct sv_strlist *trust, int mode, struct sv_store **out,
    struct sv_err *e);

#endif
