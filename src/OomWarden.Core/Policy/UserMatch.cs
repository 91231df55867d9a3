namespace OomWarden.Core.Policy;

/// <summary>A user named in a rule: a numeric uid, or a login name. The config loader resolves a name to its uid
/// (<see cref="ForResolvedName"/>), so matching is by uid; an unresolved name (<see cref="ForName"/>, Uid -1)
/// compares with the process's user name, when the reader knows it.</summary>
public readonly record struct UserMatch(string? Name, int Uid)
{
    public static UserMatch ForName(string name) => new(name, -1);

    public static UserMatch ForUid(int uid) => new(null, uid);

    /// <summary>A login name and the uid it had when the config was loaded.</summary>
    public static UserMatch ForResolvedName(string name, int uid) => new(name, uid);

    /// <summary>"1000" is a uid, anything else a name.</summary>
    public static UserMatch Parse(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int uid)
            ? ForUid(uid)
            : ForName(text);

    public bool IsMatch(int uid, string? userName) =>
        Uid >= 0 ? uid == Uid : Name is not null && userName is not null && string.Equals(Name, userName, StringComparison.Ordinal);

    /// <summary>"1000", "alice", or "alice(1000)" for a resolved name.</summary>
    public override string ToString() => Name is null
        ? Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Uid >= 0 ? $"{Name}({Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)})" : Name;
}
