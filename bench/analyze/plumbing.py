#!/usr/bin/env python3
"""The read path's per-line plumbing in callgrind profiles (instructions.sh with BENCH_KEEP=1 keeps them as cg.N):
the self counts of the reader's and the unwrapper's own functions (OomLogReader's Process, PhysicalLine, FlushPending
and the rest of its line handling, LineUnwrapper.*, ShortSpans.*), plus the library searches they call (inclusive).
Not counted: the marker pass (NextMarker), the assembler's work (Message, Finish, CanSkip, BootHost: listed apart).
usage: bench/analyze/plumbing.py CG [CG ...]"""
import collections, re, sys

OWN = re.compile(r'OomLogReader__(Process|PhysicalLine|FlushPending|SetPending|AppendPending|KeepPending|IndexOfSeparator'
                 r'|HeaderTemplate|ForeignLine|Evidence|JournalMarks|JoinsOther|MakeRoomForce|MakeRoom)$|LineUnwrapper__|ShortSpans__')
LIB = re.compile(r'S_P_CoreLib_System_(SpanHelpers|PackedSpanHelpers|MemoryExtensions)__')

def names(line, table):
    # callgrind's name compression: "fn=(12) name" the first time, "fn=(12)" after
    m = re.match(r'\((\d+)\)(?: (.*))?', line)
    if not m: return line
    if m.group(2) is not None: table[m.group(1)] = m.group(2)
    return table.get(m.group(1), line)

for cg in sys.argv[1:]:
    own, lib, other = collections.Counter(), collections.Counter(), collections.Counter()
    table, fn, cfn, call = {}, None, None, False
    for line in open(cg, errors='replace'):
        line = line.rstrip('\n')
        if line.startswith('fn='): fn = names(line[3:], table); continue
        if line.startswith(('cfn=', 'cfi=', 'cfl=', 'cob=')):
            if line.startswith('cfn='): cfn = names(line[4:], table)
            continue
        if line.startswith('calls='): call = True; continue
        if not line or not (line[0].isdigit() or line[0] in '+-*'): continue
        parts = line.split()
        if len(parts) < 2: continue
        cost = int(parts[1])
        if call:
            call = False
            if fn and OWN.search(fn) and cfn:
                if LIB.search(cfn): lib[cfn.split('__')[-1][:50]] += cost
                elif not OWN.search(cfn) and 'NextMarker' not in cfn: other[cfn.split('Parsing_')[-1][:60]] += cost
        elif fn and OWN.search(fn):
            own[fn.split('Parsing_')[-1]] += cost
    s, l = sum(own.values()), sum(lib.values())
    print(f'{cg}: plumbing {s + l:,} (own self {s:,}, library searches {l:,})')
    for k, v in own.most_common(6): print(f'  {v:>13,}  {k}')
    for k, v in lib.most_common(3): print(f'  {v:>13,}  library {k}')
    print('  called, not counted (inclusive):', ', '.join(f'{k} {v:,}' for k, v in other.most_common(5)))
