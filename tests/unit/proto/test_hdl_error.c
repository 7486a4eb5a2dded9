/* The one mapping of error codes to Handle response codes: pinned for the codes the node
 * answers with, and defined for every code of the space. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proto/hdl_const.h"
#include "proto/hdl_error.h"

static void error_codes_map_to_the_response_codes_the_node_answers_with(void **state)
{
    (void)state;
    static const struct {
        int err;
        uint32_t rc;
    } table[] = {
        {PZ_OK, HDL_RC_SUCCESS},
        /* A request that does not decode. */
        {HDL_ERR_TRUNCATED, HDL_RC_PROTOCOL_ERROR},
        {HDL_ERR_LIMIT, HDL_RC_PROTOCOL_ERROR},
        {HDL_ERR_VERSION, HDL_RC_PROTOCOL_ERROR},
        {HDL_ERR_MALFORMED, HDL_RC_PROTOCOL_ERROR},
        {HDL_ERR_TRAILING, HDL_RC_PROTOCOL_ERROR},
        {HDL_ERR_UNSUPPORTED, HDL_RC_PROTOCOL_ERROR},
        /* What the node itself failed at. */
        {HDL_ERR_NOSPACE, HDL_RC_ERROR},
        {HDL_ERR_CRYPTO, HDL_RC_ERROR},
        {HDL_ERR_DIGEST, HDL_RC_ERROR},
        /* The registry. */
        {REG_NOT_FOUND, HDL_RC_HANDLE_NOT_FOUND},
        {REG_ERR_INVALID, HDL_RC_INVALID_VALUE},
        {REG_ERR_EXISTS, HDL_RC_HANDLE_ALREADY_EXISTS},
        {REG_ERR_IO, HDL_RC_ERROR},
        {REG_ERR_NOSPACE, HDL_RC_ERROR},
        {REG_ERR_CORRUPT, HDL_RC_ERROR},
        {REG_ERR_READONLY, HDL_RC_ERROR},
        {REG_ERR_LOCKED, HDL_RC_ERROR},
        {REG_ERR_MISSING, HDL_RC_ERROR},
        {PZ_ERR_NOMEM, HDL_RC_SERVER_TOO_BUSY},
        /* Starting an import on the node (POST /api/imports). */
        {NODE_IMPORT_BUSY, HDL_RC_SERVER_TOO_BUSY},
        {NODE_IMPORT_OFF, HDL_RC_OPERATION_NOT_SUPPORTED},
        {NODE_IMPORT_BAD_PATH, HDL_RC_PROTOCOL_ERROR},
        {NODE_IMPORT_FAILED, HDL_RC_SERVER_TOO_BUSY},
        {BULK_ERR_FAILED, HDL_RC_ERROR},
        /* Another server that did not answer a request made on the caller's behalf. */
        {CLI_ERR_TIMEOUT, HDL_RC_ERROR},
        {CLI_ERR_NETWORK, HDL_RC_ERROR},
        {CLI_ERR_MALFORMED, HDL_RC_ERROR},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_int_equal(hdl_rc_of_error(table[i].err), table[i].rc);
    }
}

static void every_error_code_maps_to_a_response_code(void **state)
{
    (void)state;
    for (size_t i = 0; pz_err_all[i] != -1; i++) {
        uint32_t rc = hdl_rc_of_error(pz_err_all[i]);
        assert_true(rc == HDL_RC_SUCCESS || rc == HDL_RC_ERROR || rc == HDL_RC_SERVER_TOO_BUSY ||
                    rc == HDL_RC_PROTOCOL_ERROR || rc == HDL_RC_OPERATION_NOT_SUPPORTED ||
                    rc == HDL_RC_HANDLE_NOT_FOUND || rc == HDL_RC_HANDLE_ALREADY_EXISTS ||
                    rc == HDL_RC_INVALID_VALUE || rc == HDL_RC_SERVER_NOT_RESP);
        assert_true((rc == HDL_RC_SUCCESS) == (pz_err_all[i] == PZ_OK));
    }
    /* A value outside the space is the node's failure, never success. */
    assert_int_equal(hdl_rc_of_error(-1), HDL_RC_ERROR);
    assert_int_equal(hdl_rc_of_error(12345), HDL_RC_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_codes_map_to_the_response_codes_the_node_answers_with),
        cmocka_unit_test(every_error_code_maps_to_a_response_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
