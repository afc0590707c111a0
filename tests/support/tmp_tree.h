/*
 * tmp_tree.h: removing a test's temporary directory tree.
 *
 * Owns: the one recursive delete every test, fuzz harness and the workload
 * tool use for their scratch directories (host stores, exports, sockets).
 * Never: follows symlinks out of the tree (FTW_PHYS). Host/test code only.
 */
#ifndef CND_TMP_TREE_H
#define CND_TMP_TREE_H

/* Deletes path and everything below it; 0 on success, -1 otherwise.
 * A missing path is not an error worth failing a test's cleanup on. */
int cnd_test_remove_tree(const char *path);

#endif
