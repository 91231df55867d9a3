#!/usr/bin/env python3
"""Which code the resident pages of a running daemon's text hold: every resident page of the executable's
text mapping (/proc/PID/pagemap, bit 63) mapped to the symbols on it, aggregated by namespace and class.

  text-pages.py PID [--binary UNSTRIPPED] [--hot src/OomWarden/hot-methods.txt] [--top 25] [--json FILE]

PID runs the daemon (oomwardend). --binary is an unstripped build of the very same code (default: the process's
own executable, which must then have its symbol table):
  dotnet publish src/OomWarden/OomWarden.csproj -c Release -o /tmp/text-bin --nologo -v quiet \\
      -p:DebugType=none -p:DebugSymbols=false -p:StripSymbols=false -p:OomWardenDaemon=true
(the same flags as `make build`'s daemon publish, symbols kept: the code and its layout are the same as the
stripped binary's). Prints, in KiB:
  * the text mapping by part: the PLT, the runtime's native code (.text: the GC, the unwinder, start-up),
    the managed code (__managedcode) split into the hot pack (from the first to the last method of the
    --hot list that ILC honoured, the span `IlcOrderFile` packs together) and the rest, the unboxing stubs;
  * the method order: how many names of the list the binary has, whether they lie in the list's order, how
    many bytes of the pack hold methods that are not in the list, where the list's methods sit outside it;
  * with --ran (bench/footprint/hotmethods.py's --report of the same binary), resident pages by the first phase
    a method on them ran in: steady idle, the crossing, the start-up trim's window, start-up only, none (a
    fault-around or read-ahead neighbour: only the native code has no counts, it is "nothing that ran");
  * resident pages by what they hold: at least one method of the list, managed code with none of it
    (fault-around and read-ahead neighbours, or hot methods the list misses), native code;
  * the resident bytes by owner (assembly:namespace), then by class (type), each resident page's 4 KiB shared
    out among the symbols on it by their bytes; "hot" is the part of it in methods of the list. A generic
    instantiation belongs to its generic type's owner (List<T> over our types is CoreLib's).
Needs root (pagemap of another process) and nm, readelf.
"""
import argparse
import json
import os
import re
import struct
import subprocess
import sys
from collections import defaultdict

PAGE = 4096

ASSEMBLIES = ["S_P_CoreLib", "S_P_TypeLoader", "S_P_Reflection_Execution", "S_P_StackTraceMetadata", "S_P_Uri",
              "System_Text_Json", "System_Text_Encodings_Web", "System_Linq", "System_Collections_Concurrent",
              "System_Collections_Immutable", "System_Collections", "System_Memory", "System_Console",
              "System_Net_Primitives", "System_Net_Sockets", "System_Runtime_InteropServices", "System_Threading",
              "System_ComponentModel_Primitives", "System_Diagnostics_DiagnosticSource", "System_IO_Pipelines",
              "System_Net_NameResolution", "System_Security_Cryptography", "System_Runtime",
              "Tomlyn", "Tmds_DBus_Protocol", "OomWarden_Core", "OomWarden_Linux", "OomWarden_KernelLog",
              "oomwardend", "oomwarden"]
# Namespace parts kept after the assembly in the owner column (the assembly's own namespace prefix not counted).
OWN_PREFIX = {"OomWarden_Core": "OomWarden_Core_", "OomWarden_Linux": "OomWarden_Linux_",
              "OomWarden_KernelLog": "OomWarden_KernelLog_", "oomwardend": "OomWarden_", "oomwarden": "OomWarden_",
              "Tomlyn": "Tomlyn_", "Tmds_DBus_Protocol": "Tmds_DBus_Protocol_"}
STUB_PREFIXES = ("<Boxed>", "unbox_", "__GenericDict_", "__GVMLookup_")


def text_mapping(pid, exe):
    for line in open(f"/proc/{pid}/maps"):
        f = line.split()
        if len(f) >= 6 and f[5] == exe and "x" in f[1]:
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            return lo, hi, int(f[2], 16)
    sys.exit(f"text-pages: no executable mapping of {exe} in {pid}")


