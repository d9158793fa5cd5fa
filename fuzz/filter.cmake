# Filter expression language (src/filter): parse + compile arbitrary text, evaluate on fixed packets.
netmeter_add_fuzzer(fuzz_filter_parser fuzz_filter_parser.cpp netmeter_filter)
