#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace netmeter {

// A one-line progress bar on a terminal ("[#####.....]  45%  1.2 M packets  3.4 Mpkt/s  ETA 5 s").
// Draws nothing when the stream is not a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* out);
  void update(uint64_t done, uint64_t total, uint64_t packets);
  void finish();

 private:
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

// "1.23 M", "456 k", "789".
std::string humanCount(double value);
// "1.2 GB", "34.5 MB" (decimal units, as network tools report volumes).
std::string humanBytes(double bytes);

}  // namespace netmeter
