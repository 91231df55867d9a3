#!/usr/bin/env python3
"""Writes a large kernel log: realistic non-OOM dmesg noise with OOM reports from the corpus spliced in.
usage: gen-log.py OUT SIZE_MB [EVERY] [WRAPPER]
EVERY: one report every EVERY MiB (default 4, "sparse"), or every N lines when it ends in "l" ("200l": a report
every 200 lines, the report's own lines included: a node with a crash-looping container, "dense").
WRAPPER: how every line (noise and reports) is written:
  dmesg    (default) "[  394.158309] msg", printk's stamp; a multi-line record's later lines indented
  syslog   rsyslog's traditional file with imklog's kernel stamp (Ubuntu/Debian kern.log):
           "Dec  2 18:40:28 node7 kernel: [  394.158309] msg", a multi-line record on one line joined by #012
  journal  journalctl -k (-o short): "Dec 02 18:40:28 node7 kernel: msg", a multi-line record's later lines
           indented under its message
The wall clock starts at Dec 2 18:00:00 and moves 731 us a line (the seconds change every ~1,400 lines); the
kernel stamps are the dmesg form's. SIZE_MB is the dmesg form's size: each form holds the same lines and reports."""
import os, random, re, sys

out, size_mb = sys.argv[1], int(sys.argv[2])
every = sys.argv[3] if len(sys.argv) > 3 else '4'
every_lines = int(every[:-1]) if every.endswith('l') else None
every_mb = None if every_lines else float(every)
wrapper = sys.argv[4] if len(sys.argv) > 4 else 'dmesg'
if wrapper not in ('dmesg', 'syslog', 'journal'): sys.exit(f'unknown wrapper {wrapper}: dmesg, syslog or journal')
here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, '..', '..', 'tests', 'fixtures', 'oom-reports')
events = [open(os.path.join(corpus, n), encoding='utf-8').read() for n in
          ('k6.1-global.dmesg.log', 'k6.18-memcg-v1.dmesg.log', 'k6.1-v2oomgroup.dmesg.log')]

rnd = random.Random(42)
templates = [
    'audit: type=1400 audit({a}.{b}:{c}): apparmor="ALLOWED" operation="open" profile="snap.lxd" name="/proc/{c}/status" pid={c} comm="lxd" requested_mask="r" denied_mask="r"',
    'IPv4: martian source 10.0.{b}.{c} from 10.0.0.{c}, on dev eth0',
    'EXT4-fs (sda{b}): mounted filesystem with ordered data mode. Quota mode: none.',
    'e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx',
    'usb 1-{b}: new high-speed USB device number {c} using xhci_hcd',
    'TCP: request_sock_TCP: Possible SYN flooding on port {c}. Sending cookies.  Check SNMP counters.',
    'nf_conntrack: nf_conntrack: table full, dropping packet',
    'systemd-journald[{c}]: Data hash table of /var/log/journal/system.journal has a fill level at 75.0 ({c} of {a} items), suggesting rotation.',
    'kauditd_printk_skb: {b} callbacks suppressed',
    'docker0: port {b}(veth{c}) entered forwarding state',
    'perf: interrupt took too long ({c} > {a}), lowering kernel.perf_event_max_sample_rate to {a}',
    'sd {b}:0:0:0: [sdb] {a} 512-byte logical blocks: (1.00 TB/931 GiB)',
]

def noise(t):
    tpl = templates[rnd.randrange(len(templates))]
    return '[%12.6f] %s\n' % (t, tpl.format(a=rnd.randrange(100000, 999999), b=rnd.randrange(1, 64), c=rnd.randrange(100, 99999)))

# one block of ~every_mb MB: noise then one event; repeated (with shifted stamps) to the size
blocks, t = [], 100.0
for ev in events:
    block_lines, n = [], 0
    if every_lines:
        want = max(0, every_lines - ev.count('\n'))
        while len(block_lines) < want:
            l = noise(t); t += 0.000731
            block_lines.append(l)
    else:
        target = int(every_mb * 1024 * 1024)
        while n < target:
            l = noise(t); t += 0.000731
            block_lines.append(l); n += len(l)
    blocks.append(''.join(block_lines) + ev)

STAMP = re.compile(r'^(\[ *\d+\.\d+\]) ?(.*)$')
HOST = 'node7'
clock = [18 * 3600.0]  # seconds into Dec 2

def wrapped(block):
    """The dmesg block in WRAPPER's form: each record (a stamped line and the indented lines after it) one header."""
    out, rec = [], None
    def head():
        t = int(clock[0]); clock[0] += 0.000731
        return '%02d:%02d:%02d' % (t // 3600 % 24, t // 60 % 60, t % 60)
    def emit():
        if rec is None: return
        stamp, msgs = rec
        if wrapper == 'syslog':
            out.append(f'Dec  2 {head()} {HOST} kernel: {stamp} ' + '#012'.join(msgs) + '\n')
        else:
            h = f'Dec 02 {head()} {HOST} kernel: '
            out.append(h + msgs[0] + '\n')
            out.extend(' ' * len(h) + m + '\n' for m in msgs[1:])
    for l in block.split('\n')[:-1]:
        m = STAMP.match(l)
        if m: emit(); rec = (m.group(1), [m.group(2)])
        else: rec[1].append(l.strip())
    emit()
    return ''.join(out)

# SIZE_MB counts the dmesg form, so that each form holds the same lines and reports (the others are longer)
written = size = 0
with open(out, 'w', encoding='utf-8') as f:
    i = 0
    while written < size_mb * 1024 * 1024:
        b = blocks[i % len(blocks)]
        written += len(b.encode()); i += 1
        if wrapper != 'dmesg': b = wrapped(b)
        f.write(b); size += len(b.encode())
print(f'{out}: {size / 1048576:.0f} MiB, {i} OOM events')
