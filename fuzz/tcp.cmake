# TCP options parser: the input is the options area of a TCP header (at most 40 bytes are used).
netmeter_add_fuzzer(fuzz_tcp_options fuzz_tcp_options.cpp netmeter_decode)
