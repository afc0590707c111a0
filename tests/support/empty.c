/* Keeps the support library non-empty before any helper exists. */
typedef int cnd_test_support_empty_t;
