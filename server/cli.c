/* cli.c: `profviz [options] FILE...`: load the profiles, serve them, open a
 * browser, stop cleanly on SIGINT or SIGTERM.
 *
 * The only mutable global of the program lives here: the flag the signal
 * handler sets. Request threads never see the stop signals (they are blocked
 * before the server starts, and the threads inherit that mask); the main
 * thread waits for them in sigsuspend().
 */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "folder.h"
#include "http.h"
#include "registry.h"
#include "source.h"

extern char **environ;

#define DEFAULT_PORT 8080
#define DEFAULT_CACHE_MB 1024
#define DEFAULT_MAX_UPLOAD_MB 200
#define PORT_TRIES 11 /* the port asked for and the following 10 */

static volatile sig_atomic_t stop_requested;
static pthread_t serve_thread; /* the thread that waits in sigsuspend() */

/* Threads started before the stop signals are blocked (an index builder, a
 * content hasher) may still run when one comes, and the kernel may hand it
 * to them: pass it on to the thread in sigsuspend(), which would otherwise
 * sleep on (pthread_kill is async-signal-safe). */
static void wake_serve_thread(int sig)
{
    if (!pthread_equal(pthread_self(), serve_thread)) pthread_kill(serve_thread, sig);
}

static void on_stop_signal(int sig)
{
    stop_requested = sig;
    wake_serve_thread(sig);
}

static void on_child_signal(int sig)
{
    wake_serve_thread(sig); /* only wakes sigsuspend() so that the child is reaped */
}

void pv_cli_usage(FILE *stream)
{
    fputs("usage: profviz [options] FILE...   serve profiles and open them in the browser\n"
          "       profviz --dir DIR [options]  serve every profile in DIR, with uploads\n"
          "       profviz report [--sort KEY] [--limit N] [--json] FILE...\n"
          "       profviz compare [options] BASE NEW   serve both, open their comparison\n"
          "       profviz report --compare BASE NEW [--sort KEY] [--limit N] [--json]\n"
          "       profviz run [options] [--] script.py [args...]   (see profviz run --help)\n"
          "       profviz run [options] -m module [args...]\n"
          "       profviz --help | --version\n"
          "\n"
          "options:\n"
          "  -H, --host ADDR     address to listen on (default 127.0.0.1)\n"
          "  -p, --port N        port (default 8080; when taken, the next free one of the\n"
          "                      following 10; 0 lets the system choose)\n"
          "  -s, --server-only   don't open a browser\n"
          "      --web-root DIR  serve the web UI from DIR instead of the embedded copy\n"
          "      --merge         serve all FILEs merged into one profile\n"
          "      --dir DIR       team mode: serve the profiles in DIR (.prof, .pstats,\n"
          "                      .prof.gz), kept current as files come and go; uploads\n"
          "                      (POST /api/profiles) are stored there\n"
          "      --cache-mb N    memory for parsed profiles and comparisons in team mode\n"
          "                      (default 1024)\n"
          "      --max-upload-mb N  largest upload accepted (default 200)\n"
          "      --token TOKEN   require TOKEN on every request but /api/health, as\n"
          "                      'Authorization: Bearer TOKEN' or a cookie set by opening\n"
          "                      a link with ?token=TOKEN (default: $PROFVIZ_TOKEN); other\n"
          "                      users can read a command line: prefer --token-file\n"
          "      --token-file FILE  read the token from the first line of FILE\n"
          "      --allow-host NAME  also answer requests for NAME (a host name or\n"
          "                      address, optionally with :PORT; repeatable); needed to\n"
          "                      listen on an address other than loopback\n"
          "      --embed-origin ORIGIN  let pages of ORIGIN (e.g. http://localhost:8888,\n"
          "                      a Jupyter notebook) show profviz in a frame; repeatable\n"
          "      --header-timeout S  seconds a connection may take to send a request's\n"
          "                      headers (default 10)\n"
          "\n"
          "FILE is a profile written by cProfile or profile (e.g. python -m cProfile -o\n"
          "out.prof script.py), optionally gzip-compressed.\n",
          stream);
}

