/* big_pack.c: see big_pack.h. */
#include "big_pack.h"

#include <stdio.h>
#include <stdlib.h>

#include "compile.h"
#include "test_key.h"

#define N_ITEMS 40
#define N_CHOICES 16

static const char *const words[] = {"often",  "rarely", "always", "never",   "sometimes",
                                    "mostly", "seldom", "usually", "weekly", "daily",
                                    "monthly", "yearly"};

int cnd_test_big_pack(unsigned variant, uint8_t *pack, size_t cap, uint32_t *len)
{
    size_t json_cap = 1u << 20, n = 0, out = 0;
    char *json = malloc(json_cap);
    cnd_err_t err;
    int i, c, w, rc;

    if (json == NULL)
        return -1;
    n += (size_t)snprintf(json + n, json_cap - n,
                          "{\"id\":\"big%u\",\"version\":1,\"languages\":[{\"code\":\"en\","
                          "\"name\":\"English\"}],\"title\":{\"en\":\"Big %u\"},\"consent\":"
                          "{\"en\":\"C\"},\"referral\":{\"en\":\"R\"},\"items\":[",
                          variant, variant);
    for (i = 0; i < N_ITEMS; i++) {
        n += (size_t)snprintf(json + n, json_cap - n,
                              "%s{\"name\":\"q%d\",\"kind\":\"single\",\"label\":{\"en\":"
                              "\"Question %u.%d\"},\"choices\":[",
                              i ? "," : "", i, variant, i);
        for (c = 0; c < N_CHOICES; c++) {
            n += (size_t)snprintf(json + n, json_cap - n,
                                  "%s{\"name\":\"c%d\",\"label\":{\"en\":\"%u.%d.%d", c ? "," : "",
                                  c, variant, i, c);
            for (w = 0; w < 9; w++)
                n += (size_t)snprintf(json + n, json_cap - n, " %s",
                                      words[(unsigned)(i + c + w) % 12u]);
            n += (size_t)snprintf(json + n, json_cap - n, "\"}}");
        }
        n += (size_t)snprintf(json + n, json_cap - n, "]}");
    }
    n += (size_t)snprintf(json + n, json_cap - n, "]}");
    rc = n < json_cap && cnd_compile_json(json, n, cnd_test_office_key(), pack, cap, &out,
                                          &err) == CND_OK
             ? 0
             : -1;
    if (rc != 0)
        fprintf(stderr, "big test pack %u: %s\n", variant, n < json_cap ? err.msg : "too long");
    free(json);
    *len = (uint32_t)out;
    return rc;
}
