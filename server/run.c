/* run.c: `profviz run`: run a Python program under cProfile, keep its
 * profile whatever way it ends, then serve the profile like `profviz FILE`.
 *
 * The program is a child running a small bootstrap (below) with `python3 -c`:
 * it inherits our stdin, stdout and stderr, and its arguments are its own.
 * The bootstrap reports how the program ended on a pipe (one word per line),
 * so that a raised exception, sys.exit(N) and Ctrl-C are told apart from
 * each other and from a Python that died without writing the profile.
 *
 * Signals while the program runs: a Ctrl-C at the terminal reaches the whole
 * foreground process group, so the program gets its KeyboardInterrupt
 * directly; a SIGINT or SIGTERM sent to profviz alone (kill, timeout) is
 * passed on to it. A second SIGINT before the program has ended kills it and
 * quits. The two globals below are the only state the handler touches.
 */
#define _GNU_SOURCE /* pipe2 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

static volatile sig_atomic_t run_child;      /* the program's pid while it runs */
static volatile sig_atomic_t run_interrupts; /* SIGINTs received while it runs */

/* The bootstrap: argv is OUT FD MODE TARGET ARGS... (MODE "script" or
 * "module"). It runs the target as `python3 script.py` or `python3 -m`
 * would (sys.argv, sys.path[0], __main__), profiles it, writes OUT (through
 * OUT.part, renamed) and reports on FD: "notrun" (python printed why) or
 * "started", then "profile" or "noprofile", then "exit N", "exception NAME"
 * or "interrupt". It exits as the program would have: with its status, with
 * status 1 after printing the traceback, or by SIGINT. From the moment the
 * program stops until its profile is written, SIGINT is ignored: a second
 * one (a group's Ctrl-C that profviz also passes on, or an impatient user)
 * cannot cut the traceback or the profile short. */
static const char bootstrap[] =
    "import sys\n"
    "def _profviz_run(out, fd, mode, target, args):\n"
    "    import os, cProfile, signal\n"
    "    os.set_inheritable(fd, False)\n"
    "    report = os.fdopen(fd, \"w\")\n"
    "    def tell(line):\n"
    "        try:\n"
    "            report.write(line + \"\\n\")\n"
    "            report.flush()\n"
    "        except OSError:\n"
    "            pass\n"
    "    code = None\n"
    "    if mode == \"script\":\n"
    "        try:\n"
    "            with open(target, \"rb\") as f:\n"
    "                code = compile(f.read(), target, \"exec\")\n"
    "        except OSError as e:\n"
    "            sys.stderr.write(\"%s: can't open file %r: [Errno %d] %s\\n\"\n"
    "                             % (sys.executable, target, e.errno, e.strerror))\n"
    "            tell(\"notrun\")\n"
    "            return 2\n"
    "        except (SyntaxError, ValueError) as e:\n"
    "            sys.excepthook(type(e), e, None)\n"
    "            tell(\"notrun\")\n"
    "            return 1\n"
    "        import types\n"
    "        main = types.ModuleType(\"__main__\")\n"
    "        main.__file__ = target\n"
    "        main.__cached__ = None\n"
    "        import builtins\n"
    "        main.__builtins__ = builtins\n"
    "        sys.modules[\"__main__\"] = main\n"
    "        sys.argv[:] = [target] + args\n"
    "        sys.path[0] = os.path.dirname(os.path.realpath(target))\n"
    "        where = main.__dict__\n"
    "    else:\n"
    "        import importlib.util, runpy\n"
    "        try:\n"
    "            found = importlib.util.find_spec(target) is not None\n"
    "        except Exception:\n"
    "            found = False\n"
    "        if not found:\n"
    "            sys.stderr.write(\"%s: No module named %s\\n\" % (sys.executable, target))\n"
    "            tell(\"notrun\")\n"
    "            return 1\n"
    "        sys.argv[:] = [target] + args\n"
    "        sys.path[0] = os.getcwd()\n"
    "    profiler = cProfile.Profile()\n"
    "    failure = None\n"
    "    tell(\"started\")\n"
    "    previous = signal.getsignal(signal.SIGINT)\n"
    "    try:\n"
    "        profiler.enable()\n"
    "        try:\n"
    "            if code is not None:\n"
    "                exec(code, where)\n"
    "            else:\n"
    "                runpy.run_module(target, run_name=\"__main__\", alter_sys=True)\n"
    "        finally:\n"
    "            profiler.disable()\n"
    "            signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "    except SystemExit as e:\n"
    "        failure = e\n"
    "    except BaseException as e:\n"
    "        failure = e.with_traceback(e.__traceback__.tb_next)\n"
    "        sys.excepthook(type(e), e, e.__traceback__)\n"
    "    try:\n"
    "        profiler.dump_stats(out + \".part\")\n"
    "        os.replace(out + \".part\", out)\n"
    "        tell(\"profile\")\n"
    "    except Exception as e:\n"
    "        sys.stderr.write(\"profviz: could not write the profile %s: %s\\n\" % (out, e))\n"
    "        tell(\"noprofile\")\n"
    "    signal.signal(signal.SIGINT, previous)\n"
    "    if failure is None:\n"
    "        tell(\"exit 0\")\n"
    "        return 0\n"
    "    if isinstance(failure, SystemExit):\n"
    "        c = failure.code\n"
    "        tell(\"exit %d\" % (0 if c is None else c & 255 if isinstance(c, int) else 1))\n"
    "        raise SystemExit(c)\n"
    "    if isinstance(failure, KeyboardInterrupt):\n"
    "        tell(\"interrupt\")\n"
    "        sys.excepthook = lambda *a: None\n"
    "        raise failure\n"
    "    tell(\"exception \" + type(failure).__qualname__)\n"
    "    return 1\n"
    "argv = sys.argv\n"
    "sys.exit(_profviz_run(argv[1], int(argv[2]), argv[3], argv[4], argv[5:]))\n";

