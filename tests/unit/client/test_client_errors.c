/* The client library's failures as codes of the one error space, against loopback sockets that
 * refuse, stay silent, hang up or answer garbage: a caller (the command line, the node's
 * recursion, the mirror) tells a refused connection from a timeout from an answer that does not
 * decode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/admin_client.h"
#include "client/client.h"
#include "client/request.h"
#include "common/errcode.h"
#include "proto/hdl_const.h"

/* Short waits: UDP tries three times, each at most this long. */
#define SHORT_MS 60

/* A loopback socket of type bound to a free port; its address in *o. */
static int bound_socket(int type, struct client_opts *o)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    memset(o, 0, sizeof *o);
    memcpy(&o->addr, &a, sizeof a);
    o->addr_len = sizeof a;
    o->timeout_ms = SHORT_MS;
    return fd;
}

/* The address of a loopback port nothing listens on: bound, then closed again. */
static void closed_port(int type, struct client_opts *o)
{
    close(bound_socket(type, o));
}

/* A whole resolution request for "0.NA/TEST" into buf; returns its length. */
static size_t resolution_request(uint8_t *buf, size_t cap)
{
    struct hdl_writer w;
    hdl_writer_init(&w, buf, cap);
    size_t body = request_begin(&w, HDL_OC_RESOLUTION, HDL_FLAG_REC, request_new_id());
    hdl_put_cstr(&w, "0.NA/TEST");
    hdl_put_u32(&w, 0);
    hdl_put_u32(&w, 0);
    assert_int_equal(hdl_message_finish_unsigned(&w, body), HDL_OK);
    return w.len;
}

static int exchange(const struct client_opts *o)
{
    uint8_t req[512], resp[4096];
    size_t len = resolution_request(req, sizeof req), resp_len = 0;
    char err[256] = "";
    int rc = client_exchange(o, req, len, resp, sizeof resp, &resp_len, err, sizeof err);
    if (rc != 0)
        assert_true(err[0] != '\0'); /* the message is still there for people */
    return rc;
}

enum peer { PEER_GARBAGE, PEER_HANG_UP };

/* A TCP peer in a child process: accepts one connection on the listening fd, reads what comes,
 * then answers bytes that are no Handle message or closes the connection. */
static pid_t start_peer(int listen_fd, enum peer how)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd >= 0) {
        uint8_t buf[4096];
        (void)!recv(fd, buf, sizeof buf, 0);
        if (how == PEER_GARBAGE) {
            static const char garbage[] = "this is no handle message at all";
            (void)!send(fd, garbage, sizeof garbage - 1, MSG_NOSIGNAL);
            sleep(1); /* the answer is read before the connection goes */
        }
        close(fd);
    }
    _exit(0);
}

static void stop_peer(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void a_closed_port_is_a_network_failure(void **state)
{
    (void)state;
    struct client_opts o;
    closed_port(SOCK_DGRAM, &o);
    assert_int_equal(exchange(&o), CLI_ERR_NETWORK); /* ICMP port unreachable: ECONNREFUSED */
    closed_port(SOCK_STREAM, &o);
    o.tcp = true;
    assert_int_equal(exchange(&o), CLI_ERR_NETWORK);
}

static void silence_is_a_timeout(void **state)
{
    (void)state;
    struct client_opts o;
    int fd = bound_socket(SOCK_DGRAM, &o); /* bound: no refusal, and never an answer */
    assert_int_equal(exchange(&o), CLI_ERR_TIMEOUT);
    close(fd);
    /* Over TCP: the kernel completes the connection for the backlog, nobody answers. */
    fd = bound_socket(SOCK_STREAM, &o);
    assert_int_equal(listen(fd, 4), 0);
    o.tcp = true;
    assert_int_equal(exchange(&o), CLI_ERR_TIMEOUT);
    close(fd);
}

static void a_garbage_answer_gives_the_decoders_code(void **state)
{
    (void)state;
    struct client_opts o;
    int fd = bound_socket(SOCK_STREAM, &o);
    assert_int_equal(listen(fd, 4), 0);
    o.tcp = true;
    o.timeout_ms = 2000;
    pid_t peer = start_peer(fd, PEER_GARBAGE);
    /* "th": major version 0x74, not 2. */
    assert_int_equal(exchange(&o), HDL_ERR_VERSION);
    stop_peer(peer);
    close(fd);
}

static void a_garbage_datagram_is_a_stray_one(void **state)
{
    (void)state;
    /* Over UDP a datagram that does not decode cannot be ours (its requestId is unreadable):
     * it is passed over, and with nothing else the exchange times out. */
    struct client_opts o;
    int fd = bound_socket(SOCK_DGRAM, &o);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        uint8_t buf[4096];
        struct sockaddr_storage from;
        socklen_t len = sizeof from;
        if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) > 0)
            (void)!sendto(fd, "garbage", 7, 0, (struct sockaddr *)&from, len);
        _exit(0);
    }
    assert_int_equal(exchange(&o), CLI_ERR_TIMEOUT);
    stop_peer(pid);
    close(fd);
}

