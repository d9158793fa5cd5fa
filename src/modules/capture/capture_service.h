#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "api/http_types.h"
#include "capture/byte_pipe.h"
#include "capture/capture_request.h"
#include "capture/split_output.h"
#include "capture/zip_stream.h"
#include <condition_variable>
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "filter/filter.h"
#include "filter/snap_rules.h"
#include "modules/capture/capture_store.h"

namespace netmeter {

// A capture request, validated (GET /API/data/modules/capture, docs/api.md "Captures").
struct CaptureParams {
  std::string expression;
  std::optional<filter::Filter> filter;
  capture::CaptureWindow window;     // ns packet time
  int64_t startMicros = 0, endMicros = 0;  // as asked (0: not given)
  capture::CaptureLimits limits;
  uint32_t snapLength = 0;  // 0: whole packets
  bool fromCaptureBuffer = false;
  bool toMedia = false;
  bool singleInterface = false;
  bool zip = false;
  std::string fileName;  // strftime pattern, without extension
  std::string profile;   // capture profile id
  filter::SnapRules snapRules;
  capture::SplitPolicy split;        // captureToMedia
  uint64_t zipSplitBytes = 0;        // zip
};

// One capture: what was asked, its counters and its state. Shared by the registry (listing, stop)
// and the thread that runs it.
class CaptureSession {
 public:
  enum class State : uint8_t { kRunning, kFinished, kStopped, kError };

  uint64_t id = 0;
  std::string user;
  std::string client;  // "ip:port" or "ip"
  CaptureParams params;

  std::atomic<uint64_t> captured{0}, dropped{0}, ignored{0}, skipped{0}, bytes{0};
  std::atomic<State> state{State::kRunning};
  std::atomic<bool> stopRequested{false};

  // The analysis the capture reads (the one current when it started; an upload that replaces it
  // ends its live captures, and its files stay readable for the captures from them).
  std::shared_ptr<Analysis> analysis;
  capture::BytePipe pipe{size_t{4} << 20};  // to the HTTP stream (unused for captureToMedia)
  std::shared_ptr<LiveCapture> live;       // live captures
  std::shared_ptr<capture::ZipStream> zip;  // zip=true: the archive around the output (capture thread)

  void stop() {
    stopRequested.store(true, std::memory_order_relaxed);
    if (live) live->stop();
  }
  void addFile(std::string name);
  std::vector<std::string> files() const;
  void setError(std::string message);
  std::string error() const;
  std::string toJson() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> files_;
  std::string error_;
};

// Captures of one `netmeter serve`: starts them (from the analyzed files or live from the engine),
// lists running and recently ended ones, stops them, and keeps the stored lists (CaptureStore).
class CaptureService {
 public:
  static constexpr size_t kMaxRunning = 16;
  static constexpr size_t kMaxKeptEnded = 50;

  explicit CaptureService(const AnalysisSlot& slot);
  ~CaptureService();  // stops every capture and waits for their threads

  // After the server has its state directory: loads captures.json and uses <state>/captures/.
  bool open(const std::string& stateDir, std::string& error);
  bool isOpen() const { return store_ != nullptr; }

  // Checks a request against `analysis` (the one current for it: endTime=now is its newest packet).
  api::Expected<CaptureParams> parse(const api::Request& req, const Analysis& analysis) const;
  // Starts a capture on `analysis`: a streamed pcap/pcapng/zip response, or (captureToMedia) JSON.
  api::Response start(const api::Request& req, CaptureParams params, std::shared_ptr<Analysis> analysis);
  std::shared_ptr<Analysis> currentAnalysis() const { return slot_.current(); }

  std::string listJson() const;
  // Stops capture `id` (404 unknown, 403 someone else's for a non-admin).
  std::optional<api::ApiError> stop(uint64_t id, const api::Request& req);
  CaptureStore& store() { return *store_; }
  const std::string& mediaDir() const { return mediaDir_; }

  // Stops every capture (server shutdown).
  void stopAll();

 private:
  void runFromBuffer(const std::shared_ptr<CaptureSession>& s, std::unique_ptr<PacketSource> source);
  void runLive(const std::shared_ptr<CaptureSession>& s);
  std::unique_ptr<capture::PacketOutput> makeOutput(const std::shared_ptr<CaptureSession>& s,
                                                    const std::vector<InterfaceInfo>& interfaces,
                                                    std::string& error);
  void finish(const std::shared_ptr<CaptureSession>& s);
  void reapLocked();

  const AnalysisSlot& slot_;
  std::unique_ptr<CaptureStore> store_;
  std::string mediaDir_;
  mutable std::mutex mutex_;
  uint64_t nextId_ = 1;
  std::vector<std::shared_ptr<CaptureSession>> sessions_;  // running and recently ended, oldest first
  size_t runningThreads_ = 0;                              // one detached thread per capture
  std::condition_variable threadsDone_;
  std::mutex mediaMutex_;                                   // file name choice in mediaDir_
};

}  // namespace netmeter
