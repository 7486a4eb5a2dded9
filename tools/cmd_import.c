/*
 * pazhou import: loads identifiers offline into a registry directory from JSON Lines, one
 * object per handle: {"handle": "...", "values": [{"index":1,"type":"URL","data":"..."}, ...]},
 * or from CSV (bulk_csv.h), through sorted table files ingested at once (bulk_import.h).
 * A bad line is reported with its number and either skipped (the default) or ends the load
 * with nothing of it written (--on-error abort). A handle is never half-written.
 * With a configuration naming site.servers, only this server's part of the site is written;
 * --site loads one input into the registries of several servers of a site at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry/import/bulk_import.h"
#include "registry/reg_prefix.h"
#include "tools/commands.h"
#include "tools/import_part.h"
#include "tools/offline.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "Usage: pazhou import [--data DIR] [--format jsonl|csv] [--existing fail|skip|overwrite]\n"
        "                     [--on-error skip|abort] [--memory MB] [--threads N] "
        "[-c pazhou.conf] [--quiet] [--verbose] FILE|-\n"
        "       pazhou import --site CONF1 CONF2 ... [options] FILE|-\n"
        "Loads JSON Lines ({\"handle\":...,\"values\":[...]} per line) or CSV rows\n"
        "(handle,index,type,data[,ttl[,permissions[,timestamp]]]) into the registry at DIR.\n"
        "  --data DIR   the registry (default: data_dir of the configuration given with -c)\n"
        "  --existing   handles already in the registry: replace them (overwrite, the\n"
        "               default), keep them (skip), or abort with nothing written (fail)\n"
        "  --memory MB  sorted input kept in memory; beyond it runs are spilled to\n"
        "               disk (default: a quarter of the RAM, 512 to 16384)\n"
        "  -c FILE      the node's configuration (default conf/pazhou.conf if present):\n"
        "               table files are written with its registry settings\n"
        "               (bottommost_compression, index_layout, bloom_bits_per_key); when it\n"
        "               names site.servers only this server's part of the site is loaded\n"
        "               and the handles of the other servers' parts are counted as skipped\n"
        "  --site       the arguments before FILE are the configurations of servers of one\n"
        "               multi-server site: FILE is read once and each server's part goes\n"
        "               into the data_dir its configuration names\n"
        "  --verbose    the time of each phase too (start-up, open, parse, write, ingest,\n"
        "               release of memory, close)\n");
}

/* Seconds on the monotonic clock. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds since the process started (its start time in /proc/self/stat, against the boot clock,
 * 10 ms steps), or -1 when unknown. */
static double process_age(void)
{
    FILE *f = fopen("/proc/self/stat", "r");
    char buf[1024];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    /* Field 22 (starttime), counted after the command name's closing parenthesis. */
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    long hz = sysconf(_SC_CLK_TCK);
    struct timespec boot;
    if (!p || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
        return -1;
    double started = (double)strtoull(p + 1, NULL, 10) / (double)hz;
    return (double)boot.tv_sec + (double)boot.tv_nsec / 1e9 - started;
}

/* The default --memory: a quarter of the machine's RAM, 512 MiB to 16 GiB. An input whose sorted
 * entries fit is sorted in memory; a larger one spills runs to disk, written twice more. */
static size_t default_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t quarter = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 4 : 0;
    uint64_t lo = 512ull << 20, hi = 16ull << 30;
    return (size_t)(quarter < lo ? lo : quarter > hi ? hi : quarter);
}

/* --format from the option, else from the file name (".csv"), else JSON Lines. */
static enum bulk_format guess_format(const char *opt, const char *name)
{
    if (opt)
        return strcmp(opt, "csv") == 0 ? BULK_CSV : BULK_JSONL;
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".csv") == 0 ? BULK_CSV : BULK_JSONL;
}

/* The command's exit status, from bulk_import's code: the one place it is chosen. 0 when every
 * line loaded, 1 when bad lines were skipped or the load was aborted (nothing written), 2 when it
 * failed. */
static int exit_status(int err, const struct bulk_summary *s)
{
    if (err == PZ_OK)
        return s->bad > 0 ? 1 : 0;
    return err == BULK_ERR_ABORTED ? 1 : 2;
}

/* The outcome of one registry's load on stderr; label ("server 2 (var/s2/registry)") first when
 * given, the handles of other servers' parts when partitioned. */
