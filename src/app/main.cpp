#include <malloc.h>

#include <cstdio>
#include <cstring>

#include "api/user_command.h"
#include "app/analyze_command.h"
#include "app/capture_command.h"
#include "app/serve_command.h"
#include "generate/generate_command.h"

namespace {

void printUsage(std::FILE* out) {
  std::fputs(
      "usage: netmeter <command> [options]\n"
      "\n"
      "commands:\n"
      "  analyze FILE... [--threads N] [--memory SIZE] [--json OUT]\n"
      "                      analyze capture files (pcap, pcapng, also gzip/zstd compressed) as one trace\n"
      "  serve --pcap FILE... [--listen ADDR:PORT] [options]\n"
      "                      analyze in the background and serve the statistics over HTTP(S) (REST API)\n"
      "  user list|add|passwd|del ...\n"
      "                      manage the API's users (see `netmeter user --help`)\n"
      "  capture FILE... -e EXPR -w OUT [--snaplen N] [--start T] [--end T] [--pcap|--pcapng]\n"
      "                      write the packets matching a filter expression to pcap/pcapng\n"
      "  generate --out FILE [options]\n"
      "                      write a deterministic synthetic trace (see `netmeter generate --help`)\n"
      "  help                this text\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  // Statistics grow in many small steps; let the allocator take the main arena's memory from the
  // system in 16 MiB steps instead of a page at a time (far fewer brk calls and allocator slow paths).
  // Worker threads keep their own arenas (glibc's default): with all threads in one arena
  // (M_ARENA_MAX 1, until 2026-12) two workers blocked each other on its lock ~11,000 times in a 1.4 s
  // analysis (HTTP heads, history vectors, nDPI's flows), and the two-worker analysis of the 10 M
  // generated trace took ~11 % longer (README Performance).
  mallopt(M_TOP_PAD, 16 << 20);
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  const char* command = argv[1];
  if (std::strcmp(command, "analyze") == 0) return netmeter::runAnalyzeCommand(argc - 1, argv + 1);
  if (std::strcmp(command, "serve") == 0) return netmeter::runServeCommand(argc - 1, argv + 1);
  if (std::strcmp(command, "user") == 0) return netmeter::runUserCommand(argc - 1, argv + 1);
  if (std::strcmp(command, "capture") == 0) return netmeter::runCaptureCommand(argc - 1, argv + 1);
  if (std::strcmp(command, "generate") == 0) return netmeter::runGenerateCommand(argc - 1, argv + 1);
  if (std::strcmp(command, "help") == 0 || std::strcmp(command, "--help") == 0 ||
      std::strcmp(command, "-h") == 0) {
    printUsage(stdout);
    return 0;
  }
  std::fprintf(stderr, "netmeter: unknown command '%s'\n\n", command);
  printUsage(stderr);
  return 2;
}
