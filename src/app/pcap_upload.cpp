#include "app/pcap_upload.h"

#include <sys/statvfs.h>

#include <chrono>
#include <climits>
#include <filesystem>
#include <optional>
#include <system_error>

#include "api/errors.h"
#include "api/json_util.h"
#include "api/multipart_stream.h"
#include "io/capture_files.h"
#include "query/json_out.h"

namespace netmeter {

struct PcapUploads::Upload {
  uint64_t id = 0;
  std::string fileName;  // as the client named it
  std::string user;
  uint64_t announcedSize = 0;  // 0: unknown
  int64_t startedMs = 0;       // wall clock, for the operator
  std::shared_ptr<io::GrowingFile> file;
  std::shared_ptr<Analysis> analysis;
  std::mutex mutex;  // guards the fields below
  bool received = false;
  std::string error;
};

namespace {

// A name safe to use as a file name: the last path component, [A-Za-z0-9._-] only.
std::string safeFileName(std::string_view name) {
  if (const size_t slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    out.push_back(ok ? c : '_');
    if (out.size() == 100) break;
  }
  while (!out.empty() && out.front() == '.') out.erase(0, 1);
  return out.empty() ? "upload.pcap" : out;
}

int64_t wallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<uint64_t> freeBytes(const std::string& directory) {
  struct statvfs fs {};
  if (::statvfs(directory.c_str(), &fs) != 0) return std::nullopt;
  return uint64_t(fs.f_bavail) * uint64_t(fs.f_frsize);
}

}  // namespace

// Streams the body into the upload's file; the analysis reads the file as it grows.
class PcapUploads::Sink final : public api::BodySink {
 public:
  Sink(std::shared_ptr<Upload> upload, std::optional<std::string> boundary) : upload_(std::move(upload)) {
    if (boundary) {
      multipart_.emplace(*boundary, "file", [this](std::string_view data) { return upload_->file->append(data); });
    }
  }

  std::optional<api::Response> write(std::string_view piece) override {
    const bool ok = multipart_ ? multipart_->feed(piece) : upload_->file->append(piece);
    if (ok) return std::nullopt;
    const std::string fileError = upload_->file->error();
    if (!fileError.empty()) {
      fail(fileError);
      return api::errorResponse(507, "the upload could not be stored: " + fileError);
    }
    const std::string reason = "malformed multipart/form-data body: " + multipart_->error();
    fail(reason);
    upload_->file->abort(reason);
    return api::errorResponse(400, reason);
  }

  api::Response finish() override {
    if (multipart_ && !multipart_->finish()) {
      const std::string reason = "malformed multipart/form-data body: " + multipart_->error();
      fail(reason);
      upload_->file->abort(reason);
      return api::errorResponse(400, reason);
    }
    upload_->file->complete();
    {
      std::lock_guard lock(upload_->mutex);
      upload_->received = true;
    }
    api::JsonBuilder json;
    json.beginObject()
        .field("id", upload_->id)
        .field("fileName", upload_->fileName)
        .field("bytesReceived", upload_->file->size())
        .field("state", "analyzing")
        .endObject();
    return api::Response::json(json.str());
  }

  void abort(std::string_view reason) override {
    const std::string why = "upload aborted: " + std::string(reason);
    fail(why);
    upload_->file->abort(why);
  }

 private:
  void fail(const std::string& reason) {
    std::lock_guard lock(upload_->mutex);
    if (upload_->error.empty()) upload_->error = reason;
  }

