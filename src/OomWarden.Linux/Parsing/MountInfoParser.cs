using System.Text;

namespace OomWarden.Linux.Parsing;

/// <summary>/proc/self/mountinfo → the cgroup mounts → <see cref="CgroupLayout"/>.</summary>
/// <remarks>Line: "id parent major:minor root mount-point options [optional fields...] - fstype source super-options".
/// Paths escape space, tab, newline and backslash as \040 \011 \012 \134.</remarks>
public static class MountInfoParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out CgroupLayout layout)
    {
        var mounts = new List<CgroupMount>();
        bool anyLine = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            if (line.IsEmpty) continue;
            if (!TryParseLine(line, out var mount))
            {
                layout = new CgroupLayout([]);
                return false;
            }
            anyLine = true;
            if (mount is not null) mounts.Add(mount);
        }

        layout = new CgroupLayout(mounts);
        return anyLine;
    }

    /// <summary>Parses one line; <paramref name="mount"/> is null for a valid line that is not a cgroup mount.</summary>
    public static bool TryParseLine(ReadOnlySpan<byte> line, out CgroupMount? mount)
    {
        mount = null;
        var rest = line;
        for (int i = 0; i < 3; i++)
            if (SpanText.NextField(ref rest).IsEmpty) return false;
        var root = SpanText.NextField(ref rest);
        var mountPoint = SpanText.NextField(ref rest);
        if (SpanText.NextField(ref rest).IsEmpty) return false; // mount options
        while (true)
        {
            var optional = SpanText.NextField(ref rest);
            if (optional.IsEmpty) return false;
            if (optional.SequenceEqual("-"u8)) break;
        }
        var fsType = SpanText.NextField(ref rest);
        SpanText.NextField(ref rest); // source
        var superOptions = SpanText.NextField(ref rest);
        if (fsType.IsEmpty) return false;

        CgroupVersion version;
        if (fsType.SequenceEqual("cgroup2"u8)) version = CgroupVersion.V2;
        else if (fsType.SequenceEqual("cgroup"u8)) version = CgroupVersion.V1;
        else return true;

        mount = new CgroupMount(Unescape(mountPoint), Unescape(root), version, Encoding.UTF8.GetString(superOptions));
        return true;
    }

    /// <summary>Decodes the kernel's octal escapes (\040 → ' ') and the bytes as UTF-8.</summary>
    public static string Unescape(ReadOnlySpan<byte> field)
    {
        if (field.IndexOf((byte)'\\') < 0) return Encoding.UTF8.GetString(field);
        var bytes = new byte[field.Length];
        int n = 0;
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                bytes[n++] = (byte)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0'));
                i += 3;
            }
            else
            {
                bytes[n++] = field[i];
            }
        }
        return Encoding.UTF8.GetString(bytes, 0, n);
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
