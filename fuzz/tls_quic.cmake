# TLS handshake parser (records, ClientHello/ServerHello, JA3/JA4) and QUIC Initial handling
# (long headers, decryption attempts, frames, CRYPTO reassembly), Google QUIC (headers, frames, CHLO).
# See fuzz_tls_quic.cpp for the input.
netmeter_add_fuzzer(fuzz_tls_quic fuzz_tls_quic.cpp netmeter_quic)