static int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "profviz: MESSAGE" on stderr and returns the exit status 2. */
static int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("profviz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

typedef struct serve_options {
    const char *host;
    long port;
    bool server_only;
    bool merge;
    const char *web_root;
    const char *dir;
    long cache_mb;
    long max_upload_mb;
    const char *token;
    char *token_storage; /* read from --token-file */
    long header_timeout;
    const char **allow_hosts;
    size_t nallow_hosts;
    const char **embed_origins;
    size_t nembed_origins;
    const char **files;
    size_t nfiles;
} serve_options;

/* Reads the token from the first line of path into opts. Returns 0, or the
 * exit status 2 after printing the error. */
static int read_token_file(const char *path, serve_options *opts)
{
    FILE *f = fopen(path, "r");
    if (!f) return cli_error("--token-file %s: %s", path, strerror(errno));
    char line[1024];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!got) return cli_error("--token-file %s: the file is empty", path);
    line[strcspn(line, "\r\n")] = '\0';
    free(opts->token_storage);
    opts->token_storage = strdup(line);
    if (!opts->token_storage) return cli_error("out of memory");
    opts->token = opts->token_storage;
    return 0;
}

/* Parses a whole decimal number from min to max. */
static bool parse_count(const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || *v == '-' || *v == '+' || n < min || n > max) return false;
    *out = n;
    return true;
}

/* A token goes into a cookie and a header: printable ASCII without spaces,
 * quotes, commas, semicolons or backslashes. */
static bool valid_token(const char *t)
{
    if (!*t) return false;
    for (; *t; t++)
        if (*t <= ' ' || *t > '~' || *t == '"' || *t == ',' || *t == ';' || *t == '\\')
            return false;
    return true;
}

/* Matches argv[*i] against a short and a long option that takes a value
 * ("-p 80", "-p80", "--port 80", "--port=80"). Returns 1 with *value set
 * (advancing *i past a separate value), 0 when it is another option, -1 when
 * the value is missing. */
static int option_value(int argc, char **argv, int *i, const char *short_name,
                        const char *long_name, const char **value)
{
    const char *a = argv[*i];
    size_t long_len = strlen(long_name);
    const char *inline_value = NULL;
    if (short_name && strncmp(a, short_name, 2) == 0 && a[1] != '-') {
        inline_value = a[2] ? a + 2 : NULL;
    } else if (strncmp(a, long_name, long_len) == 0 &&
               (a[long_len] == '\0' || a[long_len] == '=')) {
        inline_value = a[long_len] == '=' ? a + long_len + 1 : NULL;
    } else {
        return 0;
    }
    if (inline_value) {
        *value = inline_value;
        return 1;
    }
    if (*i + 1 >= argc) return -1;
    *value = argv[++*i];
    return 1;
}

/* Parses the command line into opts (opts->files is a new array the caller
 * frees). Returns 0, or the exit status 2 after printing the error. */
