/* Numbers of the Handle protocol (RFC 3652 and the reference implementation): docs/protocol.md §4-§6. */
#ifndef HDL_CONST_H
#define HDL_CONST_H

#define HDL_MAJOR_VERSION 2
#define HDL_MINOR_VERSION 10
#define HDL_MINOR_VERSION_MAX 11 /* 2.11 requests (docs/protocol.md §19.1) are accepted */
#define HDL_COMPAT_MINOR_VERSION 3

#define HDL_ENVELOPE_LEN 20
#define HDL_HEADER_LEN 24

/* Fixed offsets in every message, requests and responses alike (docs/protocol.md §4-§5): the
 * envelope's messageLength, then, right after the envelope, the header's opCode and
 * responseCode; the body follows the header. */
#define HDL_MESSAGE_LENGTH_AT 16
#define HDL_OPCODE_AT HDL_ENVELOPE_LEN
#define HDL_RC_AT (HDL_ENVELOPE_LEN + 4)
#define HDL_BODY_AT (HDL_ENVELOPE_LEN + HDL_HEADER_LEN)

/* Limits of the reference implementation (docs/protocol.md §2). */
#define HDL_MAX_MESSAGE_LEN 262144u
#define HDL_MAX_HANDLE_LEN 2048u
#define HDL_MAX_VALUES 2048u
#define HDL_MAX_ARRAY 1048576u

/* UDP: 512-byte datagrams carrying at most 492 message bytes each (docs/protocol.md §12). */
#define HDL_UDP_DATAGRAM_MAX 512u
#define HDL_UDP_PAYLOAD_MAX 492u

/* Envelope flag bits (high bits of byte 2; the low 2 bits carry the suggested major version). */
#define HDL_ENV_COMPRESSED 0x80u
#define HDL_ENV_ENCRYPTED 0x40u
#define HDL_ENV_TRUNCATED 0x20u

enum hdl_opcode {
    HDL_OC_RESERVED = 0,
    HDL_OC_RESOLUTION = 1,
    HDL_OC_GET_SITE_INFO = 2,
    HDL_OC_CREATE_HANDLE = 100,
    HDL_OC_DELETE_HANDLE = 101,
    HDL_OC_ADD_VALUE = 102,
    HDL_OC_REMOVE_VALUE = 103,
    HDL_OC_MODIFY_VALUE = 104,
    HDL_OC_LIST_HANDLES = 105,
    HDL_OC_LIST_NAS = 106,
    HDL_OC_CHALLENGE_RESPONSE = 200,
    HDL_OC_VERIFY_RESPONSE = 201,
    HDL_OC_HOME_NA = 300,
    HDL_OC_UNHOME_NA = 301,
    HDL_OC_LIST_HOMED_NAS = 302,
    HDL_OC_SESSION_SETUP = 400,
    HDL_OC_SESSION_TERMINATE = 401,
    HDL_OC_SESSION_EXCHANGEKEY = 402,
    HDL_OC_GET_NEXT_TXN_ID = 1000,
    HDL_OC_RETRIEVE_TXN_LOG = 1001,
    HDL_OC_DUMP_HANDLES = 1002,
    HDL_OC_BACKUP_SERVER = 1003,
    HDL_OC_LOGIN_ID_SYSTEM = 2001, /* docs/protocol.md §19.5 */
};