static void a_hang_up_is_a_closed_connection(void **state)
{
    (void)state;
    struct client_opts o;
    int fd = bound_socket(SOCK_STREAM, &o);
    assert_int_equal(listen(fd, 4), 0);
    o.tcp = true;
    o.timeout_ms = 2000;
    pid_t peer = start_peer(fd, PEER_HANG_UP);
    assert_int_equal(exchange(&o), CLI_ERR_CLOSED);
    stop_peer(peer);
    close(fd);
}

/* The administration client: one DELETE_HANDLE, its code. */
static int admin_call(const struct client_opts *o, int timeout_ms)
{
    struct admin_client *c = admin_client_new(o, timeout_ms);
    assert_non_null(c);
    struct hdl_writer *w = admin_client_begin(c, HDL_OC_DELETE_HANDLE, ADMIN_FLAGS);
    hdl_put_cstr(w, "0.NA/TEST");
    struct admin_result res;
    int rc = admin_client_call(c, NULL, NULL, &res);
    if (rc != 0)
        assert_true(admin_client_error(c)[0] != '\0');
    admin_client_free(c);
    return rc;
}

static void the_admin_client_says_the_same(void **state)
{
    (void)state;
    struct client_opts o;
    closed_port(SOCK_STREAM, &o);
    assert_int_equal(admin_call(&o, SHORT_MS), CLI_ERR_NETWORK);

    int fd = bound_socket(SOCK_STREAM, &o);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(admin_call(&o, SHORT_MS), CLI_ERR_TIMEOUT);
    close(fd);

    fd = bound_socket(SOCK_STREAM, &o);
    assert_int_equal(listen(fd, 4), 0);
    pid_t peer = start_peer(fd, PEER_GARBAGE);
    assert_int_equal(admin_call(&o, 2000), HDL_ERR_VERSION);
    stop_peer(peer);
    peer = start_peer(fd, PEER_HANG_UP);
    assert_int_equal(admin_call(&o, 2000), CLI_ERR_CLOSED);
    stop_peer(peer);
    close(fd);
}

static void bad_arguments_are_bad_arguments(void **state)
{
    (void)state;
    struct client_opts o;
    char err[256];
    assert_int_equal(client_parse_server("bad host!:2641", &o, err, sizeof err), CLI_ERR_BAD_ARG);
    assert_int_equal(client_parse_server("[node.example]:2641", &o, err, sizeof err),
                     CLI_ERR_BAD_ARG);
    assert_int_equal(client_parse_server("127.0.0.1:0", &o, err, sizeof err), CLI_ERR_BAD_ARG);
    assert_int_equal(client_parse_server("127.0.0.1:2641", &o, err, sizeof err), 0);
    uint8_t resp[4096];
    size_t resp_len;
    assert_int_equal(
        client_exchange(&o, (const uint8_t *)"x", 1, resp, sizeof resp, &resp_len, err, sizeof err),
        CLI_ERR_BAD_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_closed_port_is_a_network_failure),
        cmocka_unit_test(silence_is_a_timeout),
        cmocka_unit_test(a_garbage_answer_gives_the_decoders_code),
        cmocka_unit_test(a_garbage_datagram_is_a_stray_one),
        cmocka_unit_test(a_hang_up_is_a_closed_connection),
        cmocka_unit_test(the_admin_client_says_the_same),
        cmocka_unit_test(bad_arguments_are_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