static int parse_options(int argc, char **argv, serve_options *opts)
{
    opts->host = "127.0.0.1";
    opts->port = DEFAULT_PORT;
    opts->cache_mb = DEFAULT_CACHE_MB;
    opts->max_upload_mb = DEFAULT_MAX_UPLOAD_MB;
    opts->token = getenv("PROFVIZ_TOKEN");
    size_t slots = (size_t)(argc > 0 ? argc : 1);
    opts->files = calloc(slots, sizeof *opts->files);
    opts->allow_hosts = calloc(slots, sizeof *opts->allow_hosts);
    opts->embed_origins = calloc(slots, sizeof *opts->embed_origins);
    if (!opts->files || !opts->allow_hosts || !opts->embed_origins)
        return cli_error("out of memory");
    const char *token_arg = NULL, *token_file = NULL;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        int got;
        if (options_done || a[0] != '-' || a[1] == '\0') {
            opts->files[opts->nfiles++] = a;
        } else if (strcmp(a, "--") == 0) {
            options_done = true;
        } else if (strcmp(a, "-s") == 0 || strcmp(a, "--server-only") == 0) {
            opts->server_only = true;
        } else if (strcmp(a, "--merge") == 0) {
            opts->merge = true;
        } else if ((got = option_value(argc, argv, &i, "-H", "--host", &v)) != 0) {
            if (got < 0) return cli_error("%s needs an address (see profviz --help)", a);
            if (!*v) return cli_error("--host needs an address, not an empty string");
            opts->host = v;
        } else if ((got = option_value(argc, argv, &i, "-p", "--port", &v)) != 0) {
            if (got < 0) return cli_error("%s needs a port number (see profviz --help)", a);
            char *end = NULL;
            errno = 0;
            long port = strtol(v, &end, 10);
            if (!*v || *end || errno || port < 0 || port > 65535 || *v == '-' || *v == '+')
                return cli_error("--port needs a number from 0 to 65535, not '%s'", v);
            opts->port = port;
        } else if ((got = option_value(argc, argv, &i, NULL, "--web-root", &v)) != 0) {
            if (got < 0) return cli_error("--web-root needs a folder (see profviz --help)");
            opts->web_root = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--dir", &v)) != 0) {
            if (got < 0 || !*v) return cli_error("--dir needs a folder (see profviz --help)");
            opts->dir = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--cache-mb", &v)) != 0) {
            if (got < 0 || !parse_count(v, 1, 1L << 30, &opts->cache_mb))
                return cli_error("--cache-mb needs a number of megabytes from 1, not '%s'",
                                 got < 0 ? "" : v);
        } else if ((got = option_value(argc, argv, &i, NULL, "--max-upload-mb", &v)) != 0) {
            if (got < 0 || !parse_count(v, 1, 1L << 20, &opts->max_upload_mb))
                return cli_error("--max-upload-mb needs a number of megabytes from 1, not '%s'",
                                 got < 0 ? "" : v);
        } else if ((got = option_value(argc, argv, &i, NULL, "--token-file", &v)) != 0) {
            if (got < 0 || !*v) return cli_error("--token-file needs a file (see profviz --help)");
            token_file = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--token", &v)) != 0) {
            if (got < 0) return cli_error("--token needs a value (see profviz --help)");
            token_arg = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--allow-host", &v)) != 0) {
            if (got < 0 || !*v)
                return cli_error("--allow-host needs a host name (see profviz --help)");
            opts->allow_hosts[opts->nallow_hosts++] = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--embed-origin", &v)) != 0) {
            if (got < 0 || !pv_auth_valid_origin(v))
                return cli_error("--embed-origin needs an origin like http://localhost:8888, "
                                 "not '%s'",
                                 got < 0 ? "" : v);
            opts->embed_origins[opts->nembed_origins++] = v;
        } else if ((got = option_value(argc, argv, &i, NULL, "--header-timeout", &v)) != 0) {
            if (got < 0 || !parse_count(v, 1, 3600, &opts->header_timeout))
                return cli_error("--header-timeout needs a number of seconds from 1 to 3600, "
                                 "not '%s'",
                                 got < 0 ? "" : v);
        } else {
            return cli_error("unknown option '%s' (see profviz --help)", a);
        }
    }
    if (opts->dir && opts->nfiles)
        return cli_error("give either --dir DIR or profile files, not both");
    if (!opts->dir && opts->nfiles == 0)
        return cli_error("no profile given (usage: profviz [options] FILE... or --dir DIR)");
    if (token_file && read_token_file(token_file, opts)) return 2;
    if (token_arg) {
        /* Keep a copy and blank the argument, so that /proc/PID/cmdline
         * stops showing it (it was visible until here: --token-file and
         * PROFVIZ_TOKEN never are). */
        free(opts->token_storage);
        opts->token_storage = strdup(token_arg);
        if (!opts->token_storage) return cli_error("out of memory");
        memset((char *)token_arg, 'x', strlen(token_arg));
        opts->token = opts->token_storage;
    }
    if (opts->token && !*opts->token) opts->token = NULL; /* PROFVIZ_TOKEN= means none */
    if (!pv_auth_is_loopback(opts->host) && opts->nallow_hosts == 0)
        return cli_error("listening on %s answers requests for other names than localhost: "
                         "say which with --allow-host NAME (the name or address clients use, "
                         "repeatable)",
                         opts->host);
    if (opts->token && !valid_token(opts->token))
        return cli_error("the token may only hold printable ASCII without spaces, quotes, "
                         "commas, semicolons or backslashes");
    return 0;
}

