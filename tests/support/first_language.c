/* first_language.c: see first_language.h. */
#include "first_language.h"

#include <cjson/cJSON.h>

#include "test_key.h"

static void drop_key(cJSON *node, const char *key)
{
    cJSON *c;
    if (cJSON_IsObject(node))
        cJSON_DeleteItemFromObjectCaseSensitive(node, key);
    cJSON_ArrayForEach(c, node)
        drop_key(c, key);
}

cnd_status_t cnd_test_compile_first_language(const char *json, size_t len, uint8_t *out,
                                             size_t cap, size_t *out_len, cnd_err_t *err)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    cJSON *langs = cJSON_GetObjectItemCaseSensitive(root, "languages");
    cnd_status_t st = CND_E_INVALID;
    if (cJSON_GetArraySize(langs) >= 1) {
        while (cJSON_GetArraySize(langs) > 1) {
            const cJSON *code =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(langs, 1), "code");
            if (!cJSON_IsString(code))
                break;
            drop_key(root, code->valuestring);
            cJSON_DeleteItemFromArray(langs, 1);
        }
        st = cnd_compile_tree(root, cnd_test_office_key(), NULL, out, cap, out_len, err);
    }
    cJSON_Delete(root);
    return st;
}
