#!/usr/bin/env python3
"""Where the NativeAOT binary goes: an ILC map file tabulated by owner (assembly, or assembly:namespace).

  mapsize.py MAP.xml [DEPTH] [ROWS]

MAP.xml comes from a build with the map switched on (not committed as on; it does not change the binary):
  dotnet publish src/OomWarden/OomWarden.csproj -c Release -o /tmp/ow-map -p:DebugType=none -p:DebugSymbols=false \
      -p:IlcGenerateMapFile=true
  -> src/OomWarden/obj/Release/net10.0/linux-x64/native/oomwarden.map.xml
DEPTH 0 groups by assembly, N by assembly and N more namespace parts. A node belongs to the most specific
non-CoreLib assembly its mangled name mentions: List<RegexNode> is Regex's, not CoreLib's. Columns, KiB:
code (method bodies, unboxing stubs: __managedcode), types (MethodTables, generic dictionaries, statics,
interface maps: what ends up in .hydrated, written at start and resident for good), other (GC info, EH info,
read-only data; the "?" row holds the unattributed blobs: frozen objects such as string literals, metadata).
docs/DESIGN.md, "Idle footprint", has the figures.
"""
import re, sys, collections, html
path = sys.argv[1]
depth = int(sys.argv[2]) if len(sys.argv) > 2 else 0   # 0: assembly; N: + N namespace parts
ASM = ["S_P_CoreLib", "S_P_TypeLoader", "S_P_Reflection_Execution", "S_P_StackTraceMetadata",
       "System_Text_RegularExpressions", "System_Text_Json", "System_Text_Encodings_Web", "System_Linq",
       "System_Collections_Concurrent", "System_Collections_Immutable", "System_Collections", "System_Memory",
       "System_Private_Uri", "System_Console", "System_IO_Compression", "System_Net_Primitives", "System_Net_Sockets",
       "System_Runtime_InteropServices", "System_Threading", "System_ComponentModel_Primitives",
       "System_Diagnostics_Process", "System_Diagnostics_DiagnosticSource", "System_IO_Pipes", "System_Net_NameResolution",
       "S_P_Uri", "System_Security_Cryptography", "System_IO_Pipelines",
       "Tomlyn", "Tmds_DBus_Protocol", "OomWarden_Core", "OomWarden_Linux", "OomWarden_KernelLog", "oomwarden", "oomwardend"]
CODE = {"MethodCode", "UnboxingStub", "ReadyToRunHelper"}
HYD = {"ConstructedEEType", "EEType", "MethodGenericDictionary", "TypeGenericDictionary", "GenericComposition",
       "InterfaceDispatchMap", "SealedVTable", "ReflectionVisibleGenericDefinitionEEType", "GCStaticEEType",
       "WritableData", "GCStatics", "NonGCStatics", "GCStaticsPreInitData", "FatFunctionPointer"}
tok = re.compile(r"[A-Za-z0-9_]+")
def owner(name):
    # the most specific non-CoreLib assembly mentioned anywhere in the name (a generic over a Regex type is Regex's)
    found = []
    for m in tok.finditer(name):
        t = m.group(0)
        t = re.sub(r"^_ZTV\d+", "", t); t = re.sub(r"^__writableData", "", t); t = re.sub(r"^Boxed_", "", t)
        t = re.sub(r"^__GCStaticBase_|^__NonGCStaticBase_|^__GCStaticEEType_", "", t)
        for a in ASM:
            if t.startswith(a + "_") or t == a:
                rest = t[len(a)+1:]
                key = a
                if depth:
                    parts = [p for p in rest.split("_") if p]
                    # mangled: Asm_Namespace_Part_Type: take depth parts after the assembly's own namespace prefix
                    key = a + ":" + "_".join(parts[:depth + len(a.split('_'))]) if not a.startswith("S_P") else a + ":" + "_".join(parts[:depth+1])
                found.append((a, key)); break
    if not found: return "?"
    for a, k in found:
        if not a.startswith("S_P"): return k
    return found[0][1]
tab = collections.defaultdict(lambda: [0, 0, 0])
tot = [0, 0, 0]
for line in open(path):
    m = re.match(r'\s*<(\w+) Name="([^"]*)" Length="(\d+)"', line)
    if not m: continue
    kind, name, n = m.group(1), html.unescape(m.group(2)), int(m.group(3))
    if kind == "DehydratedData": continue   # the compressed form of the types column: counted once
    col = 0 if kind in CODE else 1 if kind in HYD else 2
    o = owner(name)
    tab[o][col] += n; tot[col] += n
print(f"{'owner':70} {'code KiB':>9} {'types KiB':>9} {'other KiB':>9}")
for o, v in sorted(tab.items(), key=lambda kv: -sum(kv[1]))[:int(sys.argv[3]) if len(sys.argv) > 3 else 40]:
    print(f"{o[:70]:70} {v[0]/1024:9.1f} {v[1]/1024:9.1f} {v[2]/1024:9.1f}")
print(f"{'total':70} {tot[0]/1024:9.1f} {tot[1]/1024:9.1f} {tot[2]/1024:9.1f}")
