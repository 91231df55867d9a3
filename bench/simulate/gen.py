#!/usr/bin/env python3
"""Writes a synthetic oomwarden snapshot for bench/simulate/run.sh.
  gen.py procs N FILE   N processes in the root cgroup; rss of pid 10+i is ((i*7919) % 100003) pages
  gen.py deep D FILE    a chain of D cgroups /a, /a/a, ... with one process (pid 100) at the bottom
The expected victim is printed on stdout as "pid COMM"."""
import sys

HEADER = ('{"format":"oomwarden-snapshot","version":1,"time":"2026-01-01T00:00:00Z","hostname":"bench",'
          '"page_size_bytes":4096,"memory":{"mem_total_bytes":1099511627776,"swap_total_bytes":0},"cgroups":[')

def procs(n, out):
    out.write(HEADER + '{"path":"/","processes":[')
    best = (-1, 0)
    for i in range(n):
        rss = ((i * 7919) % 100003) * 4096
        if rss > best[0]:
            best = (rss, 10 + i)
        out.write(('' if i == 0 else ',') + '{"pid":%d,"comm":"p%d","uid":1000,"oom_score":666,"rss_bytes":%d}' % (10 + i, i, rss))
    out.write(']}]}\n')
    return "%d p%d" % (best[1], best[1] - 10)

def deep(depth, out):
    out.write(HEADER + '{"path":"/","processes":[]}')
    path = ""
    for d in range(depth):
        path += "/a"
        procs = '[{"pid":100,"comm":"deep","uid":1000,"rss_bytes":4096}]' if d == depth - 1 else '[]'
        out.write(',{"path":"%s","usage_bytes":%d,"processes":%s}' % (path, depth - d, procs))
    out.write(']}\n')
    return "100 deep"

kind, n, file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(file, "w") as f:
    print(procs(n, f) if kind == "procs" else deep(n, f))