enum hdl_response_code {
    HDL_RC_RESERVED = 0,
    HDL_RC_SUCCESS = 1,
    HDL_RC_ERROR = 2,
    HDL_RC_SERVER_TOO_BUSY = 3,
    HDL_RC_PROTOCOL_ERROR = 4,
    HDL_RC_OPERATION_NOT_SUPPORTED = 5,
    HDL_RC_RECURSION_COUNT_TOO_HIGH = 6,
    HDL_RC_SERVER_BACKUP = 7,
    HDL_RC_HANDLE_NOT_FOUND = 100,
    HDL_RC_HANDLE_ALREADY_EXISTS = 101,
    HDL_RC_INVALID_HANDLE = 102,
    HDL_RC_VALUES_NOT_FOUND = 200,
    HDL_RC_VALUE_ALREADY_EXISTS = 201,
    HDL_RC_INVALID_VALUE = 202,
    HDL_RC_OUT_OF_DATE_SITE_INFO = 300,
    HDL_RC_SERVER_NOT_RESP = 301,
    HDL_RC_SERVICE_REFERRAL = 302,
    HDL_RC_PREFIX_REFERRAL = 303,
    HDL_RC_INVALID_ADMIN = 400,
    HDL_RC_INSUFFICIENT_PERMISSIONS = 401,
    HDL_RC_AUTHENTICATION_NEEDED = 402,
    HDL_RC_AUTHENTICATION_FAILED = 403,
    HDL_RC_INVALID_CREDENTIAL = 404,
    HDL_RC_AUTHEN_TIMEOUT = 405,
    HDL_RC_AUTHEN_ERROR = 406,
    HDL_RC_SESSION_TIMEOUT = 500,
    HDL_RC_SESSION_FAILED = 501,
    HDL_RC_INVALID_SESSION_KEY = 502,
    HDL_RC_NEED_RSAKEY_FOR_SESSIONEXCHANGE = 503,
    HDL_RC_INVALID_SESSIONSETUP_REQUEST = 504,
    HDL_RC_SESSION_MESSAGE_REJECTED = 505,
};

/* opFlags (header bytes 8..11). */
#define HDL_FLAG_AT 0x80000000u   /* authoritative */
#define HDL_FLAG_CT 0x40000000u   /* certify: sign the response */
#define HDL_FLAG_ENC 0x20000000u  /* encrypt the response */
#define HDL_FLAG_REC 0x10000000u  /* recursive */
#define HDL_FLAG_CA 0x08000000u   /* cache certify */
#define HDL_FLAG_CN 0x04000000u   /* continuous: more messages follow */
#define HDL_FLAG_KA 0x02000000u   /* keep-alive */
#define HDL_FLAG_PO 0x01000000u   /* public only */
#define HDL_FLAG_RD 0x00800000u   /* return request digest */
#define HDL_FLAG_OVRW 0x00400000u /* overwrite */
#define HDL_FLAG_MINT 0x00200000u /* mint a new suffix */
#define HDL_FLAG_DNRF 0x00100000u /* do not refer */
/* Chinese deployments' bits (docs/protocol.md §19.3); carried, otherwise ignored. */
#define HDL_FLAG_PASS_IDENTITY 0x00000004u
#define HDL_FLAG_TRUSTED_QUERY 0x00000002u
#define HDL_FLAG_TRUSTED_RESULT 0x00000001u

/* Value permission bits (int1 in every handle value). */
#define HDL_PERM_ADMIN_READ 0x08u
#define HDL_PERM_ADMIN_WRITE 0x04u
#define HDL_PERM_PUBLIC_READ 0x02u
#define HDL_PERM_PUBLIC_WRITE 0x01u
#define HDL_PERM_DEFAULT 0x0eu

#define HDL_TTL_RELATIVE 0
#define HDL_TTL_ABSOLUTE 1

/* HS_ADMIN permission bits (docs/protocol.md §9.1). */
#define HDL_ADM_ADD_HANDLE 0x0001u
#define HDL_ADM_DELETE_HANDLE 0x0002u
#define HDL_ADM_ADD_NA 0x0004u
#define HDL_ADM_DELETE_NA 0x0008u
#define HDL_ADM_MODIFY_VALUE 0x0010u
#define HDL_ADM_REMOVE_VALUE 0x0020u
#define HDL_ADM_ADD_VALUE 0x0040u
#define HDL_ADM_MODIFY_ADMIN 0x0080u
#define HDL_ADM_REMOVE_ADMIN 0x0100u
#define HDL_ADM_ADD_ADMIN 0x0200u
#define HDL_ADM_READ_VALUE 0x0400u
#define HDL_ADM_LIST_HANDLES 0x0800u
#define HDL_ADM_ALL 0x0fffu

/* Request digest algorithms (docs/protocol.md §10). */
#define HDL_DIGEST_OLD_MD5 0
#define HDL_DIGEST_MD5 1
#define HDL_DIGEST_SHA1 2
#define HDL_DIGEST_SHA256 3

#endif
