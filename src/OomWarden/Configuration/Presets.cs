using OomWarden.Core.Policy;
using Tomlyn.Parsing;

namespace OomWarden.Configuration;

/// <summary>The built-in rule sets. They are TOML, compiled by the same code as a config file's rules, and
/// printed verbatim in docs/POLICY.md; <c>check-config</c> shows them with their origin "preset:NAME:LINE".</summary>
public static class Presets
{
    public static readonly string[] Names = ["none", "desktop", "server", "kubernetes"];

    public const string Desktop = """
        # desktop: keep the session, the compositor and audio; prefer background apps and build jobs.
        [[rule]]
        name = "session"
        comm = ["gnome-shell", "gnome-session*", "kwin_wayland", "kwin_x11", "plasmashell", "ksmserver", "Xorg", "Xwayland", "sway", "Hyprland", "weston", "gdm*", "sddm*", "lightdm", "systemd-logind", "dbus-daemon", "dbus-broker"]
        protect = true

        [[rule]]
        name = "audio"
        comm = ["pipewire", "pipewire-pulse", "wireplumber", "pulseaudio"]
        protect = true

        [[rule]]
        name = "service-managers"
        unit = "init.scope"
        protect = true

        [[rule]]
        name = "session-services"
        unit = ["session.slice", "session-*.scope", "org.gnome.Shell@*.service", "plasma-*.service", "pipewire*.service", "wireplumber.service", "pulseaudio.service", "dbus*.service", "display-manager.service"]
        priority = 100

        [[rule]]
        name = "background"
        unit = "background.slice"
        priority = -100

        [[rule]]
        name = "build-jobs"
        comm = ["cc1", "cc1plus", "cc1obj", "lto1", "rustc", "ld", "ld.lld", "ld.gold", "ld.bfd", "mold", "javac", "cargo", "make", "ninja", "clang*", "gcc", "g++", "c++", "as"]
        priority = -200
        """;

    public const string Server = """
        # server: keep sshd, journald and the init system; everything else by priority, then footprint.
        [[rule]]
        name = "init"
        unit = "init.scope"
        protect = true

        [[rule]]
        name = "ssh"
        unit = ["ssh.service", "sshd.service"]
        protect = true

        [[rule]]
        name = "sshd"
        comm = ["sshd", "sshd-session"]
        protect = true

        [[rule]]
        name = "journald"
        unit = "systemd-journald.service"
        protect = true

        [[rule]]
        name = "system-daemons"
        comm = ["systemd-journal", "systemd-logind", "systemd-udevd", "dbus-daemon", "dbus-broker", "oomwarden"]
        protect = true

        [[rule]]
        name = "core-services"
        unit = ["systemd-logind.service", "systemd-udevd.service", "dbus.service", "dbus-broker.service", "oomwarden.service"]
        protect = true
        """;

    public const string Kubernetes = """
        # kubernetes: pod QoS from the cgroup path (BestEffort < Burstable < Guaranteed), system daemons protected.
        # Both cgroup drivers: systemd (/kubepods.slice/kubepods-besteffort.slice/...) and cgroupfs (/kubepods/besteffort/...).
        [[rule]]
        name = "node-daemons"
        comm = ["kubelet", "containerd", "containerd-shim*", "dockerd", "crio", "conmon", "sshd", "sshd-session", "systemd-journal", "oomwarden"]
        protect = true

        [[rule]]
        name = "system"
        cgroup = ["/init.scope", "/system.slice", "/podruntime.slice", "/runtime.slice", "/kubelet.slice"]
        protect = true

        [[rule]]
        name = "besteffort"
        cgroup = ["/kubepods.slice/kubepods-besteffort.slice", "/kubepods/besteffort"]
        priority = -100

        [[rule]]
        name = "burstable"
        cgroup = ["/kubepods.slice/kubepods-burstable.slice", "/kubepods/burstable"]
        priority = 0

        [[rule]]
        name = "guaranteed"
        cgroup = ["/kubepods.slice/kubepods-pod*.slice", "/kubepods/pod*"]
        priority = 100
        """;

    /// <summary>The TOML source of a preset ("" for "none"); null for an unknown name.</summary>
    public static string? Source(string name) => name switch
    {
        "none" => "",
        "desktop" => Desktop,
        "server" => Server,
        "kubernetes" => Kubernetes,
        _ => null,
    };

    private static readonly Dictionary<string, IReadOnlyList<PolicyRule>> Cache = new(StringComparer.Ordinal);
    private static readonly Lock CacheLock = new();

    /// <summary>The compiled rules of a preset. A preset that fails to compile is a bug (the tests compile them all).</summary>
    public static IReadOnlyList<PolicyRule> Rules(string name)
    {
        lock (CacheLock)
        {
            if (Cache.TryGetValue(name, out var cached)) return cached;
            string source = Source(name) ?? throw new ArgumentException($"unknown preset \"{name}\"", nameof(name));
            var ctx = new BindContext("preset:" + name);
            var rules = new List<PolicyRule>();
            var document = SyntaxParser.Parse(source, "preset:" + name, validate: true);
            if (document.HasErrors)
                throw new InvalidOperationException($"preset {name} does not parse: {document.Diagnostics}");
            int number = 0;
            foreach (var section in TomlSections.Flatten(document))
            {
                if (!section.IsArrayItem) continue;
                number++;
                var rule = RuleCompiler.Compile(section, number, "preset:" + name, name + "/", ctx);
                if (rule is not null) rules.Add(rule);
            }
            if (ctx.Errors.Count > 0)
                throw new InvalidOperationException($"preset {name} does not compile: {string.Join("; ", ctx.Errors)}");
            Cache[name] = rules;
            return rules;
        }
    }
}
