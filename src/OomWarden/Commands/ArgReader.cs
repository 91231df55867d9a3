namespace OomWarden.Commands;

/// <summary>A small, strict option reader: "--name VALUE", "--name=VALUE", flags, positionals.
/// Unknown options are errors, never ignored.</summary>
public sealed class ArgReader
{
    private readonly string[] _args;
    private int _index;

    public ArgReader(string[] args) => _args = args;

    public List<string> Positionals { get; } = [];

    /// <summary>Next option name (with its leading dashes), or null at the end; positionals are collected.</summary>
    public string? NextOption()
    {
        while (_index < _args.Length)
        {
            string a = _args[_index++];
            if (a == "--")
            {
                while (_index < _args.Length) Positionals.Add(_args[_index++]);
                return null;
            }
            if (a.StartsWith('-') && a != "-")
            {
                int eq = a.IndexOf('=');
                if (eq > 0)
                {
                    _pendingValue = a[(eq + 1)..];
                    return a[..eq];
                }
                _pendingValue = null;
                return a;
            }
            Positionals.Add(a);
        }
        return null;
    }

    private string? _pendingValue;

    /// <summary>The value of the option just returned; null (and an error message) when missing.</summary>
    public string? Value(string option, TextWriter err)
    {
        if (_pendingValue is not null)
        {
            string v = _pendingValue;
            _pendingValue = null;
            return v;
        }
        if (_index < _args.Length) return _args[_index++];
        err.WriteLine($"oomwarden: option {option} needs a value");
        return null;
    }
}
