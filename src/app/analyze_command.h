#pragma once

namespace netmeter {

// `netmeter analyze FILE... [--threads N] [--memory SIZE] [--json OUT]`: analyzes capture files as one
// trace, shows progress on a terminal, prints a summary and optionally writes every statistic as JSON.
int runAnalyzeCommand(int argc, char** argv);

}  // namespace netmeter
