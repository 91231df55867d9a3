/* C reference for `oomwarden bench poll`: the same work as the daemon's MeminfoReader + PressureReader.
 * Both files are opened once; each poll preads them from offset 0 until pread returns 0 into a fixed buffer and
 * parses them:
 * /proc/meminfo line by line (key up to ':', the number, kB -> bytes, the same ten keys the daemon keeps),
 * /proc/pressure/memory's "some" and "full" lines (avg10, avg60, avg300 as doubles, total as an integer).
 * Prints the same line as the C# side: "poll ns_per_op=... min_ns=... max_ns=... alloc_bytes_per_op=0 ...".
 *
 *   cc -O2 -o poll poll.c && ./poll [--iterations N] [--batches N] [--proc-root DIR]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct meminfo { long long total, free, available, buffers, cached, swap_total, swap_free, shmem, dirty, writeback; };
struct psi_line { double avg10, avg60, avg300; long long total; };
struct psi { struct psi_line some, full; int has_full; };

static char membuf[8192], psibuf[256];

/* As the daemon does: pread from offset 0 until it returns 0 (a short read is not the end of a kernel file). */
static ssize_t read_whole(int fd, char *buf, size_t size)
{
    size_t total = 0;
    for (;;) {
        ssize_t n;
        if (total == size - 1) break;
        do n = pread(fd, buf + total, size - 1 - total, (off_t)total); while (n < 0 && errno == EINTR);
        if (n < 0) return n;
        if (n == 0) break;
        total += (size_t)n;
    }
    buf[total] = '\0';
    return (ssize_t)total;
}

#define KEY(lit) (klen == sizeof(lit) - 1 && memcmp(p, lit, klen) == 0)

static int parse_meminfo(char *p, struct meminfo *m)
{
    memset(m, 0, sizeof *m);
    m->total = m->free = m->available = -1;
    while (*p) {
        char *eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            size_t klen = (size_t)(colon + 1 - p);
            char *end;
            long long v = strtoll(colon + 1, &end, 10);
            if (end != colon + 1) {
                while (*end == ' ') end++;
                if (end[0] == 'k' && end[1] == 'B') v *= 1024;
                if (KEY("MemTotal:")) m->total = v;
                else if (KEY("MemFree:")) m->free = v;
                else if (KEY("MemAvailable:")) m->available = v;
                else if (KEY("Buffers:")) m->buffers = v;
                else if (KEY("Cached:")) m->cached = v;
                else if (KEY("SwapTotal:")) m->swap_total = v;
                else if (KEY("SwapFree:")) m->swap_free = v;
                else if (KEY("Shmem:")) m->shmem = v;
                else if (KEY("Dirty:")) m->dirty = v;
                else if (KEY("Writeback:")) m->writeback = v;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    if (m->total < 0 || m->free < 0) return 0;
    if (m->available < 0) m->available = m->free + m->buffers + m->cached;
    return 1;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=0" */
static int parse_psi_line(char *p, struct psi_line *l)
{
    int seen = 0;
    char *end;
    while (*p == ' ') p++;
    while (*p && *p != '\n') {
        char *eq = strchr(p, '=');
        if (!eq) return 0;
        size_t klen = (size_t)(eq - p);
        if (KEY("total")) { l->total = strtoll(eq + 1, &end, 10); seen |= 8; }
        else {
            double d = strtod(eq + 1, &end);
            if (KEY("avg10")) { l->avg10 = d; seen |= 1; }
            else if (KEY("avg60")) { l->avg60 = d; seen |= 2; }
            else if (KEY("avg300")) { l->avg300 = d; seen |= 4; }
        }
        if (end == eq + 1) return 0;
        p = end;
        while (*p == ' ') p++;
    }
    return seen == 15;
}

static int parse_psi(char *p, struct psi *s)
{
    int has_some = 0;
    memset(s, 0, sizeof *s);
    while (*p) {
        char *eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        if (strncmp(p, "some ", 5) == 0) { if (!parse_psi_line(p + 5, &s->some)) break; has_some = 1; }
        else if (strncmp(p, "full ", 5) == 0) { if (!parse_psi_line(p + 5, &s->full)) break; s->has_full = 1; }
        p = *eol ? eol + 1 : eol;
    }
    return has_some;
}

static int memfd = -1, psifd = -1, ok = 1;
static long long sink;

static void one_poll(void)
{
    struct meminfo m = {0};
    struct psi s = {0};
    ok &= read_whole(memfd, membuf, sizeof membuf) > 0 && parse_meminfo(membuf, &m);
    sink += m.available + m.swap_free;
    if (psifd >= 0) {
        ok &= read_whole(psifd, psibuf, sizeof psibuf) > 0 && parse_psi(psibuf, &s);
        sink += (long long)(s.some.avg10 * 100) + (long long)(s.full.avg10 * 100);
    }
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int iterations = 2000, batches = 9;
    const char *root = "/proc";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--iterations") && i + 1 < argc) iterations = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batches") && i + 1 < argc) batches = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--proc-root") && i + 1 < argc) root = argv[++i];
        else { fprintf(stderr, "usage: %s [--iterations N] [--batches N] [--proc-root DIR]\n", argv[0]); return 64; }
    }
    if (iterations <= 0 || batches <= 0 || batches > 1000) { fprintf(stderr, "poll: bad --iterations/--batches\n"); return 64; }
    char path[4096];
    snprintf(path, sizeof path, "%s/meminfo", root);
    if ((memfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) { perror(path); return 71; }
    snprintf(path, sizeof path, "%s/pressure/memory", root);
    if ((psifd = open(path, O_RDONLY | O_CLOEXEC)) < 0) fprintf(stderr, "poll: %s: %s; timing meminfo alone\n", path, strerror(errno));

    int warm = iterations / 10 > 100 ? iterations / 10 : 100;
    for (int i = 0; i < warm; i++) one_poll();
    double per[1000];
    for (int b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (int i = 0; i < iterations; i++) one_poll();
        per[b] = (now_ns() - t0) / iterations;
    }
    if (!ok) { fprintf(stderr, "poll: a read or parse failed\n"); return 71; }
    qsort(per, (size_t)batches, sizeof per[0], cmp);
    printf("poll ns_per_op=%.1f min_ns=%.1f max_ns=%.1f alloc_bytes_per_op=0 iterations=%d batches=%d sink=%lld\n",
           per[batches / 2], per[0], per[batches - 1], iterations, batches, sink & 0xff);
    return 0;
}