static void print_summary(const char *label, int err, const struct bulk_summary *s,
                          bool partitioned)
{
    char who[1200] = "";
    if (label)
        snprintf(who, sizeof who, "%s: ", label);
    char other[96] = "";
    if (partitioned)
        snprintf(other, sizeof other, "; %llu of other servers' parts skipped",
                 (unsigned long long)s->other_part);
    if (err == BULK_ERR_ABORTED && s->existing_refused)
        fprintf(stderr,
                "pazhou: %s%llu handles exist already (--existing fail); nothing was written\n",
                who, (unsigned long long)s->existing_refused);
    else if (err == BULK_ERR_ABORTED)
        fprintf(stderr,
                "pazhou: %sload aborted (a bad line, or another registry's abort); "
                "nothing was written\n",
                who);
    else if (err == PZ_OK)
        fprintf(stderr,
                "pazhou: %s%llu handles loaded, %llu bad lines skipped; %llu new, %llu replaced, "
                "%llu existing kept%s; %.2f s, %.0f handles/s (parse %.2f s, write %.2f s, "
                "ingest %.2f s)\n",
                who, (unsigned long long)s->loaded, (unsigned long long)s->bad,
                (unsigned long long)s->created, (unsigned long long)s->replaced,
                (unsigned long long)s->kept, other, s->seconds,
                s->seconds > 0 ? (double)(s->loaded + s->kept) / s->seconds : 0.0, s->parse_seconds,
                s->write_seconds, s->ingest_seconds);
    else
        fprintf(stderr, "pazhou: %sthe import failed\n", who);
}

/*
 * pazhou import --site CONF... FILE: the servers' configurations (paths[0..n)) into one site's
 * registries, each its part, the input read once (bulk_import_site). o holds the input and the
 * options common to all. Returns the exit status.
 */
