#include "config.h"

#include "adapt/json.h"

#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "base/xalloc.h"

/* struct sv_json is never defined: the pointers are cJSON nodes. */
#define J(p) ((cJSON *)(void *)(p))
#define S(p) ((struct sv_json *)(void *)(p))

static cJSON *
must(cJSON *node)
{
	if (node == NULL) {
		fprintf(stderr, "smoothver: fatal: out of memory building JSON\n");
		abort();
	}
	return node;
}

struct sv_json *
sv_json_object(void)
{
	return S(must(cJSON_CreateObject()));
}

struct sv_json *
sv_json_array(void)
{
	return S(must(cJSON_CreateArray()));
}

void
sv_json_set(struct sv_json *o, const char *key, struct sv_json *child)
{
	cJSON_AddItemToObject(J(o), key, J(child));
}

void
sv_json_set_str(struct sv_json *o, const char *key, const char *val)
{
	if (val == NULL)
		sv_json_set_null(o, key);
	else
		sv_json_set(o, key, S(must(cJSON_CreateString(val))));
}

void
sv_json_set_int(struct sv_json *o, const char *key, int64_t val)
{
	/* cJSON stores numbers as doubles: exact up to 2^53, which covers
	 * every count and time smoothver writes. */
	sv_json_set(o, key, S(must(cJSON_CreateNumber((double)val))));
}

void
sv_json_set_bool(struct sv_json *o, const char *key, bool val)
{
	sv_json_set(o, key, S(must(cJSON_CreateBool(val))));
}

void
sv_json_set_null(struct sv_json *o, const char *key)
{
	sv_json_set(o, key, S(must(cJSON_CreateNull())));
}

void
sv_json_push(struct sv_json *a, struct sv_json *child)
{
	cJSON_AddItemToArray(J(a), J(child));
}

void
sv_json_push_str(struct sv_json *a, const char *val)
{
	sv_json_push(a, S(must(cJSON_CreateString(val))));
}

char *
sv_json_print(const struct sv_json *j)
{
	char *s = cJSON_PrintUnformatted(J(j)), *copy;

	if (s == NULL) {
		fprintf(stderr, "smoothver: fatal: out of memory printing JSON\n");
		abort();
	}
	copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

void
sv_json_free(struct sv_json *j)
{
	cJSON_Delete(J(j));
}
