/*
 * meridian-kafka-dev-broker: runs librdkafka's in-process mock Kafka cluster
 * as a standalone dev broker (no JVM, no Docker), plus a line-based control
 * channel on 127.0.0.1 for fault injection. Protocol: see ../README.md.
 *
 * stdout carries exactly one JSON line (the "ready" signal parsed by
 * dev-broker.ts); everything else goes to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

#define MAX_CLIENTS 16
#define LINE_LEN 1024

struct client {
        int fd;
        size_t len;
        char buf[LINE_LEN];
};

static rd_kafka_mock_cluster_t *mc;
static int broker_cnt = 3;
static int sig_pipe[2] = {-1, -1};
static int next_fixed_port; /* 0: kernel-assigned broker ports */

#define die(...) (fprintf(stderr, "kafka-dev-broker: " __VA_ARGS__), fputc('\n', stderr), exit(2))

/* The mock always binds its broker listeners to 127.0.0.1:0 and offers no
 * option for fixed ports. build.sh links with -Wl,--wrap=bind, so while
 * next_fixed_port is armed (only around rd_kafka_mock_cluster_new, which
 * creates brokers 1..N in order) port-0 binds get consecutive fixed ports.
 * Re-binds after `down`/`up` already carry their port and pass through. */
int __real_bind(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len) {
        struct sockaddr_in sin;
        if (!next_fixed_port || addr->sa_family != AF_INET || len < sizeof(sin))
                return __real_bind(fd, addr, len);
        memcpy(&sin, addr, sizeof(sin));
        if (sin.sin_port == 0)
                sin.sin_port = htons((uint16_t)next_fixed_port++);
        return __real_bind(fd, (struct sockaddr *)&sin, sizeof(sin));
}

static void on_signal(int sig) {
        char c = (char)sig;
        (void)!write(sig_pipe[1], &c, 1); /* self-pipe: poll() loop sees it */
}

static int listen_loopback(int port) {
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)port),
                                  .sin_addr = {htonl(INADDR_LOOPBACK)}};
        int on = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, SOMAXCONN)) {
                close(fd);
                return -1;
        }
        return fd;
}

static int bound_port(int fd) {
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        getsockname(fd, (struct sockaddr *)&sin, &len);
        return ntohs(sin.sin_port);
}

/* Strict integer parse: the control channel must reject "1x", not act on 1. */
static int parse_int(const char *s, long lo, long hi, int *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < lo || v > hi)
                return -1;
        *out = (int)v;
        return 0;
}

/* The mock silently clamps rf to the broker count; say so instead. */
static rd_kafka_resp_err_t create_topic(const char *name, int parts, int rf) {
        if (rf > broker_cnt) {
                fprintf(stderr, "kafka-dev-broker: topic %s: replication factor %d > %d brokers, clamped\n",
                        name, rf, broker_cnt);
                rf = broker_cnt;
        }
        return rd_kafka_mock_topic_create(mc, name, parts, rf);
}

static int load_topics(const char *path) {
        char line[LINE_LEN], name[256], extra[2];
        int lineno = 0, cnt = 0, parts, rf;
        rd_kafka_resp_err_t err;
        FILE *fp = fopen(path, "r");
        if (!fp)
                die("cannot open topics file %s: %s", path, strerror(errno));
        while (fgets(line, sizeof(line), fp)) {
                char *hash = strchr(line, '#');
                lineno++;
                if (hash)
                        *hash = '\0';
                if (strspn(line, " \t\r\n") == strlen(line))
                        continue;
                if (sscanf(line, "%255s %d %d %1s", name, &parts, &rf, extra) != 3 ||
                    parts < 1 || rf < 1)
                        die("%s:%d: expected '<name> <partitions> <replication_factor>'", path,
                            lineno);
                if ((err = create_topic(name, parts, rf)))
                        die("%s:%d: topic %s: %s", path, lineno, name, rd_kafka_err2str(err));
                cnt++;
        }
        fclose(fp);
        return cnt;
}

