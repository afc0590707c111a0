# The order that makes an acknowledged response durable, read off the real
# system calls of `candor sync` (strace) against candor-sim with 300
# responses (three batches):
# - every store file is written to a .tmp- name, fsynced, and only then
#   linked (or renamed) to its final name;
# - the directory of every new name is fsynced after the link;
# - before each ACK goes out on the socket, at least one new batch file
#   (.cnb) has become durable that way, and no linked file is still
#   waiting for its directory's fsync.
# A SIGKILL cannot tell a missing fsync from a present one (the page cache
# survives it); this test is what can. Skipped (77) without strace/ptrace.
. "$CND_SOURCE_DIR/tests/e2e/e2e_lib.sh"
. "$CND_SOURCE_DIR/tests/linkfault/lf_lib.sh"
rm -f "$RESULT" # not a fault-point count: this part has no result line

command -v strace >/dev/null 2>&1 || { echo "skip: no strace (tools/deps/linkfault.txt)"; exit 77; }
strace -o /dev/null true 2>/dev/null || { echo "skip: strace cannot trace here (ptrace refused)"; exit 77; }

fresh_run
start_dev
# LeakSanitizer cannot run under ptrace (make test-asan): no leak check for
# this one traced run; every other test checks the same code for leaks.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -xx -s 512 -o "$T/trace" \
    -e trace=openat,open,close,write,fsync,fdatasync,link,linkat,rename,renameat,renameat2,sendto,sendmsg \
    "$CANDOR" sync --device "$DEV" --store "$T/store" >"$T/sync.out" 2>"$T/sync.err" ||
    fail "sync under strace failed: $(cat "$T/sync.err")"
stop_sim dev
check_device "sync under strace" --recovered
[ $problems -eq 0 ] || fail "$first"

python3 - "$T/trace" <<'PY' || fail "durability order violated (see above)"
import os, re, sys

line_re = re.compile(r'^(?:\d+\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+)')
str_re = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')

def strings(args):
    return [bytes.fromhex(s.replace('\\x', '')) for s in str_re.findall(args)]

fds, synced_tmp, waiting_dir = {}, set(), set()
acks, fresh_cnb, errors = 0, 0, []
for raw in open(sys.argv[1], encoding='ascii', errors='replace'):
    m = line_re.match(raw)
    if not m or int(m.group(3)) < 0:
        continue
    call, args, res = m.group(1), m.group(2), int(m.group(3))
    s = strings(args)
    if call in ('openat', 'open') and s:
        fds[res] = os.path.normpath(s[0].decode())
    elif call == 'close':
        fds.pop(int(args.split(',')[0]), None)
    elif call in ('fsync', 'fdatasync'):
        path = fds.get(int(args.split(',')[0]))
        if path is None:
            continue
        if os.path.basename(path).startswith('.tmp-'):
            synced_tmp.add(path)
        for f in [f for f in waiting_dir if os.path.dirname(f) == path]:
            waiting_dir.discard(f)
            if f.endswith('.cnb'):
                fresh_cnb += 1
    elif call in ('link', 'linkat', 'rename', 'renameat', 'renameat2') and len(s) >= 2:
        src, dst = (os.path.normpath(x.decode()) for x in s[:2])
        if src not in synced_tmp:
            errors.append('%s became %s before its data was fsynced' % (src, dst))
        waiting_dir.add(dst)
    # an ACK frame starts with the magic "CN", protocol version 3, type 0x08
    elif call in ('sendto', 'sendmsg') and s and s[0][:4] == b'CN\x03\x08':
        acks += 1
        if waiting_dir:
            errors.append('ACK %d sent while %s waited for a directory fsync'
                          % (acks, ', '.join(sorted(waiting_dir))))
        if fresh_cnb == 0:
            errors.append('ACK %d sent with no new batch file durable before it' % acks)
        fresh_cnb = 0
if acks != 3:
    errors.append('%d ACKs seen, 3 batches expected' % acks)
for e in errors:
    print('durability: ' + e)
print('durability order: %d ACKs, each after its batch file was fsynced, linked and its '
      'directory fsynced' % acks if not errors else 'durability order: %d problems' % len(errors))
sys.exit(1 if errors else 0)
PY
