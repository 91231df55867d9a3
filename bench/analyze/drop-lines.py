#!/usr/bin/env python3
"""Copies of a dmesg-format bench log with one class of lines removed, to count what each class costs.

usage: bench/analyze/drop-lines.py LOG OUTDIR
Writes OUTDIR/v_base.log (the log's whole lines: a last line cut short, as by head -c, is left out) and one OUTDIR/v_no<class>.log per class,
and prints how many lines of each class the log holds. Classes, by shape (inside a report: from its
"invoked oom-killer" line to its "Killed process" line):
  stat   a memcg stats line ("name 123") after "Memory cgroup stats"
  frame  a call-trace line (the message starts with a blank)
  reg    a register-dump line (RIP:, Code:, RSP:, RAX: ...)
  other  any other line of a report (kept in every copy)
  junk   a line between reports
Then: bench/analyze/instructions.sh OUTDIR/v_<x>.log BIN for each copy; (base - copy) / lines of the class is
the cost of a line of that class. Removing frames also removes the mem_cgroup_out_of_memory frame, which changes
the reports: that difference includes their changed parsing.
"""
import os
import re
import sys

STAT = re.compile(rb'^[a-z0-9_]+ \d+$')
REG = re.compile(rb'^(RIP|Code|RSP|R[A-Z0-9]{2}): ')


def classify(lines):
    in_report = stats = False
    for line in lines:
        m = line[15:] if line.startswith(b'[') else line   # after a printk stamp "[%5lu.%06lu] "
        if b'invoked oom-killer' in line:
            in_report, stats = True, False
        kind = 'junk'
        if in_report:
            if m.startswith(b'Memory cgroup stats'):
                stats, kind = True, 'other'
            elif stats and STAT.match(m):
                kind = 'stat'
            elif m.startswith(b' '):
                kind = 'frame'
            elif REG.match(m):
                kind = 'reg'
            else:
                kind, stats = 'other', False
            if b'Killed process' in m:
                in_report = False
        yield kind, line


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    with open(log, 'rb') as f:
        lines = f.read().split(b'\n')
    # the last element is b'' after a final newline, or a line cut short (head -c): either way not a line
    lines.pop()
    drops = {'base': (), 'nostat': ('stat',), 'notrace': ('frame', 'reg'), 'noregs': ('reg',),
             'noframes': ('frame',), 'nojunk': ('junk',)}
    kept = {name: [] for name in drops}
    counts = {}
    for kind, line in classify(lines):
        counts[kind] = counts.get(kind, 0) + 1
        for name, dropped in drops.items():
            if kind not in dropped:
                kept[name].append(line)
    for name, ls in kept.items():
        with open(os.path.join(out, f'v_{name}.log'), 'wb') as f:
            f.write(b'\n'.join(ls) + b'\n')
    print(' '.join(f'{k}={v}' for k, v in sorted(counts.items())))


if __name__ == '__main__':
    main()