/* Prints a load error the way `profviz report` does. */
static int load_error(const pv_error *err)
{
    char message[PV_ERROR_MESSAGE_MAX + 32];
    pv_error_format(err, message, sizeof message);
    return cli_error("%s", message);
}

/* Starts cmd (words separated by spaces; "%s" in a word is replaced by url,
 * else url is added as the last word) without waiting for it, with stdin and
 * stdout on /dev/null and default signal handling. Returns true when it
 * started. */
static bool spawn_browser(const char *cmd, const char *url)
{
    char *copy = strdup(cmd);
    char *words[34];
    char *subst[34] = {0};
    size_t n = 0;
    bool used_url = false, ok = false;
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    bool have_actions = false, have_attr = false;
    if (!copy) return false;
    for (char *w = strtok(copy, " \t"); w && n < 32; w = strtok(NULL, " \t")) {
        char *pct = strstr(w, "%s");
        if (pct) {
            size_t len = strlen(w) - 2 + strlen(url) + 1;
            subst[n] = malloc(len);
            if (!subst[n]) goto done;
            snprintf(subst[n], len, "%.*s%s%s", (int)(pct - w), w, url, pct + 2);
            words[n] = subst[n];
            n++;
            used_url = true;
        } else {
            words[n++] = w;
        }
    }
    if (n == 0) goto done;
    if (!used_url) words[n++] = (char *)url;
    words[n] = NULL;

    if (posix_spawn_file_actions_init(&actions) != 0) goto done;
    have_actions = true;
    if (posix_spawnattr_init(&attr) != 0) goto done;
    have_attr = true;
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGCHLD);
    if (posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) != 0 ||
        /* A launcher that finds no browser (xdg-open on a server) lists every
         * one it tried; the URL line already says where to go. */
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) != 0 ||
        posix_spawnattr_setsigmask(&attr, &none) != 0 ||
        posix_spawnattr_setsigdefault(&attr, &defaults) != 0 ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) != 0)
        goto done;
    pid_t pid;
    ok = posix_spawnp(&pid, words[0], &actions, &attr, words, environ) == 0;

done:
    if (have_actions) posix_spawn_file_actions_destroy(&actions);
    if (have_attr) posix_spawnattr_destroy(&attr);
    for (size_t i = 0; i < n && i < 34; i++)
        free(subst[i]);
    free(copy);
    return ok;
}

/* Opens url with the first command of $BROWSER (a ':'-separated list) that
 * starts, else with xdg-open. Says nothing when none does: the URL is printed
 * already. */
static void open_browser(const char *url)
{
    const char *env = getenv("BROWSER");
    if (env && *env) {
        char *list = strdup(env);
        for (char *save = NULL, *cmd = list ? strtok_r(list, ":", &save) : NULL; cmd;
             cmd = strtok_r(NULL, ":", &save)) {
            if (spawn_browser(cmd, url)) {
                free(list);
                return;
            }
        }
        free(list);
    }
    spawn_browser("xdg-open", url);
}

int pv_serve_check(int argc, char **argv)
{
    serve_options opts;
    memset(&opts, 0, sizeof opts);
    int status = parse_options(argc, argv, &opts);
    free(opts.files);
    free(opts.allow_hosts);
    free(opts.embed_origins);
    free(opts.token_storage);
    return status;
}

int pv_serve_main(int argc, char **argv)
{
    return pv_serve_main_page(argc, argv, NULL, NULL);
}

