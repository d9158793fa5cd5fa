#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

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

// Transparent huge pages for the heap. The statistics are hundreds of megabytes that grow while
// packets are processed; with 4 KiB pages a tenth of the worker's time went to page faults (zeroing
// fresh pages) and TLB misses. The kernel's default policy ("madvise") gives huge pages only to
// memory the program asks for them, and glibc's allocator asks only when its tunable
// glibc.malloc.hugetlb=1 is set before the process starts. So netmeter, started without it, starts
// itself again once with it (same arguments, same process id; NETMETER_HUGEPAGES=0 turns this off).
// If anything fails it simply runs on with normal pages.
void preferHugePages(char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  const char* choice = std::getenv("NETMETER_HUGEPAGES");
  if (choice != nullptr && std::strcmp(choice, "0") == 0) return;
  std::FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f == nullptr) return;
  char mode[128] = {};
  const size_t n = std::fread(mode, 1, sizeof mode - 1, f);
  std::fclose(f);
  mode[n] = 0;
  if (std::strstr(mode, "[madvise]") == nullptr) return;  // "always" needs nothing, "never" allows nothing
  std::string value = "glibc.malloc.hugetlb=1";
  if (tunables != nullptr && *tunables != 0) value = std::string(tunables) + ":" + value;
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("GLIBC_TUNABLES");  // exec failed: run on as we are
  if (tunables != nullptr) ::setenv("GLIBC_TUNABLES", tunables, 1);
}

}  // namespace

int main(int argc, char** argv) {
  preferHugePages(argv);
  // Statistics grow in many small steps; let the allocator take memory from the system in 16 MiB steps
  // instead of a page at a time (far fewer brk/mprotect calls and allocator slow paths on the hot path).
  // Worker threads would get their own arenas, which glibc grows a page at a time regardless of
  // M_TOP_PAD; they allocate rarely (new entities, closed seconds), so one shared arena costs no contention.
  mallopt(M_TOP_PAD, 16 << 20);
  mallopt(M_ARENA_MAX, 1);
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
  if (std::strcmp(command, "help") == 0 || std::strcmp(command, "--help") == 0 || std::strcmp(command, "-h") == 0) {
    printUsage(stdout);
    return 0;
  }
  std::fprintf(stderr, "netmeter: unknown command '%s'\n\n", command);
  printUsage(stderr);
  return 2;
}
