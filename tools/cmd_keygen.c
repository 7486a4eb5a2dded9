/*
 * pazhou keygen: a key pair for an administrator. The private key goes to FILE as PEM (mode
 * 0600, encrypted when PAZHOU_KEY_PASSPHRASE is set); FILE.pub holds the HS_PUBKEY value bytes
 * (the reference's binary layout for RSA and DSA, PEM SubjectPublicKeyInfo text for SM2), and
 * the value to register is printed as one JSON Lines value. With --cert, a self-signed X.509
 * certificate over the pair names the identity, for client-certificate authentication over
 * HTTPS; --key makes one for a key pair that exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/base64.h"
#include "crypto/client_cert.h"
#include "crypto/key.h"
#include "crypto/keygen.h"
#include "proto/hdl_pubkey.h"
#include "tools/commands.h"
#include "tools/secret_input.h"

#define PUB_MAX 8192

static void usage(FILE *f)
{
    fprintf(f, "Usage: pazhou keygen --type rsa|dsa|sm2 --out FILE [--bits N] [--index N] "
               "[--cert INDEX:HANDLE [--days N]]\n"
               "       pazhou keygen --key FILE --cert INDEX:HANDLE --out CERT [--days N]\n"
               "Writes the PEM private key to FILE (mode 0600; encrypted with "
               "$" PASSPHRASE_ENV " if set),\n"
               "the HS_PUBKEY value bytes to FILE.pub, and prints the value to register as JSON:\n"
               "  {\"index\":300,\"type\":\"HS_PUBKEY\",\"data\":{\"format\":\"base64\","
               "\"value\":...}}\n"
               "--bits: RSA 2048 (default) or more, DSA 2048 (default) or 1024/3072.\n"
               "--cert also writes FILE.crt, a self-signed certificate naming the identity\n"
               "INDEX:HANDLE whose HS_PUBKEY the key is, for HTTPS client authentication\n"
               "(curl --cert FILE.crt --key FILE); with --key, for the private key in FILE.\n"
               "--days: how long the certificate is valid (default 365).\n");
}

static FILE *open_private(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        fprintf(stderr, "pazhou: cannot write %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    return fdopen(fd, "w");
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "pazhou: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

static void print_value(uint32_t index, const uint8_t *pub, size_t len)
{
    char *b64 = malloc(b64_encoded_len(len, 0) + 1);
    if (!b64)
        return;
    b64_encode(pub, len, b64, 0);
    json_t *j = json_pack("{s:i, s:s, s:{s:s, s:s}}", "index", (json_int_t)index, "type",
                          "HS_PUBKEY", "data", "format", "base64", "value", b64);
    json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("\n");
    json_decref(j);
    free(b64);
}

/* --key FILE --cert ID --out CERT: a certificate for a key pair that exists. */
static int cert_for_key(const char *key_path, const char *identity, const char *out, unsigned days)
{
    FILE *f = fopen(key_path, "r");
    const char *pass = getenv(PASSPHRASE_ENV);
    EVP_PKEY *key = f ? cry_pem_read_private(f, pass) : NULL;
    if (f)
        fclose(f);
    if (!key) {
        fprintf(stderr, "pazhou: %s is not a PEM private key%s\n", key_path,
                pass ? " or $" PASSPHRASE_ENV " is wrong"
                     : " (encrypted? set $" PASSPHRASE_ENV ")");
        return 2;
    }
    char err[256];
    int rc = client_cert_write(out, key, identity, days, err, sizeof err);
    cry_key_free(key);
    if (rc != 0) {
        fprintf(stderr, "pazhou: %s\n", err);
        return 2;
    }
    fprintf(stderr, "pazhou: wrote %s, a certificate for %s\n", out, identity);
    return 0;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"type", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},
        {"bits", required_argument, NULL, 'b'},
        {"index", required_argument, NULL, 'i'},
        {"cert", required_argument, NULL, 'C'},
        {"key", required_argument, NULL, 'k'},
        {"days", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *type = NULL, *out = NULL, *cert = NULL, *key_path = NULL;
    unsigned long days = 365;
    unsigned bits = 2048;
    uint32_t index = 300;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "t:o:b:i:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            type = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'b':
            bits = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'i':
            index = (uint32_t)strtoul(optarg, NULL, 10);
            break;
        case 'C':
            cert = optarg;
            break;
        case 'k':
            key_path = optarg;
            break;
        case 'D':
            days = strtoul(optarg, NULL, 10);
            if (days == 0 || days > 36500) {
                fprintf(stderr, "pazhou: --days takes 1 to 36500\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (key_path) {
        if (!cert || !out || type || optind != argc) {
            usage(stderr);
            return 2;
        }
        return cert_for_key(key_path, cert, out, (unsigned)days);
    }
    if (!type || !out || optind != argc ||
        (strcasecmp(type, "rsa") && strcasecmp(type, "dsa") && strcasecmp(type, "sm2"))) {
        usage(stderr);
        return 2;
    }
    if ((strcasecmp(type, "rsa") == 0 && (bits < 2048 || bits > 16384)) ||
        (strcasecmp(type, "dsa") == 0 && bits != 1024 && bits != 2048 && bits != 3072)) {
        fprintf(stderr, "pazhou: --bits %u does not suit a %s key\n", bits, type);
        return 2;
    }
    EVP_PKEY *key = cry_key_generate(type, bits);
    if (!key) {
        fprintf(stderr, "pazhou: cannot generate a %s key (%s)\n", type, cry_error_reason());
        return 2;
    }
    static uint8_t pub[PUB_MAX];
    size_t pub_len = 0;
    char pub_path[4096];
    snprintf(pub_path, sizeof pub_path, "%s.pub", out);
    const char *pass = getenv(PASSPHRASE_ENV);
    FILE *f = NULL;
    int status = 2;
    char cert_path[4096], err[256];
    snprintf(cert_path, sizeof cert_path, "%s.crt", out);
    if (cert && strcasecmp(type, "sm2") == 0) {
        fprintf(stderr, "pazhou: TLS client certificates take RSA or DSA keys, not SM2\n");
        cry_key_free(key);
        return 2;
    }
    if (cry_pubkey_value(key, pub, sizeof pub, &pub_len) != 0) {
        fprintf(stderr, "pazhou: cannot encode the public key\n");
    } else if ((f = open_private(out)) != NULL) {
        int ok = cry_private_key_write(f, key, pass) == 0;
        if (fclose(f) != 0 || !ok)
            fprintf(stderr, "pazhou: cannot write %s\n", out);
        else if (write_file(pub_path, pub, pub_len) == 0)
            status = 0;
        if (status == 0 && cert &&
            client_cert_write(cert_path, key, cert, (unsigned)days, err, sizeof err) != 0) {
            fprintf(stderr, "pazhou: %s\n", err);
            status = 2;
        }
    }
    cry_key_free(key);
    if (status == 0) {
        print_value(index, pub, pub_len);
        fprintf(stderr, "pazhou: wrote %s (private, %s) and %s (HS_PUBKEY value)\n", out,
                pass ? "encrypted" : "not encrypted", pub_path);
        if (cert)
            fprintf(stderr, "pazhou: wrote %s, a certificate for %s\n", cert_path, cert);
    }
    return status;
}
