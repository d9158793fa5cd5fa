# Capture-file readers (src/io).
netmeter_add_fuzzer(fuzz_pcap_reader fuzz_pcap_reader.cpp netmeter_io)
netmeter_add_fuzzer(fuzz_pcapng_reader fuzz_pcapng_reader.cpp netmeter_io)
