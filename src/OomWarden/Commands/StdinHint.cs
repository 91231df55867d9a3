using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace OomWarden.Commands;

/// <summary>`oomwarden analyze` without a FILE on a terminal: it says once, on stderr, what it waits for and how to
/// end, then reads the terminal with plain read(2). .NET's console stream reads a terminal in its own raw mode (no
/// echo, no line editing, Ctrl-D a byte 0x04 instead of the end), so what was typed was not shown and nothing but
/// Ctrl-C ended the verb.</summary>
public static partial class StdinHint
{
    public const string Text = "oomwarden analyze: reading a kernel log from standard input (a terminal); end with Ctrl-D, or give a FILE";

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsATty(int fd);

    /// <summary>Whether <paramref name="stdin"/> is the process's stdin and that is a terminal.</summary>
    public static bool IsTerminal(TextReader stdin) => ReferenceEquals(stdin, Console.In) && OperatingSystem.IsLinux() && IsATty(0) == 1;

    /// <summary>The hint for <paramref name="stdin"/>, or null when it is not the process's stdin on a terminal.</summary>
    public static string? For(TextReader stdin) => For(IsTerminal(stdin));

    /// <summary>The decision alone: the hint when stdin is a terminal.</summary>
    public static string? For(bool stdinIsTerminal) => stdinIsTerminal ? Text : null;

    /// <summary>Descriptor 0 as a stream of plain read(2)s, in the terminal's own mode (echo, Ctrl-D); not closed
    /// with the stream.</summary>
    public static Stream OpenTerminal() => new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
}