void pv_run_usage(FILE *stream)
{
    fputs("usage: profviz run [options] [--] script.py [args...]\n"
          "       profviz run [options] -m module [args...]\n"
          "\n"
          "Runs the program under cProfile with $PROFVIZ_PYTHON, else python3 from PATH\n"
          "(an active virtualenv's), writes the profile even when the program raises,\n"
          "exits with a status or is stopped with Ctrl-C, and serves it as\n"
          "`profviz FILE` does. A second Ctrl-C while the program runs quits.\n"
          "Exits with the program's status.\n"
          "\n"
          "options:\n"
          "  -o, --output FILE   where to write the profile (default\n"
          "                      ./<script>-<YYYYmmdd-HHMMSS>.prof)\n"
          "      --no-serve      only write the profile\n"
          "  -m MODULE           run a module, as python3 -m MODULE\n"
          "  -H, -p, -s, --web-root, --token ...  as for `profviz FILE`\n",
          stream);
}

static int run_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "profviz: MESSAGE" on stderr and returns the exit status 2. */
static int run_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("profviz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

typedef struct run_options {
    const char *output; /* -o, or NULL for the default name */
    bool no_serve;      /* --no-serve */
    bool module;        /* -m: target is a module name */
    const char *target; /* the script or module */
    char **args;        /* the program's arguments after target */
    int nargs;
    const char **serve; /* "profviz", the serving options, "--", FILE, NULL */
    int nserve;
} run_options;

/* The serving options that take a value in the next word (unless given as
 * -p8080 or --port=8080); others are flags. run_run.py checks this list
 * against `profviz --help`. */
static bool takes_value(const char *a)
{
    static const char *const with_value[] = {
        "-H",           "--host",           "-p",           "--port",
        "--web-root",   "--token",          "--token-file", "--embed-origin",
        "--allow-host", "--header-timeout", "--cache-mb",   "--max-upload-mb"};
    for (size_t i = 0; i < sizeof with_value / sizeof *with_value; i++)
        if (strcmp(a, with_value[i]) == 0) return true;
    return false;
}

/* Parses argv (argv[0] is "run") into opts; opts->serve is a new array the
 * caller frees, with two free slots before its end for "--" and the file.
 * Returns 0, or 2 after printing the error. */
static int parse_run_options(int argc, char **argv, run_options *opts)
{
    opts->serve = calloc((size_t)argc + 4, sizeof *opts->serve);
    if (!opts->serve) return run_error("out of memory");
    opts->serve[opts->nserve++] = "profviz";
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') break;
        if (strcmp(a, "-m") == 0) {
            if (i + 1 >= argc) return run_error("-m needs a module name (see profviz run --help)");
            opts->module = true;
            opts->target = argv[++i];
            i++;
            goto program;
        } else if (strncmp(a, "-m", 2) == 0 && a[1] != '-') {
            opts->module = true;
            opts->target = a + 2;
            i++;
            goto program;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc || !*argv[i + 1])
                return run_error("%s needs a file name (see profviz run --help)", a);
            opts->output = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0 || (strncmp(a, "-o", 2) == 0 && a[2])) {
            opts->output = a[1] == 'o' ? a + 2 : a + 9;
            if (!*opts->output) return run_error("--output needs a file name");
        } else if (strcmp(a, "--no-serve") == 0) {
            opts->no_serve = true;
        } else if (strcmp(a, "--dir") == 0 || strncmp(a, "--dir=", 6) == 0 ||
                   strcmp(a, "--merge") == 0) {
            return run_error("profviz run serves the one profile it writes: %s does not apply", a);
        } else {
            opts->serve[opts->nserve++] = a;
            if (takes_value(a) && i + 1 < argc) opts->serve[opts->nserve++] = argv[++i];
        }
    }
    if (i >= argc) return run_error("no program given (usage: profviz run [options] script.py)");
    opts->target = argv[i++];