def resident(pid, lo, hi):
    n = (hi - lo) // PAGE
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(lo // PAGE * 8)
        data = f.read(n * 8)
    return [bool(struct.unpack_from("<Q", data, i * 8)[0] >> 63) for i in range(n)]


def sections(binary):
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    secs = {}
    for line in out.splitlines():
        if "]" not in line:
            continue
        f = line.split("]", 1)[1].split()
        if len(f) >= 5:
            try:
                secs[f[0]] = (int(f[2], 16), int(f[3], 16), int(f[4], 16))  # addr, offset, size
            except ValueError:
                pass
    return secs


def symbols(binary, lo_off, hi_off, secs):
    """[(file offset, end, name)] of the sized functions in the text segment, sorted."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    # vaddr -> file offset through the section holding it (the text segment's sections: vaddr - offset is constant)
    text_secs = [(a, o, s) for a, o, s in secs.values() if lo_off <= o < hi_off and s]
    syms = []
    for line in out.splitlines():
        f = line.split(None, 3)
        if len(f) != 4 or f[2] not in "tTwW":
            continue
        addr, size = int(f[0], 16), int(f[1], 16)
        if size == 0:
            continue
        for a, o, s in text_secs:
            if a <= addr < a + s:
                syms.append((addr - a + o, addr - a + o + size, f[3]))
                break
    if not syms:
        sys.exit("text-pages: no sized symbols in the text: is the binary stripped? (--binary UNSTRIPPED)")
    syms.sort()
    # ICF folds identical bodies: one address, several names. Keep one span per address (names joined for hot checks).
    merged = []
    for s in syms:
        if merged and merged[-1][0] == s[0]:
            merged[-1][2].append(s[2])
            merged[-1][1] = max(merged[-1][1], s[1])
        else:
            merged.append([s[0], s[1], [s[2]]])
    return merged


def top_level_split(name):
    """'Type__Method' at bracket depth 0 -> (type, method); generic arguments stay with the type."""
    depth = 0
    i = 0
    while i < len(name) - 1:
        c = name[i]
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif depth == 0 and c == "_" and name[i + 1] == "_" and i > 0:
            return name[:i], name[i + 2:]
        i += 1
    return name, ""


def managed_owner(name):
    """(owner 'assembly:namespace', class) of a mangled managed symbol."""
    for p in STUB_PREFIXES:
        if name.startswith(p):
            name = name[len(p):]
    typ, _ = top_level_split(name)
    base = typ.split("<", 1)[0]
    for a in ASSEMBLIES:
        if base.startswith(a + "_"):
            rest = base[len(a) + 1:]
            own = OWN_PREFIX.get(a)
            if own and rest.startswith(own):
                rest = rest[len(own):]
            parts = rest.split("_")
            # the namespace: the parts before the type's name; a generic arity (`List_1`) and nested types
            # (`Dictionary_2_Entry`) cut it where the first number is; else the last part is the type
            digits = [i for i, part in enumerate(parts) if part.isdigit()]
            ns = parts[:digits[0] - 1] if digits else parts[:-1]
            ns = [part for part in ns if part][:1 if own else 3]
            return f"{a}:{'.'.join(ns)}" if ns else a, typ
    return "?", typ


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pid", type=int)
    ap.add_argument("--binary", default=None)
    ap.add_argument("--hot", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../src/OomWarden/hot-methods.txt"))
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--json", default=None)
    ap.add_argument("--ran", default=None, help="bench/footprint/hotmethods.py --report TSV of the same binary: "
                    "resident pages by the phase their methods ran in")
    a = ap.parse_args()
    ran = {}
    if a.ran:
        for line in open(a.ran):
            f = line.rstrip("\n").split("\t")
            if len(f) >= 3:
                ran[f[2]] = f[0]
    exe = os.readlink(f"/proc/{a.pid}/exe")
    binary = a.binary or exe
    lo, hi, off = text_mapping(a.pid, exe)
    res = resident(a.pid, lo, hi)
    secs = sections(binary)
    syms = symbols(binary, off, off + (hi - lo), secs)
    demangle_all([n for sym in syms for n in sym[2]])
    mc = secs.get("__managedcode")
    nat = secs.get(".text")
    if not mc:
        sys.exit("text-pages: no __managedcode section: not a NativeAOT binary?")
    mc_lo, mc_hi = mc[1], mc[1] + mc[2]
    nat_lo, nat_hi = (nat[1], nat[1] + nat[2]) if nat else (0, 0)

    # The order file, with the daemon's assembly name (the build rewrites oomwarden_ to oomwardend_ the same way).
    hot_list = []
    if a.hot and os.path.exists(a.hot):
        daemon = os.path.basename(exe).startswith("oomwardend")
        for line in open(a.hot):
            n = line.strip()
            if n:
                hot_list.append(re.sub(r"(^|[^A-Za-z0-9_])oomwarden_", r"\1oomwardend_", n) if daemon else n)
    hot_rank = {}
    for i, n in enumerate(hot_list):
        hot_rank.setdefault(n, i)

    def is_hot(names):
        return any(n in hot_rank for n in names)

    # --- the method order
    placed = [(s[0], s[1], min(hot_rank[n] for n in s[2] if n in hot_rank)) for s in syms
              if mc_lo <= s[0] < mc_hi and is_hot(s[2])]
    found = len({n for s in syms for n in s[2] if n in hot_rank})
    pack_lo = min((p[0] for p in placed), default=mc_lo)
    pack_hi = max((p[1] for p in placed), default=mc_lo)
    # the longest run in list order from the start of __managedcode: ILC lays the ordered methods out first
    inversions = sum(1 for x, y in zip(placed, placed[1:]) if y[2] < x[2])
    cold_in_pack = sum(min(s[1], pack_hi) - max(s[0], pack_lo) for s in syms
                       if s[0] < pack_hi and s[1] > pack_lo and mc_lo <= s[0] < mc_hi and not is_hot(s[2]))
    hot_bytes = sum(p[1] - p[0] for p in placed)

    # --- pages
    pages = defaultdict(list)   # page file offset -> [(bytes on the page, sym)]
    for s in syms:
        first = s[0] // PAGE * PAGE
        for pg in range(first, s[1], PAGE):
            b = min(s[1], pg + PAGE) - max(s[0], pg)
            if b > 0:
                pages[pg].append((b, s))
    n_pages = len(res)
    part_kib = defaultdict(lambda: [0, 0])  # part -> [size, resident]
    kinds = defaultdict(int)
    owners = defaultdict(lambda: [0.0, 0.0, set(), set()])   # KiB resident, of it hot, methods, hot methods
    classes = defaultdict(lambda: [0.0, 0.0, set(), set()])
    for i in range(n_pages):
        pg = off + i * PAGE
        if pg < nat_lo:
            part = "PLT, init"
        elif pg < nat_hi:
            part = "native runtime (.text)"
        elif pg < mc_lo:
            part = "native runtime (.text)"
        elif pg < pack_hi and pg + PAGE > pack_lo:
            part = "managed: hot pack (ordered)"
        elif pg < mc_hi:
            part = "managed: the rest"
        else:
            part = "unboxing stubs, fini"
        part_kib[part][0] += 4
        if not res[i]:
            continue
        part_kib[part][1] += 4
        on = pages.get(pg, [])
        managed = [(b, s) for b, s in on if mc_lo <= s[0] < mc_hi or s[0] >= mc_hi]
        if any(is_hot(s[2]) for b, s in managed):
            kinds["holds a method of the list"] += 1
        elif managed:
            kinds["managed, no method of the list"] += 1
        elif on:
            kinds["native runtime code"] += 1
        else:
            kinds["no symbol (padding, PLT)"] += 1
        total = sum(b for b, _ in on) or 1
        for b, s in on:
            share = 4.0 * b / total
            name = s[2][0]
            if nat_lo <= s[0] < nat_hi or s[0] < nat_lo:
                owner, cls = "native runtime", native_class(name)
            else:
                owner, cls = managed_owner(name)
            hot = is_hot(s[2])
            for table, key in ((owners, owner), (classes, cls)):
                row = table[key]
                row[0] += share
                row[2].add(s[0])
                if hot:
                    row[1] += share
                    row[3].add(s[0])

    res_kib = sum(res) * 4
    print(f"text-pages: pid {a.pid}, {exe}; text mapping {n_pages * 4} KiB, resident {res_kib} KiB "
          f"({sum(res)} pages); symbols from {binary}")
    print("\n  part of the text                    size KiB  resident KiB")
    for part in ("PLT, init", "native runtime (.text)", "managed: hot pack (ordered)", "managed: the rest", "unboxing stubs, fini"):
        if part in part_kib:
            print(f"  {part:35} {part_kib[part][0]:8} {part_kib[part][1]:13}")
    print(f"\n  method order ({os.path.relpath(a.hot) if a.hot else '-'}): {len(hot_list)} names, {found} in the binary; "
          f"{len(placed)} bodies ({hot_bytes // 1024} KiB) at offsets {pack_lo:#x}-{pack_hi:#x} "
          f"({(pack_hi - pack_lo) // 1024} KiB span, {cold_in_pack // 1024} KiB of it not in the list); "
          f"{inversions} out of list order")
    if ran:
        order = ("idle", "crossing", "window", "startup")
        by_phase = defaultdict(int)
        for i in range(n_pages):
            if not res[i]:
                continue
            on = pages.get(off + i * PAGE, [])
            phases = {ran[n] for _, s in on for n in s[2] if n in ran}
            by_phase[next((p for p in order if p in phases), "nothing that ran" if on else "no symbol")] += 1
        print(f"\n  resident pages by the first phase a method on them ran in ({a.ran}; managed code only)")
        for k in order + ("nothing that ran", "no symbol"):
            if by_phase.get(k):
                print(f"  {k:35} {by_phase[k]:5} {by_phase[k] * 4:5}")
    print("\n  resident pages by what they hold    pages   KiB")
    for k in ("holds a method of the list", "managed, no method of the list", "native runtime code", "no symbol (padding, PLT)"):
        if kinds.get(k):
            print(f"  {k:35} {kinds[k]:5} {kinds[k] * 4:5}")

    def table(title, rows, width):
        print(f"\n  {title:{width}} resident KiB  of it hot  methods (hot)")
        for key, v in sorted(rows.items(), key=lambda kv: -kv[1][0])[:a.top]:
            print(f"  {key[:width]:{width}} {v[0]:12.1f} {v[1]:10.1f}  {len(v[2]):5} ({len(v[3])})")
        rest = sorted(rows.items(), key=lambda kv: -kv[1][0])[a.top:]
        if rest:
            print(f"  {'(' + str(len(rest)) + ' more)':{width}} {sum(v[0] for _, v in rest):12.1f} {sum(v[1] for _, v in rest):10.1f}")

    table("owner (assembly:namespace)", owners, 52)
    table("class", classes, 90)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"resident_kib": res_kib, "parts": part_kib, "pages": kinds,
                       "owners": {k: [round(v[0], 1), round(v[1], 1), len(v[2]), len(v[3])] for k, v in owners.items()},
                       "classes": {k: [round(v[0], 1), round(v[1], 1), len(v[2]), len(v[3])] for k, v in classes.items()}}, f)


_demangled = {}


def native_class(name):
    """The runtime's C++ class (or file-level function name) of a native symbol."""
    if name not in _demangled:
        _demangled[name] = name
    dem = _demangled[name]
    if dem.startswith("_Z"):
        return "native: " + dem[:40]
    return "native: " + dem.split("(")[0].rsplit("::", 1)[0]


def demangle_all(names):
    todo = [n for n in names if n.startswith("_Z") and n not in _demangled]
    if not todo:
        return
    out = subprocess.run(["c++filt"], input="\n".join(todo), capture_output=True, text=True).stdout.splitlines()
    for n, d in zip(todo, out):
        _demangled[n] = d


if __name__ == "__main__":
    main()
