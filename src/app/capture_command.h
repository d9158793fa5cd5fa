#pragma once

namespace netmeter {

// `netmeter capture FILE... -e EXPR -w OUT [...]`: writes the packets of the trace that match a filter
// expression to a pcap or pcapng file (offline extraction). Returns the process exit status.
int runCaptureCommand(int argc, char** argv);

}  // namespace netmeter