/* Executes one control command into `reply`. Returns 1 on `shutdown`. */
static int run_command(char *line, char *reply, size_t size) {
        char *argv[5] = {0};
        int argc = 0, a, b, codes_n = 0;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR, codes[64];
        char *tok, *save = NULL;

        for (tok = strtok_r(line, " \t\r", &save); tok && argc < 5;
             tok = strtok_r(NULL, " \t\r", &save))
                argv[argc++] = tok;
#define CMD(name, n) (argc == (n) + 1 && !strcmp(argv[0], name))
#define BAD(msg) return snprintf(reply, size, "err %s", msg), 0

        if (argc == 0)
                BAD("empty command");
        else if (CMD("ping", 0))
                return snprintf(reply, size, "ok pong"), 0;
        else if (CMD("shutdown", 0))
                return snprintf(reply, size, "ok bye"), 1;
        else if (CMD("down", 1) || CMD("up", 1)) {
                if (parse_int(argv[1], -1, INT32_MAX, &a))
                        BAD("usage: down|up <brokerId|-1>");
                err = argv[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, a)
                                        : rd_kafka_mock_broker_set_up(mc, a);
        } else if (CMD("rtt", 2)) {
                if (parse_int(argv[1], -1, INT32_MAX, &a) || parse_int(argv[2], 0, 600000, &b))
                        BAD("usage: rtt <brokerId|-1> <ms>");
                err = rd_kafka_mock_broker_set_rtt(mc, a, b);
        } else if (CMD("errors", 2)) {
                if (parse_int(argv[1], 0, INT16_MAX, &a))
                        BAD("usage: errors <apiKey> <errCode>[,<errCode>...]");
                for (tok = strtok_r(argv[2], ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                        if (codes_n == 64 || parse_int(tok, -200, 32767, &b))
                                BAD("bad error code list (max 64 integer codes)");
                        codes[codes_n++] = (rd_kafka_resp_err_t)b;
                }
                if (!codes_n)
                        BAD("no error codes given");
                rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)codes_n, codes);
        } else if (CMD("clear", 1)) {
                if (parse_int(argv[1], 0, INT16_MAX, &a))
                        BAD("usage: clear <apiKey>");
                rd_kafka_mock_clear_request_errors(mc, (int16_t)a);
        } else if (CMD("leader", 3)) {
                if (parse_int(argv[2], 0, INT32_MAX, &a) || parse_int(argv[3], -1, INT32_MAX, &b))
                        BAD("usage: leader <topic> <partition> <brokerId|-1>");
                err = rd_kafka_mock_partition_set_leader(mc, argv[1], a, b);
        } else if (CMD("create", 3)) {
                if (parse_int(argv[2], 1, 100000, &a) || parse_int(argv[3], 1, 1000, &b))
                        BAD("usage: create <topic> <partitions> <replicationFactor>");
                err = create_topic(argv[1], a, b);
        } else if (CMD("delete", 1)) {
                err = rd_kafka_mock_topic_delete(mc, argv[1]);
        } else {
                BAD("unknown command or wrong argument count");
        }
        if (err)
                return snprintf(reply, size, "err %s: %s", rd_kafka_err2name(err),
                                rd_kafka_err2str(err)), 0;
        return snprintf(reply, size, "ok"), 0;
}

/* Reads what is available; runs every complete line. Returns -1 to drop the
 * client, 1 on shutdown. Replies are tiny, so a blocking send is fine. */
static int serve_client(struct client *cl) {
        char reply[LINE_LEN + 64], *nl;
        int stop = 0;
        ssize_t r = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
        if (r <= 0)
                return -1;
        cl->len += (size_t)r;
        while (!stop && (nl = memchr(cl->buf, '\n', cl->len))) {
                char cmd[LINE_LEN];
                *nl = '\0';
                memcpy(cmd, cl->buf, (size_t)(nl - cl->buf) + 1); /* strtok mangles buf */
                stop = run_command(cl->buf, reply, sizeof(reply) - 1);
                fprintf(stderr, "kafka-dev-broker: control: %s -> %s\n", cmd, reply);
                strcat(reply, "\n");
                send(cl->fd, reply, strlen(reply), MSG_NOSIGNAL);
                cl->len -= (size_t)(nl + 1 - cl->buf);
                memmove(cl->buf, nl + 1, cl->len);
        }
        if (cl->len == sizeof(cl->buf))
                return -1; /* line too long: drop rather than guess */
        return stop;
}

