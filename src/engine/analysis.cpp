#include "engine/analysis.h"

#include <algorithm>
#include <climits>

namespace netmeter {

Analysis::Analysis(std::unique_ptr<PacketSource> source, std::vector<std::string> inputNames,
                   EngineOptions options)
    : source_(std::move(source)), inputNames_(std::move(inputNames)), engine_(options) {
  engine_.setTimeIndex(&timeIndex_);
  interfaces_ = source_->interfaces();
  progress_.bytesTotal = source_->bytesTotal();
}

Analysis::Analysis(Opener open, std::vector<std::string> inputNames, EngineOptions options)
    : open_(std::move(open)), inputNames_(std::move(inputNames)), engine_(options) {
  engine_.setTimeIndex(&timeIndex_);
}

Analysis::~Analysis() {
  stop();
  wait();
}

void Analysis::start() {
  if (started_.exchange(true)) return;
  startWall_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void Analysis::wait() {
  // Several threads may wait (the server's reporter and its shutdown): one joins, the others wait
  // for it here.
  std::lock_guard lock(joinMutex_);
  if (thread_.joinable()) thread_.join();
}

void Analysis::run() {
  if (open_) {
    OpenResult opened = open_();
    if (!opened.ok()) {
      std::lock_guard lock(mutex_);
      errors_.push_back(opened.error);
      done_.store(true, std::memory_order_release);
      return;
    }
    std::lock_guard lock(mutex_);
    source_ = std::move(opened.source);
    interfaces_ = source_->interfaces();
    progress_.bytesTotal = source_->bytesTotal();
  }
  engine_.run(*source_, [this](const EngineProgress& p) { publish(p); });
  std::lock_guard lock(mutex_);
  errors_ = source_->errors();
  interfaces_ = source_->interfaces();
  done_.store(true, std::memory_order_release);
}

void Analysis::publish(const EngineProgress& p) {
  wallNanos_.store(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - startWall_)
          .count(),
      std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  progress_ = p;
  if (source_->interfaces().size() != interfaces_.size()) interfaces_ = source_->interfaces();
  if (!source_->error().message.empty() && errors_.empty()) errors_ = source_->errors();
}

AnalysisStatus Analysis::status() const {
  AnalysisStatus s;
  s.running = started_.load() && !finished();
  s.finished = finished();
  std::lock_guard lock(mutex_);
  s.packets = progress_.packets;
  s.bytesConsumed = progress_.bytesConsumed;
  s.bytesTotal = progress_.bytesTotal;
  s.wallSeconds = double(wallNanos_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::vector<InterfaceInfo> Analysis::interfaces() const {
  std::lock_guard lock(mutex_);
  return interfaces_;
}

std::vector<ReadError> Analysis::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

PacketTime Analysis::now() const {
  return engine_.processedNow();
}

}  // namespace netmeter
