/* The one mapping of error codes to HTTP statuses (through the response codes, with the REST
 * API's own exceptions), pinned for the codes the node answers with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/errcode.h"
#include "proto/hdl_const.h"
#include "resolver/http/http_send.h"

static void error_codes_map_to_the_statuses_the_node_answers_with(void **state)
{
    (void)state;
    static const struct {
        int err;
        int status;
    } table[] = {
        {PZ_OK, 200},
        {REG_NOT_FOUND, 404},
        {REG_ERR_INVALID, 400},
        {REG_ERR_EXISTS, 409},
        {REG_ERR_IO, 500},
        {REG_ERR_NOSPACE, 500},
        {HDL_ERR_MALFORMED, 400},
        {HDL_ERR_TRUNCATED, 400},
        {HDL_ERR_DIGEST, 500},
        {PZ_ERR_NOMEM, 503},
        /* POST /api/imports (tests/integration/test_node_import.py). */
        {NODE_IMPORT_BUSY, 409},
        {NODE_IMPORT_OFF, 501},
        {NODE_IMPORT_BAD_PATH, 400},
        {NODE_IMPORT_FAILED, 503},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        assert_int_equal(http_status_of_error(table[i].err, true), table[i].status);
        assert_int_equal(http_status_of_error(table[i].err, false), table[i].status);
    }
}

static void every_error_code_has_a_status(void **state)
{
    (void)state;
    for (size_t i = 0; pz_err_all[i] != -1; i++) {
        int status = http_status_of_error(pz_err_all[i], true);
        assert_true(status >= 200 && status < 600);
        assert_true((status == 200) == (pz_err_all[i] == PZ_OK));
    }
}

static void response_codes_map_to_statuses(void **state)
{
    (void)state;
    assert_int_equal(http_status_of_rc(HDL_RC_SUCCESS, true), 200);
    assert_int_equal(http_status_of_rc(HDL_RC_VALUES_NOT_FOUND, true), 200);
    assert_int_equal(http_status_of_rc(HDL_RC_HANDLE_NOT_FOUND, true), 404);
    assert_int_equal(http_status_of_rc(HDL_RC_INVALID_HANDLE, true), 400);
    assert_int_equal(http_status_of_rc(HDL_RC_AUTHENTICATION_NEEDED, true), 401);
    assert_int_equal(http_status_of_rc(HDL_RC_AUTHENTICATION_NEEDED, false), 403);
    assert_int_equal(http_status_of_rc(HDL_RC_SERVER_TOO_BUSY, true), 503);
    assert_int_equal(http_status_of_rc(HDL_RC_ERROR, true), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_codes_map_to_the_statuses_the_node_answers_with),
        cmocka_unit_test(every_error_code_has_a_status),
        cmocka_unit_test(response_codes_map_to_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
