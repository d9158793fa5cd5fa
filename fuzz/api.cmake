# HTTP request-body parsers (src/api).
netmeter_add_fuzzer(fuzz_multipart fuzz_multipart.cpp netmeter_api)
# Every GET route of the modules and the system statistics, answered through the router without the
# network (parameters, paging, filters, path parameters) over a small generated trace.
netmeter_add_fuzzer(fuzz_api_routes fuzz_api_routes.cpp netmeter_app)
