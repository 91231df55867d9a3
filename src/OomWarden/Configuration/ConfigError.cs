namespace OomWarden.Configuration;

/// <summary>One problem in a config file. Line and column are 1-based; 0 when the error is about the whole file.</summary>
public sealed record ConfigError(string Path, int Line, int Column, string Message)
{
    /// <summary>"FILE:LINE:COL: message", the form compilers use so editors can jump to it.</summary>
    public override string ToString() => Line > 0 ? $"{Path}:{Line}:{Column}: {Message}" : $"{Path}: {Message}";
}
