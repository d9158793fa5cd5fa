# HTTP request-body parsers (src/api).
netmeter_add_fuzzer(fuzz_multipart fuzz_multipart.cpp netmeter_api)