int pv_serve_main_page(int argc, char **argv, pv_serve_page_fn page, void *page_ctx)
{
    serve_options opts;
    memset(&opts, 0, sizeof opts);
    pv_registry *reg = NULL;
    pv_folder *folder = NULL;
    pv_http_server *server = NULL;
    pv_assets_job *assets = NULL;
    pv_error err;
    int status = parse_options(argc, argv, &opts);
    if (status) goto done;
    status = 2;
    /* The UI's files are compressed on the other core while the profiles
     * are parsed. */
    if (pv_assets_start(opts.web_root, &assets, &err) < 0) {
        load_error(&err);
        goto done;
    }

    reg = pv_registry_new(&err);
    if (!reg) {
        load_error(&err);
        goto done;
    }
    /* What gzip data may inflate to (plain files are mapped, not copied). */
    size_t cap = pv_source_cap((size_t)opts.cache_mb << 20, (size_t)opts.max_upload_mb << 20);
    pv_source_limits limits = {.max_inflated = cap};
    pv_registry_set_source_limits(reg, &limits);
    /* profviz compare opens on the comparison, which needs no function
     * index: each is made when a table first asks, not beside the first
     * comparison. */
    if (page) pv_registry_set_index_on_demand(reg, true);
    if (opts.dir) {
        if (pv_folder_open(opts.dir, reg, &folder, &err) < 0) {
            cli_error("%s", err.message);
            goto done;
        }
        if (!pv_folder_writable(folder))
            fprintf(stderr,
                    "profviz: warning: %s is read-only: serving its profiles, uploads are off\n",
                    opts.dir);
        pv_registry_set_cache_limit(reg, (size_t)opts.cache_mb << 20);
        pv_folder_set_limits(folder, &limits);
    } else if (opts.merge && opts.nfiles > 1) {
        if (pv_registry_load_merged(reg, opts.files, opts.nfiles, NULL, &err) < 0) {
            load_error(&err);
            goto done;
        }
    } else {
        size_t failed = 0; /* BASE and NEW of `profviz compare` are read side by side */
        if (pv_registry_load_files(reg, opts.files, opts.nfiles, NULL, &failed, &err) < 0) {
            load_error(&err);
            goto done;
        }
    }

    /* Stop signals are blocked from here on, in this thread and in every
     * request thread started below; sigsuspend() takes them. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    serve_thread = pthread_self();
    sa.sa_handler = on_stop_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_child_signal;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t blocked, waiting;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGINT);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &blocked, &waiting);
    sigdelset(&waiting, SIGINT);
    sigdelset(&waiting, SIGTERM);
    sigdelset(&waiting, SIGCHLD);

    pv_http_config config = {
        .host = opts.host,
        .port = (unsigned)opts.port,
        .port_tries = opts.port == 0 ? 1 : PORT_TRIES,
        .web_root = opts.web_root,
        .assets = assets,
        .registry = reg,
        .folder = folder,
        .token = opts.token,
        .max_upload_bytes = (size_t)opts.max_upload_mb << 20,
        .work_budget_bytes = (size_t)opts.cache_mb << 20,
        .inflate_cap_bytes = cap,
        .header_seconds = (unsigned)opts.header_timeout,
        .allow_hosts = opts.allow_hosts,
        .nallow_hosts = opts.nallow_hosts,
        .embed_origins = opts.embed_origins,
        .nembed_origins = opts.nembed_origins,
    };
    assets = NULL; /* the server's now */
    if (pv_http_start(&config, &server, &err) < 0) {
        cli_error("%s", err.message);
        goto done;
    }
    if (!opts.token && !pv_auth_is_loopback(opts.host))
        fprintf(stderr,
                "profviz: warning: listening on %s without a token: anyone who can reach "
                "this address can read%s the profiles (set --token or PROFVIZ_TOKEN)\n",
                opts.host, folder ? " and upload" : "");
    printf("profviz: serving %s\n", pv_http_url(server));
    char page_url[512];
    snprintf(page_url, sizeof page_url, "%s", pv_http_url(server));
    if (page) {
        size_t used = strlen(page_url);
        page(reg, page_ctx, page_url + used, sizeof page_url - used);
        printf("profviz: opening %s\n", page_url);
    }
    fflush(stdout);
    if (!opts.server_only) open_browser(page_url);

    while (!stop_requested) {
        sigsuspend(&waiting);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            continue;
    }
    status = 0;

done:
    if (assets) {
        pv_assets *unused = NULL;
        if (pv_assets_finish(assets, &unused, &err) == 0) pv_assets_free(unused);
    }
    pv_http_stop(server);
    pv_folder_free(folder);
    pv_registry_free(reg);
    free(opts.files);
    free(opts.allow_hosts);
    free(opts.embed_origins);
    free(opts.token_storage);
    return status;
}
