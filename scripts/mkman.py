#!/usr/bin/env python3
"""Renders man pages from the project's markdown, so the docs and the pages never disagree.

  oomwarden(8)       from docs/man/oomwarden.8.md
  oomwarden.toml(5)  from docs/CONFIG.md followed by docs/POLICY.md (the configuration and the rule language)

Usage: scripts/mkman.py OUTDIR [VERSION]. Writes OUTDIR/oomwarden.8 and OUTDIR/oomwarden.toml.5.
Handles the markdown the docs use: headings, paragraphs, lists, tables (tbl), fenced code, `code`, **bold**,
*emphasis* and [links](target). No dependency beyond Python 3."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATE = "2026-12-01"


def escape(text):
    """Roff-escapes plain text (no font changes)."""
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    return text


def inline(text):
    """Markdown inline markup to roff font escapes."""
    out = []
    pos = 0
    pattern = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|(?<![\w*])\*([^*\s][^*]*)\*(?!\w)|\[([^\]]+)\]\(([^)]+)\)")
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + escape(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + inline_plain(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fI" + inline_plain(m.group(3)) + "\\fR")
        else:
            label, target = m.group(4), m.group(5)
            rendered = inline_plain(label)
            if target.startswith("http"):
                rendered += " <" + escape(target) + ">"
            out.append(rendered)
        pos = m.end()
    out.append(escape(text[pos:]))
    line = "".join(out)
    # A line starting with . or ' would be read as a request.
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def inline_plain(text):
    return escape(text.replace("`", ""))


def table(rows):
    """A markdown table (header, separator, rows) as a tbl block; long cells wrap (T{ T})."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    header, body = cells[0], cells[2:]
    n = len(header)
    # Short columns keep their natural width; the last one (the explanation) takes the rest and wraps.
    wide = [max(len(r[k]) if k < len(r) else 0 for r in body) > 30 for k in range(n)]
    out = [".PP", ".TS", "allbox tab(\t);", " ".join(["lb"] * n), " ".join(["lx" if (k == n - 1 or wide[k]) else "l" for k in range(n)]) + "."]
    out.append("\t".join(inline(h) for h in header))
    for row in body:
        row = (row + [""] * n)[:n]
        out.append("\t".join(("T{\n" + inline(c) + "\nT}") if (k == n - 1 or wide[k]) else inline(c) for k, c in enumerate(row)))
    out.append(".TE")
    return out


def render(markdown, skip_title=True):
    """Markdown text to roff lines (without .TH)."""
    lines = markdown.split("\n")
    out = []
    i = 0
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.append(inline(" ".join(p.strip() for p in para)))
            para.clear()

    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            flush()
            i += 1
            out.append(".PP")
            out.append(".RS 4")
            out.append(".nf")
            while i < len(lines) and not lines[i].startswith("```"):
                code = escape(lines[i])
                out.append("\\&" + code if code else "")
                i += 1
            out.append(".fi")
            out.append(".RE")
            i += 1
            continue
        m = re.match(r"^(#{1,4}) (.*)$", line)
        if m:
            flush()
            level, title = len(m.group(1)), m.group(2)
            if level == 1:
                if not skip_title:
                    out.append(".SH " + inline(title.upper()))
            elif level == 2:
                out.append(".SH " + inline(title.upper()))
            else:
                out.append(".SS " + inline(title))
            i += 1
            continue
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|\s*$", lines[i + 1]):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            out.extend(table(rows))
            continue
        m = re.match(r"^(\s*)([-*]|\d+\.) (.*)$", line)
        if m:
            flush()
            bullet = "\\(bu" if m.group(2) in "-*" else m.group(2)
            item = [m.group(3)]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() and not re.match(r"^\s*([-*]|\d+\.) ", lines[i]):
                item.append(lines[i].strip())
                i += 1
            out.append(".IP " + bullet + " 4")
            out.append(inline(" ".join(item)))
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        para.append(line)
        i += 1
    flush()
    return out


def page(name, section, title, sections, version):
    head = [
        '.\\" Generated by scripts/mkman.py from the markdown named below; edit that, not this file.',
        f'.TH {name.upper()} {section} "{DATE}" "oomwarden {version}" "{title}"',
    ]
    return "\n".join(head + sections) + "\n"


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    outdir = sys.argv[1]
    version = sys.argv[2] if len(sys.argv) > 2 else "0.1.0"
    os.makedirs(outdir, exist_ok=True)

    eight = render(read("docs/man/oomwarden.8.md"))
    with open(os.path.join(outdir, "oomwarden.8"), "w", encoding="utf-8") as f:
        f.write(page("oomwarden", 8, "System Administration", eight, version))

    five = [".SH NAME", "oomwarden.toml \\- configuration and policy of oomwarden(8)",
            ".SH SYNOPSIS", "\\fI/etc/oomwarden/oomwarden.toml\\fR",
            ".SH DESCRIPTION"]
    five += render(read("docs/CONFIG.md"))
    five += [".SH POLICY"]
    policy = render(read("docs/POLICY.md"))
    five += [l.replace(".SH ", ".SS ", 1) if l.startswith(".SH ") else l for l in policy]
    five += [".SH SEE ALSO", "\\fBoomwarden\\fR(8)"]
    with open(os.path.join(outdir, "oomwarden.toml.5"), "w", encoding="utf-8") as f:
        f.write(page("oomwarden.toml", 5, "File Formats", five, version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
