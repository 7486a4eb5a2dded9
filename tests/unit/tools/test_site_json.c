/* The site JSON of `pazhou site export` and `pazhou prefix delegate` (tools/site_json.c): the
 * reference's siteinfo.json text and bytes, both ways, and every layout the reference reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/hdl_site.h"
#include "tools/site_json.h"

/* The reference server's siteinfo.json beside the tests, as its server directory holds it. */
static const char ref_json[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"protocolVersion\": \"2.10\",\n"
    "  \"serialNumber\": 1,\n"
    "  \"primarySite\": true,\n"
    "  \"multiPrimary\": false,\n"
    "  \"attributes\": [\n"
    "    {\n"
    "      \"name\": \"desc\",\n"
    "      \"value\": \"CNRI HANDLE.NET 9.0.0 anchor test server (loopback)\"\n"
    "    }\n"
    "  ],\n"
    "  \"servers\": [\n"
    "    {\n"
    "      \"serverId\": 1,\n"
    "      \"address\": \"127.0.0.1\",\n"
    "      \"publicKey\": {\n"
    "        \"format\": \"key\",\n"
    "        \"value\": {\n"
    "          \"kty\": \"DSA\",\n"
    "          \"y\": "
    "\"9C7WYi78KeGw52y4vfOw42DR0Hlz9ihutMNKNLfWQ2btXszDQ-"
    "mLbYrgaI0NtJWPxX5oXwNg9FvjnAtMYKR25iLFEcActwC4Dit2CBKXu2xptyxOAJ3M1fjcMg1GKWAS76U9oDCWrCglpZnk"
    "eXMqWfC75yPcvT4oRgHx_FTJDqw\",\n"
    "          \"p\": "
    "\"_X9TgR11EilS30qcLuzk5_YRt1I870QAwx4_gLZRJmlFXUAiUftZPY1Y-r_"
    "F9bow9subVWzXgTuAHTRv8mZgt2uZUKWkn5_oBHsQIsJPu6nX_rfGG_g7V-fGqKYVDwT7g_"
    "bTxR7DAjVUE1oWkTL2dfOuK2HXKu_yIgMZndFIAcc\",\n"
    "          \"q\": \"l2BQjxUjC8yykrmCouuEC_BYHPU\",\n"
    "          \"g\": "
    "\"9-GghdabPd7LvKtcNrhXuXmUr7v6OuqC-VdMCz0HgmdRWVeOutRZT-"
    "ZxBxCBgLRJFnEj6EwoFhO3zwkyjMim4TwWeotUfI0o4KOuHiuzpnWRbqN_C_ohNWLx-2J6ASQ7zKTxvqhRkImog9_"
    "hWuWfBpKLZl6Ae1UlZAFMO_7PSSo\"\n"
    "        }\n"
    "      },\n"
    "      \"interfaces\": [\n"
    "        {\n"
    "          \"query\": true,\n"
    "          \"admin\": true,\n"
    "          \"protocol\": \"TCP\",\n"
    "          \"port\": 12641\n"
    "        },\n"
    "        {\n"
    "          \"query\": true,\n"
    "          \"admin\": false,\n"
    "          \"protocol\": \"UDP\",\n"
    "          \"port\": 12641\n"
    "        },\n"
    "        {\n"
    "          \"query\": true,\n"
    "          \"admin\": true,\n"
    "          \"protocol\": \"HTTP\",\n"
    "          \"port\": 18000\n"
    "        }\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}";

/* What the reference's hdl-convert-siteinfo makes of it (570 bytes). */
static const char ref_bin_hex[] =
    "0001020a000180020000000000000001000000046465736300000033434e52492048414e444c452e4e455420392e30"
    "2e"
    "3020616e63686f7220746573742073657276657220286c6f6f706261636b2900000001000000010000000000000000"
    "00"
    "0000007f000001000001b90000000b4453415f5055425f4b4559000000000015009760508f15230bccb292b982a2eb"
    "84"
    "0bf0581cf50000008100fd7f53811d75122952df4a9c2eece4e7f611b7523cef4400c31e3f80b6512669455d402251"
    "fb"
    "593d8d58fabfc5f5ba30f6cb9b556cd7813b801d346ff26660b76b9950a5a49f9fe8047b1022c24fbba9d7feb7c61b"
    "f8"
    "3b57e7c6a8a6150f04fb83f6d3c51ec3023554135a169132f675f3ae2b61d72aeff22203199dd14801c70000008100"
    "f7"
    "e1a085d69b3ddecbbcab5c36b857b97994afbbfa3aea82f9574c0b3d0782675159578ebad4594fe67107108180b449"
    "16"
    "7123e84c281613b7cf09328cc8a6e13c167a8b547c8d28e0a3ae1e2bb3a675916ea37f0bfa213562f1fb627a01243b"
    "cc"
    "a4f1bea8519089a883dfe15ae59f06928b665e807b552564014c3bfecf492a0000008100f42ed6622efc29e1b0e76c"
    "b8"
    "bdf3b0e360d1d07973f6286eb4c34a34b7d64366ed5eccc343e98b6d8ae0688d0db4958fc57e685f0360f45be39c0b"
    "4c"
    "60a476e622c511c01cb700b80e2b76081297bb6c69b72c4e009dccd5f8dc320d46296012efa53da03096ac2825a599"
    "e4"
    "79732a59f0bbe723dcbd3e284601f1fc54c90eac00000003030100003161020000003161030200004650";

static uint8_t ref_bin[1024];
static size_t ref_len;

static int setup(void **state)
{
    (void)state;
    ref_len = strlen(ref_bin_hex) / 2;
    for (size_t i = 0; i < ref_len; i++) {
        unsigned b;
        sscanf(ref_bin_hex + 2 * i, "%2x", &b);
        ref_bin[i] = (uint8_t)b;
    }
    return 0;
}

static void assert_ref_bytes(const json_t *root)
{
    uint8_t *out = NULL;
    size_t len = 0;
    char err[256] = "";
    int rc = site_json_to_bin(root, &out, &len, err, sizeof err);
    if (rc != 0)
        fail_msg("site_json_to_bin: %s", err);
    assert_int_equal(len, ref_len);
    assert_memory_equal(out, ref_bin, ref_len);
    free(out);
}

static void reference_siteinfo_json_gives_the_reference_bytes(void **state)
{
    (void)state;
    json_t *root = json_loads(ref_json, 0, NULL);
    assert_non_null(root);
    assert_ref_bytes(root);
    json_decref(root);
}

static void site_bytes_give_the_reference_text(void **state)
{
    (void)state;
    char *text = site_json_from_bin(ref_bin, ref_len);
    assert_non_null(text);
    assert_string_equal(text, ref_json);
    free(text);
    assert_null(site_json_from_bin(ref_bin, ref_len - 1));
}

static void answers_and_values_holding_a_site_are_read(void **state)
{
    (void)state;
    json_t *site = json_loads(ref_json, 0, NULL);
    json_t *answer = json_pack("{s:i,s:O}", "responseCode", 1, "site", site);
    json_t *value = json_pack("{s:i,s:s,s:{s:s,s:O}}", "index", 1, "type", "HS_SITE", "data",
                              "format", "site", "value", site);
    assert_ref_bytes(answer);
    assert_ref_bytes(value);
    json_decref(answer);
    json_decref(value);
    json_decref(site);
}

/* The older layout: capitalised keys, ServerList, interfaceList, a hex key, attributes as an
 * object, booleans as strings. */
static void older_layout_gives_the_same_bytes(void **state)
{
    (void)state;
    static struct hdl_site site;
    assert_int_equal(hdl_site_decode(ref_bin, ref_len, &site), 0);
    struct hdl_slice pk = site.servers[0].public_key;
    char *hex = malloc(pk.len * 2 + 1);
    for (uint32_t i = 0; i < pk.len; i++)
        sprintf(hex + 2 * i, "%02x", pk.ptr[i]);
    json_t *old =
        json_pack("{s:i,s:s,s:i,s:s,s:b,s:{s:s},s:[{s:i,s:s,s:s,s:[{s:b,s:b,s:s,s:i},{s:s,s:b,s:s,"
                  "s:i},{s:b,s:b,s:s,s:i}]}]}",
                  "Version", 1, "ProtocolVersion", "2.10", "SerialNumber", 1, "PrimarySite", "true",
                  "MultiPrimary", 0, "Attributes", "desc",
                  "CNRI HANDLE.NET 9.0.0 anchor test server (loopback)", "ServerList", "ServerId",
                  1, "Address", "127.0.0.1", "PublicKey", hex, "InterfaceList", "Query", 1, "Admin",
                  1, "Protocol", "TCP", "Port", 12641, "Query", "true", "Admin", 0, "Protocol",
                  "UDP", "Port", 12641, "Query", 1, "Admin", 1, "Protocol", "HTTP", "Port", 18000);
    assert_non_null(old);
    assert_ref_bytes(old);
    json_decref(old);
    free(hex);
}

static void not_a_site_is_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[]",
        "{\"version\":1}",
        "{\"servers\":[]}",
        "{\"servers\":[{\"serverId\":1}]}",
        "{\"servers\":[{\"serverId\":1,\"address\":\"not an address\",\"publicKey\":"
        "{\"format\":\"base64\",\"value\":\"AAAA\"},\"interfaces\":[]}]}",
        "{\"servers\":[{\"serverId\":1,\"address\":\"127.0.0.1\",\"publicKey\":"
        "{\"format\":\"hex\",\"value\":\"zz\"},\"interfaces\":[]}]}",
        "{\"servers\":[{\"serverId\":1,\"address\":\"127.0.0.1\",\"publicKey\":"
        "{\"format\":\"base64\",\"value\":\"AAAA\"},\"interfaces\":[{\"query\":true}]}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i], 0, NULL);
        assert_non_null(j);
        uint8_t *out = NULL;
        size_t len = 0;
        char err[256] = "";
        assert_int_equal(site_json_to_bin(j, &out, &len, err, sizeof err), -1);
        assert_null(out);
        assert_true(strlen(err) > 0);
        json_decref(j);
    }
}

