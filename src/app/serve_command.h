#pragma once

namespace netmeter {

// `netmeter serve --pcap FILE... [--listen ADDR:PORT] [--threads N] [--memory SIZE] [server flags]`:
// analyzes the capture files in the background and serves the statistics (REST API) until SIGINT
// or SIGTERM. argv[0] is "serve".
int runServeCommand(int argc, char** argv);

}  // namespace netmeter
