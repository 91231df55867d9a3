namespace OomWarden.Configuration;

/// <summary>One problem in a config file. Line and column are 1-based; 0 when the error is about the whole file.
/// A warning does not reject the file (e.g. a kill level above the term level on this machine's MemTotal).</summary>
public sealed record ConfigError(string Path, int Line, int Column, string Message, bool IsWarning = false)
{
    /// <summary>"FILE:LINE:COL: message" ("FILE:LINE:COL: warning: message"), the form compilers use so editors can
    /// jump to it.</summary>
    public override string ToString()
    {
        string message = Core.Model.TextEscape.ForTerminal(IsWarning ? "warning: " + Message : Message);
        // One line, whatever the path holds (a newline or an escape sequence in a file name is shown escaped).
        string path = Core.Model.TextEscape.ForTerminal(Path);
        return Line > 0 ? $"{path}:{Line}:{Column}: {message}" : $"{path}: {message}";
    }
}