static int import_site(const struct bulk_opts *o, const char *const *paths, size_t n)
{
    if (n > CONF_MAX_SITE_SERVERS) {
        fprintf(stderr, "pazhou: at most %d configurations\n", CONF_MAX_SITE_SERVERS);
        return 2;
    }
    struct conf *confs = calloc(n, sizeof *confs);
    const struct conf *cp[CONF_MAX_SITE_SERVERS] = {0};
    struct bulk_opts os[CONF_MAX_SITE_SERVERS];
    struct bulk_summary ss[CONF_MAX_SITE_SERVERS];
    struct reg_prefix_set *px[CONF_MAX_SITE_SERVERS] = {0};
    struct import_part part;
    size_t opened = 0;
    int status = 2;
    if (!confs) {
        fprintf(stderr, "pazhou: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (offline_conf(&confs[i], paths[i]) != 0)
            goto out;
        cp[i] = &confs[i];
    }
    if (import_part_check(cp, paths, n, &part) != 0)
        goto out;
    for (; opened < n; opened++) {
        size_t i = opened;
        os[i] = *o;
        os[i].data_dir = confs[i].data_dir;
        os[i].part_of = import_part_of;
        os[i].part_ctx = &part;
        os[i].part = confs[i].site_self;
        if (!(os[i].db = offline_open(confs[i].data_dir, false, false, &confs[i])))
            goto out;
        if (!(px[i] = reg_prefix_set_load(os[i].db))) {
            fprintf(stderr, "pazhou: cannot read the homed prefixes of %s\n", confs[i].data_dir);
            reg_close(os[i].db);
            goto out;
        }
        os[i].prefixes = px[i];
    }
    int err = bulk_import_site(os, n, ss);
    status = err == PZ_OK || err == BULK_ERR_ABORTED ? 0 : 2;
    for (size_t i = 0; i < n; i++) {
        char label[1100];
        snprintf(label, sizeof label, "server %u (%s)", (unsigned)confs[i].server_id,
                 confs[i].data_dir);
        int e = ss[i].status;
        print_summary(label, e, &ss[i], true);
        int st = exit_status(e, &ss[i]);
        if (st > status)
            status = st;
    }
    /* Handles whose server is not among those given were loaded nowhere. */
    uint64_t loaded = 0;
    for (size_t i = 0; i < n; i++)
        loaded += ss[i].loaded + ss[i].kept;
    if (err == PZ_OK && (size_t)part.count > n)
        fprintf(stderr,
                "pazhou: %zu of the site's %u servers were given: %llu handles loaded "
                "of %llu read\n",
                n, (unsigned)part.count, (unsigned long long)loaded,
                (unsigned long long)(ss[0].handles + ss[0].other_part));
out:
    for (size_t i = 0; i < opened; i++) {
        reg_prefix_set_free(px[i]);
        reg_close(os[i].db);
    }
    free(confs);
    return status;
}

int cmd_import(int argc, char **argv)
{
    /* Into a running node instead of a registry directory. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--server") == 0 || strncmp(argv[i], "--server=", 9) == 0)
            return cmd_import_online(argc, argv);
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"on-error", required_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'F'},
        {"existing", required_argument, NULL, 'x'},
        {"memory", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"site", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *format = NULL;
    struct bulk_opts o = {.existing = BULK_OVERWRITE, .memory_bytes = default_memory()};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = cpus < 1 ? 1 : cpus > 16 ? 16 : (int)cpus;
    double entered = now_seconds(), age = process_age();
    bool quiet = false, verbose = false;
    const char *conf_path = NULL;
    bool site = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:d:e:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "abort") == 0)
                o.abort_on_error = true;
            else if (strcmp(optarg, "skip") != 0) {
                fprintf(stderr, "pazhou: --on-error takes skip or abort\n");
                return 2;
            }
            break;
        case 'F':
            if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "csv") != 0) {
                fprintf(stderr, "pazhou: --format takes jsonl or csv\n");
                return 2;
            }
            format = optarg;
            break;
        case 'x':
            if (strcmp(optarg, "overwrite") == 0)
                o.existing = BULK_OVERWRITE;
            else if (strcmp(optarg, "skip") == 0)
                o.existing = BULK_SKIP;
            else if (strcmp(optarg, "fail") == 0)
                o.existing = BULK_FAIL;
            else {
                fprintf(stderr, "pazhou: --existing takes fail, skip or overwrite\n");
                return 2;
            }
            break;
        case 'm':
            o.memory_bytes = (size_t)strtoul(optarg, NULL, 10) << 20;
            if (o.memory_bytes == 0) {
                fprintf(stderr, "pazhou: --memory takes a number of MiB\n");
                return 2;
            }
            break;
        case 't':
            o.threads = atoi(optarg);
            if (o.threads < 1 || o.threads > 64) {
                fprintf(stderr, "pazhou: --threads takes 1 to 64\n");
                return 2;
            }
            break;
        case 'c':
            conf_path = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 's':
            site = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (site && (data || conf_path || optind > argc - 2)) {
        fprintf(stderr, "pazhou: --site takes the servers' configurations and FILE, each "
                        "configuration naming its registry (data_dir); not --data or -c\n");
        return 2;
    }
    if ((!data && !conf_path && !site) || (!site && optind != argc - 1)) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[argc - 1];
    bool from_stdin = strcmp(name, "-") == 0;
    int fd = from_stdin ? STDIN_FILENO : open(name, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "pazhou: cannot open %s: %s\n", name, strerror(errno));
        return 2;
    }
    struct stat st;
    o.size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    o.fd = fd;
    o.name = from_stdin ? "stdin" : name;
    o.format = guess_format(format, name);
    o.data_dir = data;
    o.progress = !quiet && isatty(STDERR_FILENO);
    if (site) {
        int rc = import_site(&o, (const char *const *)argv + optind, (size_t)(argc - 1 - optind));
        if (!from_stdin)
            close(fd);
        return rc;
    }
    static struct conf conf;
    if (offline_conf(&conf, conf_path) != 0) {
        if (!from_stdin)
            close(fd);
        return 2;
    }
    if (!data)
        data = conf.data_dir;
    o.data_dir = data;
    /* One server of a multi-server site: its part only. */
    struct import_part part = {conf.site_hash, (uint32_t)conf.site_server_count};
    if (conf.site_server_count > 1 && conf.site_self >= 0) {
        o.part_of = import_part_of;
        o.part_ctx = &part;
        o.part = conf.site_self;
    }
    o.db = offline_open(data, false, false, &conf);
    if (!o.db) {
        if (!from_stdin)
            close(fd);
        return 2;
    }
    struct reg_prefix_set *prefixes = reg_prefix_set_load(o.db);
    o.prefixes = prefixes;
    struct bulk_summary s = {0};
    double opened = now_seconds();
    int err = prefixes ? bulk_import(&o, &s) : BULK_ERR_FAILED;
    double imported = now_seconds();
    if (!from_stdin)
        close(fd);
    print_summary(NULL, err, &s, o.part_of != NULL);
    reg_prefix_set_free(prefixes);
    reg_close(o.db);
    if (verbose)
        fprintf(stderr,
                "pazhou: phases: start-up %.3f s, open %.3f s, parse and sort %.3f s (reading "
                "%.3f s of it), write %.3f s, ingest %.3f s, release %.3f s, close %.3f s\n",
                age, opened - entered, s.parse_seconds, s.read_seconds, s.write_seconds,
                s.ingest_seconds, imported - opened - s.seconds, now_seconds() - imported);
    return exit_status(err, &s);
}