int main(int argc, char **argv) {
        const char *topics_file = NULL;
        int control_port = 0, controller = 1, port_base = 0, rebalance_ms = 0;
        int watch_stdin = 0, topic_cnt = 0, lfd, i, nclients = 0, stop = 0;
        struct client clients[MAX_CLIENTS];
        struct pollfd pfds[MAX_CLIENTS + 3];
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        const char *debug = getenv("KAFKA_DEV_BROKER_DEBUG"); /* e.g. "mock,protocol" */

        for (i = 1; i < argc; i++) {
                const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                int *target = !strcmp(opt, "--brokers")             ? &broker_cnt
                              : !strcmp(opt, "--controller")        ? &controller
                              : !strcmp(opt, "--control-port")      ? &control_port
                              : !strcmp(opt, "--broker-port-base")  ? &port_base
                              : !strcmp(opt, "--rebalance-delay-ms") ? &rebalance_ms
                                                                     : NULL;
                if (!strcmp(opt, "--watch-stdin"))
                        watch_stdin = 1;
                else if (!strcmp(opt, "--topics-file") && val)
                        topics_file = argv[++i];
                else if (!target || parse_int(val, 0, 65535, target))
                        die("bad argument '%s'. usage: %s [--brokers N] [--controller ID] "
                            "[--topics-file PATH] [--control-port P] [--broker-port-base P] "
                            "[--rebalance-delay-ms MS] [--watch-stdin]", opt, argv[0]);
                else
                        i++;
        }
        if (broker_cnt < 1 || broker_cnt > 64 || controller < 1 || controller > broker_cnt ||
            port_base + broker_cnt - 1 > 65535)
                die("need 1..64 brokers, 1 <= controller <= brokers, ports <= 65535");

        /* Check fixed ports up front: a failed bind inside
         * rd_kafka_mock_cluster_new() crashes librdkafka instead of failing. */
        for (i = 0; port_base && i < broker_cnt; i++) {
                int fd = listen_loopback(port_base + i);
                if (fd < 0)
                        die("cannot bind broker port 127.0.0.1:%d: %s", port_base + i,
                            strerror(errno));
                close(fd);
        }
        if ((lfd = listen_loopback(control_port)) < 0)
                die("cannot bind control port 127.0.0.1:%d: %s", control_port, strerror(errno));

        /* Installed first so a SIGTERM during startup still exits cleanly. Any
         * thread may run the handler (the mock thread does not block signals);
         * it only writes to the self-pipe, which is async-signal-safe. */
        if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK))
                die("pipe: %s", strerror(errno));
        signal(SIGPIPE, SIG_IGN);
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);

        /* A producer handle with no bootstrap servers: it only hosts the mock.
         * log_level 4 hides the resulting "no bootstrap.servers" notice. */
        if (rd_kafka_conf_set(conf, debug ? "debug" : "log_level", debug ? debug : "4", errstr,
                              sizeof(errstr)))
                die("%s", errstr);
        if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
                die("rd_kafka_new failed: %s", errstr);
        next_fixed_port = port_base;
        mc              = rd_kafka_mock_cluster_new(rk, broker_cnt);
        next_fixed_port = 0;
        if (!mc)
                die("rd_kafka_mock_cluster_new failed (see librdkafka log above)");
        /* Without a controller kafkajs admin / idempotent producers fail with
         * "Broker 0 not found". */
        rd_kafka_mock_set_controller_id(mc, controller);
        /* Like the usual docker-compose dev setting: consumers join at once. */
        rd_kafka_mock_group_initial_rebalance_delay_ms(mc, rebalance_ms);
        if (topics_file)
                topic_cnt = load_topics(topics_file);

        printf("{\"bootstrap\":\"%s\",\"control\":\"127.0.0.1:%d\",\"brokers\":%d,\"topics\":%d,"
               "\"pid\":%d}\n",
               rd_kafka_mock_cluster_bootstraps(mc), bound_port(lfd), broker_cnt, topic_cnt,
               (int)getpid());
        fflush(stdout);

        while (!stop) {
                int n = 0, base;
                pfds[n++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
                pfds[n++] = (struct pollfd){.fd = watch_stdin ? 0 : -1, .events = POLLIN};
                pfds[n++] = (struct pollfd){.fd = nclients < MAX_CLIENTS ? lfd : -1,
                                            .events = POLLIN};
                base = n;
                for (i = 0; i < nclients; i++)
                        pfds[n++] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
                if (poll(pfds, (nfds_t)n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        die("poll: %s", strerror(errno));
                }
                if (pfds[0].revents) {
                        fprintf(stderr, "kafka-dev-broker: signal received, shutting down\n");
                        break;
                }
                /* --watch-stdin: the parent holds our stdin; EOF means it died,
                 * so don't linger as an orphan holding ports. */
                if (pfds[1].revents) {
                        char tmp[256];
                        if (read(0, tmp, sizeof(tmp)) <= 0) {
                                fprintf(stderr, "kafka-dev-broker: stdin closed, shutting down\n");
                                break;
                        }
                }
                for (i = nclients - 1; i >= 0 && !stop; i--) {
                        int r;
                        if (!pfds[base + i].revents)
                                continue;
                        if ((r = serve_client(&clients[i])) < 0) {
                                close(clients[i].fd);
                                clients[i] = clients[--nclients];
                        }
                        stop = r > 0;
                }
                if (!stop && pfds[2].revents) {
                        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                        if (fd >= 0)
                                clients[nclients++] = (struct client){.fd = fd, .len = 0};
                }
        }

        for (i = 0; i < nclients; i++)
                close(clients[i].fd);
        close(lfd);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        fprintf(stderr, "kafka-dev-broker: stopped\n");
        return 0;
}
