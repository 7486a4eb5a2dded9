# Keys and digests: the conversions between OpenSSL and the wire forms.
pazhou_unit_test(test_key pazhou_crypto)