static void write_tmp(char *path, const void *buf, size_t len)
{
    strcpy(path, "/tmp/test_site_json.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static void files_are_json_or_binary(void **state)
{
    (void)state;
    char path[64], err[512];
    uint8_t *out;
    size_t len;
    write_tmp(path, ref_json, strlen(ref_json));
    assert_int_equal(site_file_read(path, false, &out, &len, err, sizeof err), 0);
    assert_int_equal(len, ref_len);
    assert_memory_equal(out, ref_bin, ref_len);
    free(out);
    /* JSON given as binary is not a site record. */
    assert_int_equal(site_file_read(path, true, &out, &len, err, sizeof err), -1);
    unlink(path);

    write_tmp(path, ref_bin, ref_len);
    assert_int_equal(site_file_read(path, false, &out, &len, err, sizeof err), 0);
    assert_int_equal(len, ref_len);
    assert_memory_equal(out, ref_bin, ref_len);
    free(out);
    unlink(path);

    write_tmp(path, ref_bin, ref_len - 3);
    assert_int_equal(site_file_read(path, false, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a site record"));
    unlink(path);

    write_tmp(path, "{\"servers\": [", 13);
    assert_int_equal(site_file_read(path, false, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "not JSON"));
    unlink(path);

    assert_int_equal(
        site_file_read("/nonexistent/siteinfo.json", false, &out, &len, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/siteinfo.json: No such file"));
}

static void binary_is_told_from_text_as_the_reference_does(void **state)
{
    (void)state;
    assert_false(site_json_looks_binary((const uint8_t *)ref_json, strlen(ref_json)));
    assert_true(site_json_looks_binary(ref_bin, ref_len));
    assert_true(site_json_looks_binary((const uint8_t *)"{\xff}", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_siteinfo_json_gives_the_reference_bytes),
        cmocka_unit_test(site_bytes_give_the_reference_text),
        cmocka_unit_test(answers_and_values_holding_a_site_are_read),
        cmocka_unit_test(older_layout_gives_the_same_bytes),
        cmocka_unit_test(not_a_site_is_refused_with_a_reason),
        cmocka_unit_test(files_are_json_or_binary),
        cmocka_unit_test(binary_is_told_from_text_as_the_reference_does),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