  std::shared_ptr<Upload> upload_;
  std::optional<api::MultipartStream> multipart_;
};

PcapUploads::PcapUploads(AnalysisSlot& slot, MakeOriginal makeOriginal, Options options)
    : slot_(slot), makeOriginal_(std::move(makeOriginal)), options_(std::move(options)) {}

PcapUploads::~PcapUploads() { abortReceiving("the server is stopping"); }

void PcapUploads::abortReceiving(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (current_ && current_->file) current_->file->abort(reason);
}

api::Response PcapUploads::announce(const api::Request& req) {
  rapidjson::Document doc;
  if (!api::parseJsonObject(req.body, doc)) return api::errorResponse(400, "the request body must be a JSON object");
  std::string name;
  uint64_t size = 0;
  if (doc.HasMember("fileName")) {
    if (!doc["fileName"].IsString()) return api::errorResponse(400, "'fileName' must be a string", "fileName");
    name = doc["fileName"].GetString();
  }
  if (doc.HasMember("fileSize")) {
    if (!doc["fileSize"].IsUint64()) return api::errorResponse(400, "'fileSize' must be a number of bytes", "fileSize");
    size = doc["fileSize"].GetUint64();
    if (size > options_.maxBytes) {
      return api::errorResponse(413, "fileSize exceeds the upload limit of " + std::to_string(options_.maxBytes) +
                                         " bytes", "fileSize");
    }
  }
  if (doc.HasMember("replaySlotID") && !(doc["replaySlotID"].IsUint() && doc["replaySlotID"].GetUint() <= 1)) {
    return api::errorResponse(400, "netmeter has one analysis slot: 'replaySlotID' must be 0 or 1", "replaySlotID");
  }
  std::lock_guard lock(mutex_);
  announcedName_ = name;
  announcedSize_ = size;
  api::JsonBuilder json;
  json.beginObject().field("id", nextId_).field("fileName", name).field("fileSize", size).endObject();
  return api::Response::json(json.str());
}

std::unique_ptr<api::BodySink> PcapUploads::beginUpload(const api::Request& req, api::Response& refusal) {
  if (auto slot = req.queryValue("replaySlotID"); slot && *slot != "0" && *slot != "1") {
    refusal = api::errorResponse(400, "netmeter has one analysis slot: 'replaySlotID' must be 0 or 1", "replaySlotID");
    return nullptr;
  }
  std::optional<std::string> boundary;
  if (auto type = req.header("Content-Type"); type && type->starts_with("multipart/")) {
    boundary = api::multipartBoundary(*type);
    if (!boundary) {
      refusal = api::errorResponse(400, "Content-Type: multipart/form-data needs a valid boundary");
      return nullptr;
    }
  }
  std::lock_guard lock(mutex_);
  if (current_) {
    std::lock_guard uploadLock(current_->mutex);
    if (!current_->received && current_->error.empty()) {
      refusal = api::errorResponse(409, "an upload is already running (" + current_->fileName +
                                            "); stop it first with POST /API/data/pcap {\"command\":\"stop\"}");
      return nullptr;
    }
  }
  const std::string directory = options_.directory();
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    refusal = api::errorResponse(500, "cannot create the upload directory " + directory + ": " + ec.message());
    return nullptr;
  }
  uint64_t expected = announcedSize_;
  if (auto length = req.header("Content-Length"); length && !boundary) expected = std::strtoull(std::string(*length).c_str(), nullptr, 10);
  if (auto free = freeBytes(directory); free && expected > 0 && expected > *free) {
    refusal = api::errorResponse(507, "not enough disk space for the upload: " + std::to_string(expected) +
                                          " bytes announced, " + std::to_string(*free) + " free in " + directory);
    return nullptr;
  }

  auto upload = std::make_shared<Upload>();
  upload->id = nextId_++;
  upload->fileName = announcedName_.empty() ? "upload.pcap" : announcedName_;
  if (auto name = req.queryValue("fileName")) upload->fileName = std::string(*name);
  upload->user = req.user;
  upload->announcedSize = expected;
  upload->startedMs = wallMillis();
  announcedName_.clear();
  announcedSize_ = 0;

  // The previous upload's file goes first (its analysis may still be held by a request: the open
  // descriptor stays valid after the unlink).
  if (current_ && current_->file) std::filesystem::remove(current_->file->path(), ec);
  const std::string path = (std::filesystem::path(directory) / ("upload-" + safeFileName(upload->fileName))).string();
  std::string error;
  upload->file = io::GrowingFile::create(path, error);
  if (!upload->file) {
    refusal = api::errorResponse(500, error);
    return nullptr;
  }
  auto file = upload->file;
  const uint64_t size = expected;
  upload->analysis = std::make_shared<Analysis>(
      [file, size, path] {
        ReaderOptions options;
        options.name = path;
        auto reader = file->openReader(size);
        if (!reader) return OpenResult{nullptr, ReadError{path, 0, "cannot open the upload", false}};
        return openCaptureStream(std::move(reader), options);
      },
      std::vector<std::string>{path}, options_.engine);
  upload->analysis->start();
  // Only one analysis holds memory: the one replaced stops (the original is analyzed anew on resume).
  if (auto previous = slot_.replace(upload->analysis)) previous->stop();
  current_ = upload;
  return std::make_unique<Sink>(upload, boundary);
}

