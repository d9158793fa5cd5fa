#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/http_types.h"
#include "api/server.h"
#include "engine/analysis.h"
#include "engine/analysis_slot.h"
#include "io/growing_file.h"

namespace netmeter {

// The reference's "pcap analysis" mode (pcap-analysis-module.txt): an uploaded capture replaces the
// running analysis and is analyzed while its bytes arrive, so statistics of what was received are
// queryable at once; "resume normal operation" goes back to the analysis `netmeter serve` started
// with (analyzed again from its files, so only one analysis holds memory at a time).
//
// The upload is kept on disk (`directory`, one file, replaced by the next upload and removed on
// resume) as that analysis's packet store: captures of the past read the uploaded packets from it.
class PcapUploads {
 public:
  struct Options {
    std::function<std::string()> directory;  // where the upload is kept (asked at the first upload)
    uint64_t maxBytes = uint64_t{16} << 30;   // largest accepted upload
    EngineOptions engine;
  };
  using MakeOriginal = std::function<std::shared_ptr<Analysis>()>;

  PcapUploads(AnalysisSlot& slot, MakeOriginal makeOriginal, Options options);
  ~PcapUploads();
  PcapUploads(const PcapUploads&) = delete;
  PcapUploads& operator=(const PcapUploads&) = delete;

  // POST /API/system/replay/upload: announces the next upload's name and size (both optional later).
  api::Response announce(const api::Request& req);
  // POST /API/system/analyze-pcap: the sink the upload's body streams into (multipart/form-data with
  // a file part, or the raw capture as the body).
  std::unique_ptr<api::BodySink> beginUpload(const api::Request& req, api::Response& refusal);
  // GET /API/data/pcap: where the upload and its analysis stand.
  api::Response status() const;
  // POST /API/data/pcap {"command": "start" | "stop"}.
  api::Response command(const api::Request& req);

  uint64_t maxBytes() const { return options_.maxBytes; }
  // Ends an upload still being received (its analysis then ends too): before the server stops.
  void abortReceiving(const std::string& reason);

 private:
  struct Upload;
  class Sink;
  friend class Sink;

  void resume();  // back to the original analysis; caller holds mutex_

  AnalysisSlot& slot_;
  MakeOriginal makeOriginal_;
  Options options_;
  mutable std::mutex mutex_;
  std::shared_ptr<Upload> current_;  // the latest upload (running or done); null in normal operation
  std::string announcedName_;
  uint64_t announcedSize_ = 0;
  uint64_t nextId_ = 1;
};

// POST /API/system/replay/upload, POST /API/system/analyze-pcap (admin), GET /API/data/pcap
// (read-only), POST /API/data/pcap (admin). `uploads` must outlive the server.
void registerPcapUploadRoutes(api::Server& server, PcapUploads& uploads);

}  // namespace netmeter
