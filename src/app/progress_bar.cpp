#include "app/progress_bar.h"

#include <unistd.h>

#include <algorithm>

namespace netmeter {

ProgressBar::ProgressBar(std::FILE* out)
    : out_(out), enabled_(isatty(fileno(out)) != 0), start_(std::chrono::steady_clock::now()) {}

std::string humanCount(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2f G", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.1f k", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string humanBytes(double v) {
  char buf[32];
  if (v >= 1e12) std::snprintf(buf, sizeof buf, "%.2f TB", v / 1e12);
  else if (v >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.2f MB", v / 1e6);
  else if (v >= 1e3) std::snprintf(buf, sizeof buf, "%.1f kB", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B", v);
  return buf;
}

void ProgressBar::update(uint64_t done, uint64_t total, uint64_t packets) {
  if (!enabled_) return;
  constexpr int kWidth = 30;
  const double fraction = total ? std::min(1.0, double(done) / double(total)) : 0.0;
  const int filled = int(fraction * kWidth);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? double(packets) / elapsed : 0;
  const double eta = fraction > 0 ? elapsed / fraction - elapsed : 0;
  std::string bar(size_t(filled), '#');
  bar.append(size_t(kWidth - filled), '.');
  std::fprintf(out_, "\r[%s] %3.0f%%  %spackets  %spkt/s  ETA %.0f s   ", bar.c_str(), fraction * 100,
               humanCount(double(packets)).c_str(), humanCount(rate).c_str(), eta);
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) {
    std::fputs("\r\033[K", out_);
    std::fflush(out_);
  }
}

}  // namespace netmeter
