#include "config.h"

#include "core/settings.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

struct key {
	const char *name;  /* as in .smoothver: section.key, lowercase */
	const char *env;   /* environment variable */
	size_t offset;     /* of the char * in struct sv_config */
};

static const struct key keys[] = {
	{ "release.name", "SMOOTHVER_RELEASE_NAME",
	  offsetof(struct sv_config, release_name) },
	{ "tag.prefix", "SMOOTHVER_TAG_PREFIX",
	  offsetof(struct sv_config, tag_prefix) },
	{ "store.url", "SMOOTHVER_STORE",
	  offsetof(struct sv_config, store_url) },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char **
slot(struct sv_config *c, const struct key *k)
{
	return (char **)(void *)((char *)c + k->offset);
}

static void
set(struct sv_config *c, const struct key *k, const char *val)
{
	char **p = slot(c, k);

	free(*p);
	*p = xstrdup(val);
}

void
sv_config_init(struct sv_config *c)
{
	c->release_name = NULL;
	c->store_url = NULL;
	c->tag_prefix = xstrdup("v");
	c->trust_keys = NULL;
	c->ntrust_keys = 0;
	sv_rules_init(&c->rules);
	buf_init(&c->warnings);
}

void
sv_config_release(struct sv_config *c)
{
	free(c->release_name);
	free(c->tag_prefix);
	free(c->store_url);
	sv_strv_free(c->trust_keys, c->ntrust_keys);
	c->trust_keys = NULL;
	c->ntrust_keys = 0;
	sv_rules_release(&c->rules);
	buf_release(&c->warnings);
	c->release_name = c->tag_prefix = c->store_url = NULL;
}

int
sv_config_check_prefix(const char *prefix, const char *source,
    struct sv_err *e)
{
	struct buf probe;
	bool ok;

	buf_init(&probe);
	buf_addf(&probe, "%s0.0.0", prefix);
	ok = sv_git_tag_name_valid(probe.s) && strchr(prefix, '/') != prefix;
	buf_release(&probe);
	if (!ok)
		return sv_err_set(e, SV_INPUT, "invalid tag prefix '%s' from %s: "
		    "'%s0.0.0' is not a valid tag name", prefix, source, prefix);
	return SV_OK;
}

struct file_walk {
	struct sv_config *c;
	const char *path;
	const char *workdir;
};

static void
add_trust_key(struct sv_config *c, const char *dir, const char *path,
    size_t len)
{
	struct buf b;

	buf_init(&b);
	if (dir != NULL && len > 0 && path[0] != '/')
		buf_adds(&b, dir);
	buf_add(&b, path, len);
	c->trust_keys = xrealloc(c->trust_keys, (c->ntrust_keys + 1) *
	    sizeof(*c->trust_keys));
	c->trust_keys[c->ntrust_keys++] = buf_detach(&b);
}

/* rule.GLOB.level / rule.GLOB.reason: rules in the order they appear. */
static int
rule_entry(struct file_walk *w, const char *name, const char *value,
    struct sv_err *e)
{
	const char *glob = name + strlen("rule."), *dot = strrchr(name, '.');
	struct sv_rules *r = &w->c->rules;
	struct sv_rule *rule = NULL;
	char *g;
	size_t i;

	if (dot == NULL || dot < glob)
		return sv_err_set(e, SV_INPUT, "invalid rule '%s' in '%s': "
		    "expected [rule \"GLOB\"] with level = LEVEL", name,
		    w->path);
	g = xstrndup(glob, (size_t)(dot - glob));
	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].glob, g) == 0)
			rule = &r->v[i];
	if (rule == NULL) {
		sv_rules_add(r, g, SV_LEVEL_RESTART, NULL, false);
		rule = &r->v[r->n - 1];
		rule->level_set = false; /* checked once the file is read */
	}
	if (strcmp(dot, ".level") == 0) {
		if (!sv_level_parse(value, true, &rule->level)) {
			sv_err_set(e, SV_INPUT, "invalid level '%s' for rule '%s' "
			    "in '%s' (expected none, reload, relup or restart)",
			    value, g, w->path);
			free(g);
			return SV_INPUT;
		}
		rule->level_set = true;
	} else if (strcmp(dot, ".reason") == 0) {
		free(rule->reason);
		rule->reason = xstrdup(value);
	} else {
		buf_addf(&w->c->warnings, "unknown key '%s' in '%s' (ignored)\n",
		    name, w->path);
	}
	free(g);
	return SV_OK;
}

