/*
 * first_language.h: TEST-ONLY compile of a survey source kept to its first
 * language, signed with the test office key (test_key.h).
 *
 * Why: since packs carry pre-rendered text (pack v4) the default survey in
 * both its languages (about 55 KB) no longer fits the 32 KiB pack slots a
 * small chip gets (formats/SPEC.md 4.1). Tests whose point is a small log
 * that wraps (store, power loss) keep their small chip and install the
 * default survey in its first language (about 28 KB) instead.
 *
 * Owns: dropping every language but the first from "languages" and every
 * object key that names a dropped language code, then cnd_compile_tree.
 * Never: used outside tests/.
 * RAM: the cJSON tree on the heap while compiling.
 */
#ifndef CND_FIRST_LANGUAGE_H
#define CND_FIRST_LANGUAGE_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"

/* Compiles json[0..len) (NUL-terminated) kept to its first language into
 * out. Statuses and errors as cnd_compile_json; CND_E_INVALID when the
 * source does not parse or names no language. */
cnd_status_t cnd_test_compile_first_language(const char *json, size_t len, uint8_t *out,
                                             size_t cap, size_t *out_len, cnd_err_t *err);

#endif
