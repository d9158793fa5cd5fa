# Capture requests and capture profiles (src/modules/capture): query parameters and profile JSON.
netmeter_add_fuzzer(fuzz_capture_request fuzz_capture_request.cpp netmeter_module_api)
