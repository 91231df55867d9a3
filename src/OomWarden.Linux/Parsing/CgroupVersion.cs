namespace OomWarden.Linux.Parsing;

/// <summary>Which cgroup hierarchy a controller lives on.</summary>
public enum CgroupVersion
{
    None = 0,
    V1 = 1,
    V2 = 2,
}