program:
    if (!*opts->target) return run_error("the program's name is empty");
    opts->args = argv + i;
    opts->nargs = argc - i;
    return 0;
}

/* The default profile name: ./<script's base name without .py, or the
 * module>-<YYYYmmdd-HHMMSS>.prof, with -2, -3, ... when that file exists.
 * Returns a new string, or NULL when out of memory. */
static char *default_output(const run_options *opts)
{
    const char *base = opts->target;
    size_t len = strlen(base);
    if (!opts->module) {
        while (len > 1 && base[len - 1] == '/')
            len--;
        const char *slash = base;
        for (size_t k = 0; k < len; k++)
            if (base[k] == '/') slash = base + k + 1;
        len -= (size_t)(slash - base);
        base = slash;
        if (len > 3 && strncmp(base + len - 3, ".py", 3) == 0) len -= 3;
    }
    if (len == 0 || (len == 1 && base[0] == '.')) base = "profile", len = 7;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    size_t cap = len + strlen(stamp) + 32;
    char *name = malloc(cap);
    if (!name) return NULL;
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(name, cap, "./%.*s-%s.prof", (int)len, base, stamp);
        else
            snprintf(name, cap, "./%.*s-%s-%d.prof", (int)len, base, stamp, n);
        struct stat st;
        if (lstat(name, &st) != 0) break;
    }
    return name;
}

/* The output as an absolute path (the program may chdir), after checking
 * that its folder can be written. Returns a new string, or NULL after
 * printing why. */
static char *absolute_output(const char *output)
{
    char *copy = strdup(output);
    if (!copy) return NULL;
    char *slash = strrchr(copy, '/');
    const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
    if (slash && slash != copy) *slash = '\0';
    char real[PATH_MAX];
    char *abs = NULL;
    if (!realpath(dir, real)) {
        run_error("cannot write the profile to %s: %s", output, strerror(errno));
    } else if (access(real, W_OK) != 0) {
        run_error("cannot write the profile to %s: the folder %s is not writable", output, real);
    } else {
        const char *file = slash ? slash + 1 : copy;
        size_t cap = strlen(real) + strlen(file) + 2;
        abs = malloc(cap);
        if (abs) snprintf(abs, cap, "%s/%s", strcmp(real, "/") == 0 ? "" : real, file);
    }
    free(copy);
    return abs;
}

