# Packet decoder: first two input bytes = link type (big endian), the rest = the packet.
netmeter_add_fuzzer(fuzz_decoder fuzz_decoder.cpp netmeter_decode)
