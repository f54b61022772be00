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
};

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

struct sv_args {
	const struct sv_command *cmd;
	const char *value[SV_MAX_OPTIONS]; /* option values, by table index:
	                                      the last one given */
	const char *values[SV_MAX_OPTIONS][SV_MAX_REPEAT]; /* all of them, in
	                                      order (sv_arg_all) */
	int count[SV_MAX_OPTIONS];         /* how often each option was given */
	int argc;                          /* positional arguments */
	char **argv;
};

/* The --trust option of the commands that read releases from a store. */
#define SV_OPT_TRUST \
	{ "trust", 0, "KEY.pub", "accept only releases signed by this public " \
	  "key: records, and latest with its expiry and no rollback " \
	  "(repeatable; also trust.key in .smoothver)", SV_COMPLETE_FILE, \
	  NULL, false }

/* The --prefix option shared by the commands that read release tags. */
#define SV_OPT_PREFIX \
	{ "prefix", 0, "PREFIX", "tag prefix of release tags (default: " \
	  "tag.prefix from the configuration, else v)", SV_COMPLETE_NONE, \
	  NULL, false }

/* The --store option shared by the commands that use a store. */
#define SV_OPT_STORE \
	{ "store", 0, "URL", "the store: a directory, file:///PATH, " \
	  "s3://BUCKET[/PREFIX] or (read-only) https://HOST/PATH " \
	  "(default: store.url from the configuration, else " \
	  "~/.local/share/smoothver/store)", SV_COMPLETE_DIR, NULL, false }

/* The end of an option table. */
#define SV_OPT_END { NULL, 0, NULL, NULL, SV_COMPLETE_NONE, NULL, false }

/* The tag prefix in force for this command: --prefix if given (checked),
 * else the configuration's. */
/*
 * Open the repository and read the configuration as flags say
 * (SV_CMD_REPO: a repository is required; SV_CMD_REPO_OPT: the
 * configuration of the repository around the working directory, if
 * any). main calls it before a command runs; a SV_CMD_REPO_LAZY command
 * calls it with SV_CMD_REPO_OPT when it needs the configuration. Once
 * loaded, later calls do nothing.
 */
int sv_ctx_setup(struct sv_ctx *ctx, unsigned flags, struct sv_err *e);

int sv_ctx_prefix(const struct sv_ctx *ctx, const struct sv_args *a,
    const char **prefix, struct sv_err *e);

struct sv_rules;

/* Fill rules (initialised by the caller) with the configured glob rules
 * (.smoothver rule.* entries), then the defaults. */
void sv_ctx_rules(const struct sv_ctx *ctx, struct sv_rules *rules);

struct sv_store;

/* Open the store in force for this command: --store, else store.url
 * (SMOOTHVER_STORE), else the default. A command with --trust reads the
 * keys it names and the configuration's (trust.key, SMOOTHVER_TRUST) and
 * the store checks every release against them; a key that cannot be read
 * is SV_INPUT naming it. */
int sv_ctx_store(const struct sv_ctx *ctx, const struct sv_args *a,
    int mode, struct sv_store **out, struct sv_err *e);

/* The value of the command option called name, or NULL if not given (the
 * last one wins). Aborts if the command has no such option: that is a
 * programming error, caught by the tests. */
const char *sv_arg(const struct sv_args *a, const char *name);

/* True if the command option called name was given. */
bool sv_flag(const struct sv_args *a, const char *name);

/* Every value of the command option called name, in the order given (an
 * option given repeatedly, such as --trust): their number, *out pointing
 * at them. */
size_t sv_arg_all(const struct sv_args *a, const char *name,
    const char *const **out);

#endif