static void on_run_signal(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    pid_t child = (pid_t)run_child;
    if (sig == SIGINT) run_interrupts++;
    if (child <= 0) return;
    if (sig == SIGINT && run_interrupts >= 2) {
        kill(child, SIGKILL);
        return;
    }
    /* A terminal's Ctrl-C (SI_KERNEL) reached the program already. */
    if (info->si_code <= 0 && info->si_pid != child) kill(child, sig);
}

/* Starts python with the bootstrap; report_fd is the pipe's write end the
 * child keeps. Returns the pid, or -1 after printing why. */
static pid_t start_python(const char *python, const char *out, int report_fd,
                          const run_options *opts)
{
    size_t n = 0, cap = (size_t)opts->nargs + 8;
    const char **words = calloc(cap, sizeof *words);
    char fd_text[16];
    if (!words) {
        run_error("out of memory");
        return -1;
    }
    snprintf(fd_text, sizeof fd_text, "%d", report_fd);
    words[n++] = python;
    words[n++] = "-c";
    words[n++] = bootstrap;
    words[n++] = out;
    words[n++] = fd_text;
    words[n++] = opts->module ? "module" : "script";
    words[n++] = opts->target;
    for (int k = 0; k < opts->nargs; k++)
        words[n++] = opts->args[k];
    words[n] = NULL;

    posix_spawnattr_t attr;
    pid_t pid = -1;
    int rc = posix_spawnattr_init(&attr);
    if (rc == 0) {
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGTERM);
        sigaddset(&defaults, SIGPIPE);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        rc = posix_spawnp(&pid, python, NULL, &attr, (char *const *)words, environ);
        posix_spawnattr_destroy(&attr);
    }
    free(words);
    if (rc != 0) {
        if (rc == ENOENT)
            run_error("%s not found%s (set PROFVIZ_PYTHON to the Python to use)", python,
                      strchr(python, '/') ? "" : " on PATH");
        else
            run_error("cannot start %s: %s", python, strerror(rc));
        return -1;
    }
    return pid;
}

/* What the bootstrap said, from the pipe's contents. */
typedef struct run_outcome {
    bool started, said_notrun, profile;
    bool said_exit, said_exception, said_interrupt;
    int exit_code;
    char exception[128];
} run_outcome;

static void read_outcome(int fd, run_outcome *o)
{
    char buf[1024];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof buf - 1 && (got = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)got;
    buf[len] = '\0';
    for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strcmp(line, "started") == 0) {
            o->started = true;
        } else if (strcmp(line, "notrun") == 0) {
            o->said_notrun = true;
        } else if (strcmp(line, "profile") == 0) {
            o->profile = true;
        } else if (strncmp(line, "exit ", 5) == 0) {
            o->said_exit = true;
            o->exit_code = atoi(line + 5);
        } else if (strncmp(line, "exception ", 10) == 0) {
            o->said_exception = true;
            snprintf(o->exception, sizeof o->exception, "%s", line + 10);
        } else if (strcmp(line, "interrupt") == 0) {
            o->said_interrupt = true;
        }
    }
}

/* Runs the program and waits for it, passing signals on as the file comment
 * says. Fills *wstatus and *outcome. Returns 0, or 2 after printing why the
 * program could not be run. */
