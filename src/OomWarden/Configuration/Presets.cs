using System.Text;
using OomWarden.Core.Policy;
using Tomlyn.Parsing;

namespace OomWarden.Configuration;

/// <summary>The built-in rule sets. They are TOML, compiled by the same code as a config file's rules, and
/// printed verbatim in docs/POLICY.md; <c>check-config</c> shows them with their origin "preset:NAME:LINE".</summary>
public static class Presets
{
    public static readonly string[] Names = ["none", "desktop", "server", "kubernetes"];

    private static ReadOnlySpan<byte> Desktop => """
        # desktop: keep the system's session daemons; the session, the compositor and audio go last; prefer background
        # apps and build jobs. Protection is by cgroup path and by root's own binaries (exe and user = 0), never by comm.
        # The session runs as the user, who can run any binary with code of their own (LD_PRELOAD, a private mount
        # namespace): it is kept by priority, not protected, so a forged one cannot push kills onto other users.
        [[rule]]
        name = "session-daemons"
        exe = ["/usr/lib/systemd/systemd-logind", "/lib/systemd/systemd-logind", "/usr/lib/xorg/Xorg", "/usr/bin/Xorg", "/usr/sbin/gdm3", "/usr/sbin/gdm", "/usr/bin/sddm", "/usr/sbin/lightdm"]
        user = 0
        protect = true

        [[rule]]
        name = "system-services"
        cgroup = ["/init.scope", "/system.slice/systemd-logind.service", "/system.slice/dbus.service", "/system.slice/dbus-broker.service", "/system.slice/display-manager.service", "/system.slice/gdm.service", "/system.slice/sddm.service", "/system.slice/lightdm.service"]
        protect = true

        [[rule]]
        name = "session"
        exe = ["/usr/bin/gnome-shell", "/usr/libexec/gnome-session-binary", "/usr/lib/gnome-session/gnome-session-binary", "/usr/bin/kwin_wayland", "/usr/bin/kwin_x11", "/usr/bin/plasmashell", "/usr/bin/ksmserver", "/usr/lib/xorg/Xorg", "/usr/bin/Xwayland", "/usr/bin/sway", "/usr/bin/Hyprland", "/usr/bin/weston", "/usr/bin/dbus-daemon", "/usr/bin/dbus-broker", "/usr/bin/pipewire", "/usr/bin/pipewire-pulse", "/usr/bin/wireplumber", "/usr/bin/pulseaudio"]
        priority = 1000

        [[rule]]
        name = "user-managers"
        cgroup = "/user.slice/user-*.slice/user@*.service/init.scope"
        priority = 1000

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
        """u8;

    private static ReadOnlySpan<byte> Server => """
        # server: keep sshd, journald, the init system and the core daemons; everything else by priority, then footprint.
        # Protection is by cgroup path (system units: only root creates them) and by root's own binaries (exe and
        # user = 0), never by comm: any process can name itself "sshd".
        [[rule]]
        name = "init"
        cgroup = "/init.scope"
        protect = true

        [[rule]]
        name = "ssh"
        cgroup = ["/system.slice/ssh.service", "/system.slice/sshd.service"]
        protect = true

        [[rule]]
        name = "sshd"
        exe = ["/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/libexec/openssh/sshd-session", "/usr/libexec/sshd-session"]
        user = 0
        protect = true

        [[rule]]
        name = "journald"
        cgroup = "/system.slice/systemd-journald.service"
        protect = true

        [[rule]]
        name = "system-daemons"
        exe = ["/usr/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-logind", "/usr/lib/systemd/systemd-udevd", "/usr/bin/udevadm", "/lib/systemd/systemd-journald", "/lib/systemd/systemd-logind", "/lib/systemd/systemd-udevd"]
        user = 0
        protect = true

        [[rule]]
        name = "core-services"
        cgroup = ["/system.slice/systemd-logind.service", "/system.slice/systemd-udevd.service", "/system.slice/dbus.service", "/system.slice/dbus-broker.service", "/system.slice/oomwarden.service"]
        protect = true
        """u8;

    private static ReadOnlySpan<byte> Kubernetes => """
        # kubernetes: pod QoS from the cgroup path (BestEffort < Burstable < Guaranteed), system daemons protected.
        # Both cgroup drivers: systemd (/kubepods.slice/kubepods-besteffort.slice/...) and cgroupfs (/kubepods/besteffort/...).
        # Node daemons are root's own binaries outside the pods: a container image can put any file at /usr/bin/kubelet
        # and run it as root, so the exe rule is limited to the cgroups where node daemons live. Never by comm.
        [[rule]]
        name = "node-daemons"
        cgroup = ["/", "/init.scope", "/system.slice/**", "/podruntime.slice/**", "/runtime.slice/**", "/kubelet.slice/**", "/user.slice/**"]
        exe = ["/usr/bin/kubelet", "/usr/local/bin/kubelet", "/usr/bin/containerd", "/usr/local/bin/containerd", "/usr/bin/containerd-shim*", "/usr/local/bin/containerd-shim*", "/usr/bin/dockerd", "/usr/bin/crio", "/usr/local/bin/crio", "/usr/bin/conmon", "/usr/local/bin/conmon", "/usr/libexec/crio/conmon", "/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/libexec/openssh/sshd-session", "/usr/lib/systemd/systemd-journald", "/lib/systemd/systemd-journald"]
        user = 0
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
        """u8;

    /// <summary>The TOML source of a preset ("" for "none"); null for an unknown name. The texts are UTF-8 literals
    /// (read-only data, paged in when read) rather than string literals, which NativeAOT keeps as frozen objects in the
    /// daemon's resident <c>.hydrated</c> (docs/DESIGN.md, "The daemon's .hydrated").</summary>
    public static string? Source(string name) => name switch
    {
        "none" => "",
        "desktop" => Encoding.UTF8.GetString(Desktop),
        "server" => Encoding.UTF8.GetString(Server),
        "kubernetes" => Encoding.UTF8.GetString(Kubernetes),
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
