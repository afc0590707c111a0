/*
 * write_test_key: writes the fixed TEST-ONLY office key (test_key.h) as an
 * unencrypted key file, so script tests ($CANDOR_KEY) and in-process test
 * harnesses (which open sealed responses with cnd_test_office_key()) use
 * one and the same key. Never a real office's key.
 *   write_test_key PATH
 */
#include <stdio.h>

#include "officekey.h"
#include "test_key.h"

int main(int argc, char **argv)
{
    cnd_err_t err;
    if (argc != 2) {
        fprintf(stderr, "usage: write_test_key PATH\n");
        return 2;
    }
    if (cnd_key_write(argv[1], cnd_test_office_key(), NULL, 0, 0, &err) != 0) {
        fprintf(stderr, "write_test_key: %s\n", err.msg);
        return 1;
    }
    return 0;
}
