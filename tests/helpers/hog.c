/*
 * hog: a memory hog for oomwarden's integration tests.
 *
 *   hog -s MIB [-r MIB_PER_S] [-t HOLD_S] [-a OOM_SCORE_ADJ] [-I] [-F] [-L LIFETIME_S]
 *
 * Touches MIB MiB of anonymous memory in 1 MiB steps at -r MiB/s (0 = as fast as it can), then holds
 * for -t seconds (default: until its lifetime ends). -a writes /proc/self/oom_score_adj first. -I ignores
 * SIGTERM (tests SIGKILL escalation). -F forks a sleeping child every 20 ms while it runs (tests that a
 * cgroup kill leaves nothing behind). It always exits by itself after -L seconds (default 120, max 600).
 * Lines on stdout, written with write(2): READY pid=N, HOLD mib=N, SIGTERM.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/prctl.h>

static volatile sig_atomic_t ignore_term;

static void say(const char *s) { ssize_t r = write(1, s, strlen(s)); (void)r; }

static void on_term(int sig)
{
    (void)sig;
    say("SIGTERM\n");
    if (!ignore_term) { signal(SIGTERM, SIG_DFL); raise(SIGTERM); }
}

static long g_lifetime = 120;

/* A forked child sleeps until its own lifetime ends (or a kill): it outlives its parent on purpose. */
static void child(void)
{
    alarm((unsigned)g_lifetime);
    for (;;) pause();
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    long mib = 0, rate = 0, hold = -1, lifetime = 120;
    int adj_set = 0, adj = 0, forker = 0, opt;
    while ((opt = getopt(argc, argv, "s:r:t:a:IFL:")) != -1) {
        switch (opt) {
        case 's': mib = atol(optarg); break;
        case 'r': rate = atol(optarg); break;
        case 't': hold = atol(optarg); break;
        case 'a': adj = atoi(optarg); adj_set = 1; break;
        case 'I': ignore_term = 1; break;
        case 'F': forker = 1; break;
        case 'L': lifetime = atol(optarg); break;
        default:
            fprintf(stderr, "usage: %s -s MIB [-r MIB/s] [-t HOLD_S] [-a ADJ] [-I] [-F] [-L LIFETIME_S]\n", argv[0]);
            return 2;
        }
    }
    if (lifetime <= 0 || lifetime > 600) lifetime = 600;
    g_lifetime = lifetime;
    alarm((unsigned)lifetime);
    signal(SIGTERM, on_term);
    signal(SIGCHLD, SIG_IGN);
    if (adj_set) {
        int fd = open("/proc/self/oom_score_adj", O_WRONLY);
        char b[16];
        int n = snprintf(b, sizeof b, "%d", adj);
        if (fd < 0 || write(fd, b, (size_t)n) != n) { perror("oom_score_adj"); return 1; }
        close(fd);
    }
    char line[64];
    snprintf(line, sizeof line, "READY pid=%d\n", getpid());
    say(line);

    double start = now_s(), last_fork = 0;
    for (long done = 0; done < mib; done++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { say("MMAP_FAILED\n"); break; }
        for (long i = 0; i < (1 << 20); i += 4096) p[i] = (char)(i + done);
        if (forker && now_s() - last_fork > 0.02) {
            last_fork = now_s();
            if (fork() == 0) child();
        }
        if (rate > 0) {
            double due = start + (double)(done + 1) / (double)rate, t = now_s();
            if (due > t) usleep((useconds_t)((due - t) * 1e6));
        }
    }
    snprintf(line, sizeof line, "HOLD mib=%ld\n", mib);
    say(line);
    double until = hold >= 0 ? now_s() + (double)hold : 1e18;
    while (now_s() < until) {
        if (forker && fork() == 0) child();
        usleep(forker ? 20000 : 100000);
    }
    return 0;
}
