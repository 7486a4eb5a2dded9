# QR codes: the symbol, its PNG and SVG drawings, the URL it holds.
pazhou_unit_test(test_qr_symbol pazhou_qr)
pazhou_unit_test(test_qr_image pazhou_qr PkgConfig::LIBPNG)
pazhou_unit_test(test_qr_url pazhou_qr)
