# Application analyzers (src/modules/dns, src/modules/http, src/modules/app): the DNS message parser
# alone, and arbitrary segment sequences through the application dispatch (TCP reassembly, HTTP
# framing, DNS over TCP and UDP).
netmeter_add_fuzzer(fuzz_dns_parser fuzz_dns_parser.cpp netmeter_modules)
netmeter_add_fuzzer(fuzz_l7_stream fuzz_l7_stream.cpp netmeter_modules)