static int
file_entry(const char *name, const char *value, void *data, struct sv_err *e)
{
	struct file_walk *w = data;
	size_t i;

	if (strncmp(name, "rule.", 5) == 0)
		return rule_entry(w, name, value, e);
	if (strcmp(name, "trust.key") == 0) {
		add_trust_key(w->c, w->workdir, value, strlen(value));
		return SV_OK;
	}

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(name, keys[i].name) == 0) {
			set(w->c, &keys[i], value);
			return SV_OK;
		}
	}
	buf_addf(&w->c->warnings, "unknown key '%s' in '%s' (ignored)\n",
	    name, w->path);
	return SV_OK;
}

int
sv_config_load(struct sv_config *c, struct sv_git *g, struct sv_err *e)
{
	const char *workdir = g ? sv_git_workdir(g) : NULL;
	struct buf path, gitkey;
	size_t i;
	int status = SV_OK;

	buf_init(&path);
	buf_init(&gitkey);
	if (workdir != NULL) {
		struct file_walk w = { c, NULL, workdir };

		buf_addf(&path, "%s.smoothver", workdir);
		w.path = path.s;
		status = sv_git_config_file_foreach(path.s, file_entry, &w, e);
		if (status != SV_OK)
			goto out;
		for (i = 0; i < c->rules.n; i++) {
			if (!c->rules.v[i].level_set) {
				status = sv_err_set(e, SV_INPUT, "rule '%s' in '%s' "
				    "has no level (expected level = none, reload, "
				    "relup or restart)", c->rules.v[i].glob, path.s);
				goto out;
			}
		}
		if ((status = sv_config_check_prefix(c->tag_prefix, path.s, e)))
			goto out;
		/* A relative store path in .smoothver is relative to the file,
		 * wherever the command runs. */
		if (c->store_url && *c->store_url && *c->store_url != '/' &&
		    strstr(c->store_url, "://") == NULL) {
			struct buf abs;

			buf_init(&abs);
			buf_addf(&abs, "%s%s", workdir, c->store_url);
			free(c->store_url);
			c->store_url = buf_detach(&abs);
		}
	}
	for (i = 0; i < NKEYS; i++) {
		char *val = NULL;

		if (g == NULL)
			break;
		buf_reset(&gitkey);
		buf_addf(&gitkey, "smoothver.%s", keys[i].name);
		if ((status = sv_git_config_get(g, gitkey.s, &val, e)))
			goto out;
		if (val != NULL) {
			free(*slot(c, &keys[i]));
			*slot(c, &keys[i]) = val;
		}
	}
	if (g != NULL && (status = sv_config_check_prefix(c->tag_prefix,
	    "git config smoothver.tag.prefix", e)))
		goto out;
	for (i = 0; i < NKEYS; i++) {
		const char *val = getenv(keys[i].env);

		if (val != NULL)
			set(c, &keys[i], val);
	}
	{
		const char *t = getenv("SMOOTHVER_TRUST");

		while (t != NULL && *t != '\0') {
			size_t n = strcspn(t, ":");

			if (n > 0)
				add_trust_key(c, NULL, t, n);
			t += n + (t[n] == ':');
		}
	}
	if (getenv("SMOOTHVER_TAG_PREFIX") != NULL)
		status = sv_config_check_prefix(c->tag_prefix,
		    "SMOOTHVER_TAG_PREFIX", e);
out:
	buf_release(&path);
	buf_release(&gitkey);
	return status;
}