void PcapUploads::resume() {
  if (!current_) return;
  current_->file->abort("stopped: normal operation resumed");
  std::error_code ec;
  std::filesystem::remove(current_->file->path(), ec);
  auto original = makeOriginal_();
  original->start();
  if (auto previous = slot_.replace(std::move(original))) previous->stop();
  current_.reset();
}

api::Response PcapUploads::command(const api::Request& req) {
  rapidjson::Document doc;
  if (!api::parseJsonObject(req.body, doc) || !doc.HasMember("command") || !doc["command"].IsString()) {
    return api::errorResponse(400, "the body must be {\"command\": \"start\" | \"stop\"}", "command");
  }
  const std::string_view command = doc["command"].GetString();
  if (command == "stop") {
    std::lock_guard lock(mutex_);
    resume();
  } else if (command != "start") {
    // "start": the analysis starts with the upload itself, nothing to prepare.
    return api::errorResponse(400, "unknown command '" + std::string(command) + "' (start or stop)", "command");
  }
  return status();
}

api::Response PcapUploads::status() const {
  std::shared_ptr<Upload> upload;
  {
    std::lock_guard lock(mutex_);
    upload = current_;
  }
  query::JsonOut j;
  j.beginObject();
  if (!upload) {
    j.field("mode", "normal");
    j.field("state", "idle");
    j.endObject();
    return api::Response::json(j.take());
  }
  bool received = false;
  std::string error;
  {
    std::lock_guard lock(upload->mutex);
    received = upload->received;
    error = upload->error;
  }
  const AnalysisStatus st = upload->analysis->status();
  const uint64_t bytes = upload->file->size();
  const uint64_t total = upload->announcedSize != 0 ? upload->announcedSize : bytes;
  const std::vector<ReadError> readErrors = upload->analysis->errors();
  if (error.empty() && !readErrors.empty()) error = readErrors.front().toString();
  // A failed upload is `analyzing` until what arrived before the failure is analyzed (its figures
  // are final from then on), then `error`; `error` names the reason from the start.
  const char* state = !error.empty() ? (st.finished ? "error" : "analyzing")
                      : !received    ? "receiving"
                      : st.finished  ? "finished"
                                     : "analyzing";
  j.field("mode", "pcap");
  j.field("state", state);
  j.field("id", upload->id);
  j.field("fileName", upload->fileName);
  j.field("user", upload->user);
  j.field("startedAt", upload->startedMs);
  j.field("fileSize", total);
  j.field("bytesReceived", bytes);
  j.field("bytesAnalyzed", st.bytesConsumed);
  j.field("packets", st.finished ? upload->analysis->engine().totals().packets : st.packets);
  j.field("uploadProgress", total ? double(bytes) / double(total) : 0.0);
  j.field("analysisProgress", st.finished ? 1.0 : total ? double(st.bytesConsumed) / double(total) : 0.0);
  j.key("lastPacketTime");  // µs since the epoch, packet time
  const PacketTime now = upload->analysis->now();
  if (now == INT64_MIN) {
    j.null();
  } else {
    j.value(int64_t(now / 1000));
  }
  j.field("error", error);
  j.endObject();
  return api::Response::json(j.take());
}

void registerPcapUploadRoutes(api::Server& server, PcapUploads& uploads) {
  using api::Method;
  using api::Role;
  server.route(Method::Post, "/API/system/replay/upload", Role::Admin,
               [&uploads](const api::Request& req) { return uploads.announce(req); });
  server.uploadRoute(
      Method::Post, "/API/system/analyze-pcap", Role::Admin,
      [&uploads](const api::Request& req, api::Response& refusal) { return uploads.beginUpload(req, refusal); },
      uploads.maxBytes() + (uint64_t{1} << 20));  // room for the multipart framing
  server.route(Method::Get, "/API/data/pcap", Role::ReadOnly,
               [&uploads](const api::Request&) { return uploads.status(); });
  server.route(Method::Post, "/API/data/pcap", Role::Admin,
               [&uploads](const api::Request& req) { return uploads.command(req); });
}

}  // namespace netmeter
