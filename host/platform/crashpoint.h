/*
 * crashpoint.h: a TEST HOOK that kills candor with SIGKILL (TerminateProcess
 * on Windows, osfile.h cnd_os_kill_self) at a named step
 * of the store-then-ack sequence of `candor sync`.
 *
 * Why it exists: the promise "a response is lost or duplicated by no
 * crash" can only be proved by crashing at every step and syncing again
 * (tests/linkfault/test_kill_during_sync.sh). A signal sent from outside
 * cannot hit a step reliably; a hook inside the process can.
 *
 * CANDOR_TEST_CRASH_AT=STEP:N makes the Nth arrival (from 1) at STEP raise
 * SIGKILL: no atexit handler, no stdio flush, no cleanup, as when the
 * laptop's battery dies or the OOM killer strikes. (The page cache
 * survives a SIGKILL; the fsync order that protects against a power cut is
 * checked separately, with strace.) Steps, in the order one batch passes
 * them:
 *   batch-received  pulled, inflated and checked; nothing written yet
 *   temp-written    .tmp- file written, not yet fsynced   (hoststore.c)
 *   temp-fsynced    .tmp- file fsynced, not yet linked
 *   linked          final name linked to the temp file
 *   temp-removed    temp name unlinked, directory not yet fsynced
 *   dir-fsynced     directory fsynced: the file is durable
 *   batch-stored    every file of the batch durable, ACK not yet sent
 *   ack-sent        ACK written to the device, its reply not yet read
 *   acked           the device confirmed the ACK
 * (temp-* and linked, dir-fsynced also fire for survey pack files.)
 * candor check has one more: rows-quarantined, when rows that failed are
 * durable in quarantine/ and their batch file is not yet replaced.
 *
 * Unset, which is always the case outside tests, it costs one getenv() at
 * the first step. Never: does anything but kill; kills on a value it cannot
 * parse (it says so on stderr once and stays inert).
 */
#ifndef CND_CRASHPOINT_H
#define CND_CRASHPOINT_H

void cnd_crashpoint(const char *step);

#endif
