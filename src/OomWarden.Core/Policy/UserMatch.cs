namespace OomWarden.Core.Policy;

/// <summary>A user named in a rule: a login name, or a numeric uid.</summary>
public readonly record struct UserMatch(string? Name, int Uid)
{
    public static UserMatch ForName(string name) => new(name, -1);

    public static UserMatch ForUid(int uid) => new(null, uid);

    /// <summary>"1000" is a uid, anything else a name.</summary>
    public static UserMatch Parse(string text) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int uid)
            ? ForUid(uid)
            : ForName(text);

    public bool IsMatch(int uid, string? userName) =>
        Name is null ? uid >= 0 && uid == Uid : userName is not null && string.Equals(Name, userName, StringComparison.Ordinal);

    public override string ToString() => Name ?? Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
