/*
 * forkn: many small processes in one go, for oomwarden's tests of long cgroup.procs files.
 *
 *   forkn -n COUNT [-f FORK_EVERY_MS] [-L LIFETIME_S]
 *
 * Forks COUNT children (COUNT + 1 processes in all, the parent included), then prints "READY n=COUNT" and waits.
 * Each child sleeps in pause(); with -f it also forks a short-lived grandchild every FORK_EVERY_MS (each child
 * starting at a random phase), so the cgroup keeps gaining new pids while it is being killed. Every process ends
 * by itself after -L seconds (default 120, max 600). Children are not tied to the parent's death: a killer must
 * find each of them on its own.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s) { ssize_t r = write(1, s, strlen(s)); (void)r; }

static void child(long fork_every_ms, long lifetime, unsigned seed)
{
    alarm((unsigned)lifetime); /* alarms are not inherited across fork(2) */
    if (fork_every_ms <= 0) for (;;) pause();
    srand(seed);
    usleep((useconds_t)(rand() % (fork_every_ms * 1000)));
    for (;;) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        usleep((useconds_t)(fork_every_ms * 1000));
    }
}

int main(int argc, char **argv)
{
    long count = 0, fork_every_ms = 0, lifetime = 120;
    int opt;
    while ((opt = getopt(argc, argv, "n:f:L:")) != -1) {
        switch (opt) {
        case 'n': count = atol(optarg); break;
        case 'f': fork_every_ms = atol(optarg); break;
        case 'L': lifetime = atol(optarg); break;
        default:
            fprintf(stderr, "usage: %s -n COUNT [-f FORK_EVERY_MS] [-L LIFETIME_S]\n", argv[0]);
            return 2;
        }
    }
    if (lifetime <= 0 || lifetime > 600) lifetime = 600;
    signal(SIGCHLD, SIG_IGN); /* grandchildren and children are reaped by the kernel */
    alarm((unsigned)lifetime); /* each child sets its own: nothing outlives the lifetime */
    for (long i = 0; i < count; i++) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); return 1; }
        if (p == 0) child(fork_every_ms, lifetime, (unsigned)(getpid() * 2654435761u));
    }
    char line[64];
    snprintf(line, sizeof line, "READY n=%ld\n", count);
    say(line);
    for (;;) pause();
}
