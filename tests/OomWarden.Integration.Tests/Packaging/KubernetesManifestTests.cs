using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Packaging;

/// <summary>deploy/kubernetes/oomwarden.yaml: schema-valid (kubernetes-models, from npm, through
/// scripts/validate-k8s.sh), and the fields issue 12 asks for are there by name. No cluster runs here.</summary>
public sealed class KubernetesManifestTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(5);
    private static string Manifest => Path.Combine(Repo.Root, "deploy", "kubernetes", "oomwarden.yaml");

    /// <summary>The YAML documents as JSON, through PyYAML (python3-yaml).</summary>
    private static List<JsonElement> Documents()
    {
        var r = Sh.Run("python3", ["-c", "import json,sys,yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d]))", Manifest], Slow);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray().ToList();
    }

    private static JsonElement Kind(string kind) => Documents().Single(d => d.GetProperty("kind").GetString() == kind);

    [Fact]
    public void The_manifests_are_schema_valid_and_a_broken_one_is_not()
    {
        var good = Sh.Run(Path.Combine(Repo.Root, "scripts", "validate-k8s.sh"), [Manifest], Slow);
        Assert.True(good.ExitCode == 0, good.Stdout + good.Stderr);
        Assert.Contains("3 valid, 0 invalid", good.Stdout);

        string broken = Path.Combine(Path.GetTempPath(), $"oomwarden-k8s-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(broken, File.ReadAllText(Manifest).Replace("hostPID: true", "hostPID: \"yes\"", StringComparison.Ordinal));
        try
        {
            var bad = Sh.Run(Path.Combine(Repo.Root, "scripts", "validate-k8s.sh"), [broken], Slow);
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("hostPID must be boolean", bad.Stdout);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void The_daemonset_has_host_pid_the_host_mounts_its_priority_resources_and_metrics_annotation()
    {
        var ds = Kind("DaemonSet");
        var template = ds.GetProperty("spec").GetProperty("template");
        var pod = template.GetProperty("spec");
        Assert.True(pod.GetProperty("hostPID").GetBoolean());
        Assert.Equal("system-node-critical", pod.GetProperty("priorityClassName").GetString());
        Assert.Equal("9874", template.GetProperty("metadata").GetProperty("annotations").GetProperty("prometheus.io/port").GetString());

        var hostPaths = pod.GetProperty("volumes").EnumerateArray()
            .Where(v => v.TryGetProperty("hostPath", out _))
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("hostPath").GetProperty("path").GetString());
        Assert.Contains("/proc", hostPaths.Values);
        Assert.Contains("/sys/fs/cgroup", hostPaths.Values);

        var container = pod.GetProperty("containers").EnumerateArray().Single();
        var mounts = container.GetProperty("volumeMounts").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("mountPath").GetString());
        Assert.Equal("/sys/fs/cgroup", mounts[hostPaths.Single(h => h.Value == "/sys/fs/cgroup").Key]);
        string procMount = mounts[hostPaths.Single(h => h.Value == "/proc").Key]!;
        var args = container.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal(procMount, args[args.IndexOf("--proc-root") + 1]);
        Assert.Equal("/etc/oomwarden/oomwarden.toml", args[args.IndexOf("--config") + 1]);

        var resources = container.GetProperty("resources");
        Assert.True(resources.GetProperty("requests").TryGetProperty("memory", out _));
        Assert.True(resources.GetProperty("limits").TryGetProperty("memory", out _));
        Assert.Equal(9874, container.GetProperty("ports").EnumerateArray().Single().GetProperty("containerPort").GetInt32());
    }

    [Fact]
    public void The_configmap_policy_uses_the_kubernetes_preset_and_check_config_accepts_it()
    {
        Repo.RequireBinary();
        string toml = Kind("ConfigMap").GetProperty("data").GetProperty("oomwarden.toml").GetString()!;
        Assert.Contains("preset = \"kubernetes\"", toml);
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-k8s-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, toml);
        try
        {
            var r = Sh.Run(Repo.Binary, ["check-config", path], Slow);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("preset = \"kubernetes\"", r.Stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
