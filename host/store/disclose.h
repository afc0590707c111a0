/*
 * disclose.h: k-anonymity by local suppression (issue 15; formats/SPEC.md
 * 9.4), for `candor export`.
 *
 * Owns: choosing which quasi-identifier values of which records to replace
 * by "suppressed" so that every combination of quasi-identifier values
 * (a suppressed value being a value of its own) is shared by at least k
 * records, suppressing as few values as it can find.
 * Never: changes a value that is not a quasi-identifier, drops or adds a
 * record, or reorders records.
 * RAM: host only; n * m * 4 bytes per working copy, two copies, plus an
 * index of n records.
 */
#ifndef CND_DISCLOSE_H
#define CND_DISCLOSE_H

#include <stddef.h>
#include <stdint.h>

#define CND_QI_SUPPRESSED UINT32_MAX

/*
 * v holds n records of m quasi-identifier values (row-major; values other
 * than CND_QI_SUPPRESSED). On success suppresses values in place and
 * returns how many; -1 when out of memory (*oom set). When n < k no
 * suppression can reach k: every value is suppressed (the caller says so).
 *
 * Greedy, like sdcMicro's local suppression: for each choice of the first
 * column, pass over the columns (that one first, then by falling number of
 * distinct values) and suppress the column's value in every record whose
 * group is still smaller than k; records still in a small group after the
 * passes lose all their values, and the all-suppressed group, if still
 * small, takes records from the largest group. The order that suppresses
 * the fewest values wins.
 */
long cnd_disclose_suppress(uint32_t *v, size_t n, size_t m, unsigned k, int *oom);

/* The size of the smallest group of identical rows (n when m is 0). */
size_t cnd_disclose_smallest_group(const uint32_t *v, size_t n, size_t m, int *oom);

#endif
