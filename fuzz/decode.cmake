# Packet decoder: first two input bytes = link type (big endian), the rest = the packet.
netmeter_add_fuzzer(fuzz_decoder fuzz_decoder.cpp netmeter_decode)
# IP reassembly driven as the reader drives it: a byte of limits, a byte of time step, then frames
# (see fuzz_ip_reassembly.cpp).
netmeter_add_fuzzer(fuzz_ip_reassembly fuzz_ip_reassembly.cpp netmeter_decode)