static int run_program(const char *python, const char *out, const run_options *opts, int *wstatus,
                       run_outcome *outcome)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return run_error("pipe: %s", strerror(errno));
    /* The write end goes to the child; the read end never blocks once the
     * child is gone (a grandchild may still hold the write end). */
    fcntl(fds[1], F_SETFD, 0);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = on_run_signal;
    sa.sa_flags = SA_SIGINFO;
    run_interrupts = 0;
    run_child = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    pid_t pid = start_python(python, out, fds[1], opts);
    close(fds[1]);
    int status = 2;
    if (pid > 0) {
        run_child = pid;
        while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR)
            continue;
        run_child = 0;
        read_outcome(fds[0], outcome);
        status = 0;
    }
    close(fds[0]);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return status;
}

/* Says how the program ended and returns its exit status (128+N for a
 * signal). */
static int report_end(const char *name, int wstatus, const run_outcome *o)
{
    int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (o->said_interrupt)
        fprintf(stderr, "profviz: %s was interrupted (Ctrl-C)%s\n", name,
                o->profile ? "; the profile holds what ran until then" : "");
    else if (o->said_exception)
        fprintf(stderr, "profviz: %s raised %s (exit status %d)\n", name, o->exception, code);
    else if (o->said_exit && WIFEXITED(wstatus))
        fprintf(stderr, "profviz: %s %s with status %d\n", name, code == 0 ? "finished" : "exited",
                code);
    else if (WIFSIGNALED(wstatus))
        fprintf(stderr, "profviz: %s was killed by signal %d (%s)\n", name, WTERMSIG(wstatus),
                strsignal(WTERMSIG(wstatus)));
    else
        fprintf(stderr, "profviz: %s exited with status %d\n", name, code);
    return code;
}

int pv_run_main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        pv_run_usage(stdout);
        return 0;
    }
    run_options opts;
    memset(&opts, 0, sizeof opts);
    char *output = NULL, *absolute = NULL, *name = NULL;
    int status = parse_run_options(argc, argv, &opts);
    if (status) goto done;
    status = 2;
    output = opts.output ? strdup(opts.output) : default_output(&opts);
    if (!output) {
        run_error("out of memory");
        goto done;
    }
    /* The serving options are checked now, not after a long run. */
    opts.serve[opts.nserve] = "--";
    opts.serve[opts.nserve + 1] = output;
    if (!opts.no_serve && pv_serve_check(opts.nserve + 2, (char **)opts.serve) != 0) goto done;
    absolute = absolute_output(output);
    if (!absolute) goto done;
    size_t name_cap = strlen(opts.target) + 4;
    name = malloc(name_cap);
    if (!name) goto done;
    snprintf(name, name_cap, "%s%s", opts.module ? "-m " : "", opts.target);

    const char *python = getenv("PROFVIZ_PYTHON");
    if (!python || !*python) python = "python3";
    int wstatus = 0;
    run_outcome outcome;
    memset(&outcome, 0, sizeof outcome);
    if (run_program(python, absolute, &opts, &wstatus, &outcome) != 0) goto done;
    if (run_interrupts >= 2) {
        fprintf(stderr, "profviz: stopped by a second Ctrl-C before %s ended; no profile\n", name);
        status = 130;
        goto done;
    }
    if (!outcome.started) { /* python said why (no such file, syntax error), or it is no Python */
        status = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) ? WEXITSTATUS(wstatus) : 2;
        if (!outcome.said_notrun)
            run_error("%s did not run the program (is it Python 3? set PROFVIZ_PYTHON)", python);
        goto done;
    }
    status = report_end(name, wstatus, &outcome);
    if (!outcome.profile) {
        fprintf(stderr, "profviz: no profile was written%s\n",
                outcome.said_exit || outcome.said_exception || outcome.said_interrupt
                    ? ""
                    : " (the program ended without Python's shutdown: os._exit or a signal)");
        if (status == 0) status = 2;
        goto done;
    }
    fprintf(stderr, "profviz: profile written to %s\n", output);
    if (opts.no_serve) goto done;
    fflush(stdout);
    int served = pv_serve_main(opts.nserve + 2, (char **)opts.serve);
    if (served != 0) status = served;

done:
    free(name);
    free(absolute);
    free(output);
    free(opts.serve);
    return status;
}
