#pragma once

namespace netmeter {

// `netmeter-generate` / `netmeter generate`: parses the command line (argv[0] is the command name),
// writes the trace and prints a summary. Returns the process exit code.
int runGenerateCommand(int argc, char** argv);

}  // namespace netmeter
