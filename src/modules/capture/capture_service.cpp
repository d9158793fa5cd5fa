#include "modules/capture/capture_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>

#include "api/json_util.h"
#include "capture/extraction.h"
#include "capture/indexed_open.h"
#include "capture/packet_selector.h"
#include "capture/peeked_source.h"
#include "capture/zip_stream.h"

namespace netmeter {

namespace {

constexpr std::string_view kKnownParameters[] = {
    "startTime", "starttime", "endTime", "endtime", "timespan", "expression", "snapPacketLength",
    "fromCaptureBuffer", "captureToMedia", "useSingleInterface", "maxDuration", "maxBytes", "maxPackets",
    "fileName", "profile", "zip", "zipSplitSize", "splitSize", "splitDuration", "captureBufferSlotId"};

const char* stateName(CaptureSession::State s) {
  switch (s) {
    case CaptureSession::State::kRunning:
      return "running";
    case CaptureSession::State::kFinished:
      return "finished";
    case CaptureSession::State::kStopped:
      return "stopped";
    case CaptureSession::State::kError:
      return "error";
  }
  return "error";
}

// One of two spellings (the reference documents startTime, its own examples use starttime).
api::Expected<std::optional<std::string_view>> eitherParam(const api::Request& req, std::string_view a,
                                                           std::string_view b) {
  auto x = req.queryValue(a);
  auto y = req.queryValue(b);
  if (x && y) return api::badParameter(a, "give either '" + std::string(a) + "' or '" + std::string(b) + "', not both");
  return x ? x : y;
}

api::Expected<int64_t> integer(std::string_view name, std::string_view text, int64_t min, int64_t max) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < min || v > max)
    return api::badParameter(name, "parameter '" + std::string(name) + "' must be a number from " + std::to_string(min) +
                                       " to " + std::to_string(max));
  return v;
}

std::string extension(const CaptureParams& p) { return p.singleInterface ? ".pcap" : ".pcapng"; }

}  // namespace

// --- CaptureSession ---

void CaptureSession::addFile(std::string name) {
  std::lock_guard lock(mutex_);
  files_.push_back(std::move(name));
}
std::vector<std::string> CaptureSession::files() const {
  std::lock_guard lock(mutex_);
  return files_;
}
void CaptureSession::setError(std::string message) {
  std::lock_guard lock(mutex_);
  if (error_.empty()) error_ = std::move(message);
}
std::string CaptureSession::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

std::string CaptureSession::toJson() const {
  api::JsonBuilder j;
  j.beginObject();
  j.field("id", id).field("user", std::string_view(user)).field("client", std::string_view(client));
  j.field("expression", std::string_view(params.expression));
  j.key("startTime");
  if (params.startMicros != 0) j.value(params.startMicros); else j.null();
  j.key("endTime");
  if (params.endMicros != 0) j.value(params.endMicros); else j.null();
  j.field("snapPacketLength", uint64_t(params.snapLength == 0 ? 65535 : params.snapLength));
  j.field("profile", std::string_view(params.profile));
  j.field("fromCaptureBuffer", params.fromCaptureBuffer).field("toMedia", params.toMedia);
  j.field("zip", params.zip);
  j.field("captured", captured.load()).field("dropped", dropped.load());
  j.field("ignored", ignored.load()).field("skipped", skipped.load()).field("bytes", bytes.load());
  j.field("state", stateName(state.load()));
  const std::string e = error();
  if (!e.empty()) j.field("error", std::string_view(e));
  j.key("files").beginArray();
  for (const auto& f : files()) j.value(std::string_view(f));
  j.endArray();
  j.endObject();
  return j.str();
}

// --- CaptureService ---

CaptureService::CaptureService(const AnalysisSlot& slot) : slot_(slot) {}

CaptureService::~CaptureService() {
  stopAll();
  std::unique_lock lock(mutex_);
  threadsDone_.wait(lock, [&] { return runningThreads_ == 0; });
}

bool CaptureService::open(const std::string& stateDir, std::string& error) {
  auto store = std::make_unique<CaptureStore>(stateDir);
  if (!store->load(error)) return false;
  mediaDir_ = stateDir + "/captures";
  std::error_code ec;
  std::filesystem::create_directories(mediaDir_, ec);
  if (ec) {
    error = "cannot create " + mediaDir_ + ": " + ec.message();
    return false;
  }
  ::chmod(mediaDir_.c_str(), 0700);
  std::lock_guard lock(mutex_);
  store_ = std::move(store);
  return true;
}

api::Expected<CaptureParams> CaptureService::parse(const api::Request& req, const Analysis& analysis) const {
  for (const auto& [name, value] : req.query) {
    bool known = false;
    for (std::string_view k : kKnownParameters) known = known || k == name;
    if (!known) {
      if (name == "mm-id")
        return api::badParameter(name, "netmeter has one analysis per server: 'mm-id' is not supported");
      return api::badParameter(name, "unknown parameter '" + name + "'");
    }
  }
  CaptureParams p;
  constexpr int64_t kMaxMicros = INT64_MAX / 1000;
  auto start = eitherParam(req, "startTime", "starttime");
  if (!start) return start.error();
  auto end = eitherParam(req, "endTime", "endtime");
  if (!end) return end.error();
  const auto timespan = req.queryValue("timespan");
  if (*end && **end == "now") {
    if (!timespan) return api::badParameter("timespan", "endTime=now needs 'timespan' (seconds)");
    if (*start) return api::badParameter("startTime", "give either startTime or endTime=now with timespan");
    auto span = integer("timespan", *timespan, 1, 100LL * 365 * 86400);
    if (!span) return span.error();
    PacketTime now = analysis.now();
    if (now == INT64_MIN) now = 0;
    p.window.end = now;
    p.window.start = now - *span * kNanosPerSecond;
    p.startMicros = p.window.start / 1000;
    p.endMicros = p.window.end / 1000;
  } else {
    if (timespan) return api::badParameter("timespan", "'timespan' is used only with endTime=now");
    if (*start) {
      auto v = integer("startTime", **start, 0, kMaxMicros);
      if (!v) return v.error();
      p.startMicros = *v;
      p.window.start = *v * 1000;
    }
    if (*end) {
      auto v = integer("endTime", **end, 0, kMaxMicros);
      if (!v) return v.error();
      p.endMicros = *v;
      p.window.end = *v * 1000;
    }
    if (*start && *end && p.window.end <= p.window.start)
      return api::badParameter("endTime", "endTime must be after startTime");
  }
  if (auto e = req.queryValue("expression")) {
    if (e->size() > 4096) return api::badParameter("expression", "the expression is longer than 4096 characters");
    p.expression = std::string(*e);
    if (p.expression.find_first_not_of(" \t\r\n") != std::string::npos) {
      auto compiled = filter::Filter::compile(p.expression, capture::captureCompileOptions());
      if (!compiled.ok()) return api::badParameter("expression", "bad expression: " + compiled.error.toString());
      p.filter = std::move(compiled.filter);
    }
  }
  auto snap = api::intParam(req, "snapPacketLength", 1, 262144, 0);
  if (!snap) return snap.error();
  // The reference's "use 65535 for unlimited size": 65535 and more keep whole packets.
  p.snapLength = *snap >= 65535 ? 0 : uint32_t(*snap);
  auto flag = [&](const char* name, bool& out) -> std::optional<api::ApiError> {
    auto v = api::boolParam(req, name, false);
    if (!v) return v.error();
    out = *v;
    return std::nullopt;
  };
  for (auto [name, out] : {std::pair<const char*, bool*>{"fromCaptureBuffer", &p.fromCaptureBuffer},
                           {"captureToMedia", &p.toMedia}, {"useSingleInterface", &p.singleInterface},
                           {"zip", &p.zip}})
    if (auto error = flag(name, *out)) return *error;
  if (p.zip && p.toMedia) return api::badParameter("zip", "zip is for HTTP downloads, not with captureToMedia");
  auto maxDuration = api::intParam(req, "maxDuration", 1, 100LL * 365 * 86400, 0);
  if (!maxDuration) return maxDuration.error();
  p.limits.maxDuration = *maxDuration * kNanosPerSecond;
  auto maxBytes = api::intParam(req, "maxBytes", 1, INT64_MAX, 0);
  if (!maxBytes) return maxBytes.error();
  p.limits.maxBytes = uint64_t(*maxBytes);
  auto maxPackets = api::intParam(req, "maxPackets", 1, INT64_MAX, 0);
  if (!maxPackets) return maxPackets.error();
  p.limits.maxPackets = uint64_t(*maxPackets);
  auto slot = api::intParam(req, "captureBufferSlotId", 0, 0, 0);
  if (!slot) return slot.error();
  auto splitSize = api::intParam(req, "splitSize", 0, 1 << 20, 0);
  if (!splitSize) return splitSize.error();
  auto splitDuration = api::intParam(req, "splitDuration", 0, 100LL * 365 * 86400, 0);
  if (!splitDuration) return splitDuration.error();
  auto zipSplit = api::intParam(req, "zipSplitSize", 0, 1 << 20, 0);
  if (!zipSplit) return zipSplit.error();
  p.split.bytes = uint64_t(*splitSize) << 20;
  p.split.duration = *splitDuration * kNanosPerSecond;
  p.zipSplitBytes = uint64_t(*zipSplit) << 20;
  if ((p.split.bytes || p.split.duration) && !p.toMedia)
    return api::badParameter(*splitSize ? "splitSize" : "splitDuration", "splitting applies to captureToMedia=true");
  if (p.zipSplitBytes && !p.zip) return api::badParameter("zipSplitSize", "zipSplitSize applies to zip=true");
  p.fileName = "netmeter_%Y%m%d_%H%M%S";
  if (auto f = req.queryValue("fileName"); f && !f->empty()) {
    if (f->size() > 200) return api::badParameter("fileName", "fileName must have at most 200 characters");
    p.fileName = std::string(*f);
    // The extension is the format's.
    for (std::string_view ext : {".pcapng", ".pcap", ".zip"})
      if (p.fileName.size() > ext.size() && p.fileName.ends_with(ext)) p.fileName.resize(p.fileName.size() - ext.size());
  }
  if (auto profile = req.queryValue("profile"); profile && !profile->empty()) {
    if (store_ == nullptr) return api::badParameter("profile", "capture profiles are not available");
    auto rules = store_->profileRules(*profile);
    if (!rules) return rules.error();
    p.profile = std::string(*profile);
    p.snapRules = *rules;
  }
  return p;
}

std::unique_ptr<capture::PacketOutput> CaptureService::makeOutput(const std::shared_ptr<CaptureSession>& s,
                                                                  const std::vector<InterfaceInfo>& interfaces,
                                                                  std::string& error) {
  const CaptureParams& p = s->params;
  capture::SinkOptions options;
  options.format = p.singleInterface ? capture::OutputFormat::kPcap : capture::OutputFormat::kPcapng;
  options.singleInterface = p.singleInterface;
  options.snapLength = p.snapRules.empty() ? p.snapLength : 0;  // with rules, per packet (extraction)
  std::weak_ptr<CaptureSession> weak = s;
  auto toPipe = [session = s.get()](const uint8_t* data, size_t size) {
    if (!session->pipe.write(data, size)) return false;
    return true;
  };
  if (p.toMedia) {
    const std::string dir = mediaDir_;
    const std::string pattern = p.fileName;
    const std::string ext = extension(p);
    auto current = std::make_shared<std::string>();
    auto opened = [this, dir, pattern, ext, current](PacketTime first, capture::SinkTarget& target) -> std::string {
      std::lock_guard lock(mediaMutex_);
      const std::string base = capture::captureFileName(pattern, first);
      std::error_code ec;
      std::string name = base + ext;
      for (int i = 1; std::filesystem::exists(dir + "/" + name, ec) && i < 10000; ++i)
        name = base + "_" + std::to_string(i) + ext;
      target.path = dir + "/" + name;
      *current = name;
      return {};
    };
    auto closed = [session = s.get(), current](std::string&) {
      session->addFile(*current);
      return true;
    };
    return std::make_unique<capture::SplitOutput>(options, p.split, opened, closed);
  }
  if (p.zip) {
    auto zip = std::make_shared<capture::ZipStream>(toPipe);
    if (!zip->error().empty()) {
      error = zip->error();
      return nullptr;
    }
    s->zip = zip;
    const std::string pattern = p.fileName;
    const std::string ext = extension(p);
    auto names = std::make_shared<int>(0);
    auto opened = [zip, pattern, ext, names](PacketTime first, capture::SinkTarget& target) -> std::string {
      std::string name = capture::captureFileName(pattern, first);
      if (++*names > 1) name += "_" + std::to_string(*names - 1);
      if (!zip->beginEntry(name + ext, first)) return zip->error();
      target.callback = [zip](const uint8_t* data, size_t size) { return zip->write(data, size); };
      return {};
    };
    auto closed = [zip](std::string& e) {
      if (zip->finishEntry()) return true;
      e = zip->error();
      return false;
    };
    return std::make_unique<capture::SplitOutput>(options, capture::SplitPolicy{p.zipSplitBytes, 0}, opened, closed);
  }
  capture::SinkTarget target;
  target.callback = toPipe;
  (void)weak;
  return capture::CaptureSink::create(target, options, interfaces, error);
}

// Closes the output (and the zip around it) and ends the stream.
void CaptureService::finish(const std::shared_ptr<CaptureSession>& s) {
  if (s->zip && !s->zip->close() && !s->stopRequested.load()) s->setError(s->zip->error());
  s->zip.reset();
  if (!s->error().empty())
    s->state = CaptureSession::State::kError;
  else if (s->stopRequested.load())
    s->state = CaptureSession::State::kStopped;
  else
    s->state = CaptureSession::State::kFinished;
  s->pipe.close();
}

void CaptureService::runFromBuffer(const std::shared_ptr<CaptureSession>& s, std::unique_ptr<PacketSource> input) {
  const CaptureParams& p = s->params;
  capture::PeekedSource source(*input);
  source.peek();
  std::string error;
  std::unique_ptr<capture::PacketOutput> out;
  if (source.interfaces().empty() && !p.toMedia && !p.zip) {
    error = "the capture files declare no interface";
  } else {
    out = makeOutput(s, source.interfaces(), error);
  }
  if (out == nullptr) {
    s->setError(error);
    finish(s);
    return;
  }
  capture::SelectorOptions selectorOptions;
  capture::PacketSelector selector(p.filter, selectorOptions);
  if (!p.snapRules.empty()) selector.setSnapRules(p.snapRules);
  capture::ExtractionOptions options;
  options.window = p.window;
  options.limits = p.limits;
  options.snapLength = p.snapRules.empty() ? 0 : p.snapLength;
  options.stop = &s->stopRequested;
  options.progress = [&](const capture::ExtractionCounters& c, const PacketSource&) {
    s->captured = c.captured;
    s->ignored = c.ignored + c.skipped;
    s->skipped = c.skipped;
    s->bytes = out->packetBytes();
  };
  const capture::ExtractionResult result = capture::extract(source, selector, *out, options);
  bool closed = true;
  if (auto* split = dynamic_cast<capture::SplitOutput*>(out.get())) closed = split->close();
  if (auto* sink = dynamic_cast<capture::CaptureSink*>(out.get())) closed = sink->close();
  s->captured = result.counters.captured;
  s->ignored = result.counters.ignored + result.counters.skipped;
  s->skipped = result.counters.skipped;
  s->bytes = out->packetBytes();
  // A client that went away ends the capture as stopped, not as an error.
  if ((!result.writeError.empty() || !closed) && !s->stopRequested.load())
    s->setError(result.writeError.empty() ? out->error() : result.writeError);
  out.reset();
  finish(s);
}

void CaptureService::runLive(const std::shared_ptr<CaptureSession>& s) {
  const CaptureParams& p = s->params;
  Analysis& analysis = *s->analysis;
  std::vector<InterfaceInfo> interfaces = analysis.interfaces();
  std::string error;
  std::unique_ptr<capture::PacketOutput> out;
  if (interfaces.empty() && !p.toMedia && !p.zip) {
    error = "the analysis has no capture interface yet";
  } else {
    out = makeOutput(s, interfaces, error);
  }
  if (out == nullptr) {
    s->live->stop();
    s->setError(error);
    finish(s);
    return;
  }
  LiveCapture& live = *s->live;
  bool limited = false;
  auto lastFlush = std::chrono::steady_clock::now();
  for (;;) {
    CapturedPacketHeader h;
    const uint8_t* data = nullptr;
    const LiveCapture::Next r = live.next(h, data);
    if (r == LiveCapture::Next::kEnd) break;
    if (r == LiveCapture::Next::kWait) {
      if (s->stopRequested.load(std::memory_order_relaxed)) live.stop();
      s->dropped = live.dropped();
      s->ignored = live.ignored() + live.skipped();
      s->skipped = live.skipped();
      const auto now = std::chrono::steady_clock::now();
      if (now - lastFlush > std::chrono::milliseconds(200)) {
        out->flush();
        lastFlush = now;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    if (limited) continue;  // drain what the workers still captured
    if (h.interfaceId >= interfaces.size()) interfaces = analysis.interfaces();
    if (h.interfaceId >= interfaces.size()) continue;
    RawPacket raw;
    raw.timestamp = h.timestamp;
    raw.capturedLength = h.capturedLength;
    raw.originalLength = h.originalLength;
    raw.interfaceId = h.interfaceId;
    raw.linkType = interfaces[h.interfaceId].linkType;
    raw.data = data;
    if (!out->write(raw, interfaces, 0)) {
      if (!s->stopRequested.load()) s->setError(out->error());
      s->stop();
      limited = true;
      continue;
    }
    const uint64_t n = s->captured.fetch_add(1) + 1;
    s->bytes = out->packetBytes();
    if ((p.limits.maxPackets && n >= p.limits.maxPackets) || (p.limits.maxBytes && out->packetBytes() >= p.limits.maxBytes)) {
      live.stop();
      limited = true;
    }
  }
  s->dropped = live.dropped();
  s->ignored = live.ignored() + live.skipped();
  s->skipped = live.skipped();
  bool closed = true;
  if (auto* split = dynamic_cast<capture::SplitOutput*>(out.get())) closed = split->close();
  if (auto* sink = dynamic_cast<capture::CaptureSink*>(out.get())) closed = sink->close();
  if (!closed && !s->stopRequested.load()) s->setError(out->error());
  out.reset();
  finish(s);
}

void CaptureService::reapLocked() {
  size_t ended = 0;
  for (const auto& s : sessions_) ended += s->state.load() != CaptureSession::State::kRunning;
  for (size_t i = 0; i < sessions_.size() && ended > kMaxKeptEnded;) {
    if (sessions_[i]->state.load() != CaptureSession::State::kRunning) {
      sessions_.erase(sessions_.begin() + long(i));
      --ended;
    } else {
      ++i;
    }
  }
}

api::Response CaptureService::start(const api::Request& req, CaptureParams params,
                                    std::shared_ptr<Analysis> analysisHeld) {
  auto s = std::make_shared<CaptureSession>();
  s->analysis = std::move(analysisHeld);
  Analysis& analysis = *s->analysis;
  s->user = req.user;
  s->client = (req.clientAddress.find(':') != std::string::npos ? "[" + req.clientAddress + "]" : req.clientAddress) +
              ":" + std::to_string(req.clientPort);
  s->params = std::move(params);
  const CaptureParams& p = s->params;

  std::unique_ptr<PacketSource> source;
  if (p.fromCaptureBuffer) {
    // Connection state (serverport, L7) needs the connections active at the start: enter the files
    // up to the longest flow timeout earlier.
    const FlowTimeouts t = analysis.engine().options().timeouts;
    const bool tracks = (p.filter.has_value() && capture::needsConnectionState(*p.filter)) || !p.snapRules.empty();
    const PacketTime lookback =
        tracks ? std::max({t.tcpSeconds, t.udpSeconds, t.otherSeconds}) * kNanosPerSecond : 0;
    auto opened = capture::openIndexed(analysis.inputNames(), &analysis.timeIndex(), p.window.start, lookback);
    if (!opened.source) return api::errorResponse(500, "cannot open the capture files: " + opened.error.toString());
    source = std::move(opened.source);
  } else {
    LiveCaptureSpec spec;
    spec.filter = p.filter;
    spec.snapRules = p.snapRules;
    spec.snapLength = p.snapLength;
    spec.start = p.window.start;
    spec.end = p.window.end;
    spec.maxDuration = p.limits.maxDuration;
    s->live = std::make_shared<LiveCapture>(std::move(spec), analysis.engine().workerCount());
  }
  {
    std::lock_guard lock(mutex_);
    reapLocked();
    size_t running = 0;
    for (const auto& x : sessions_) running += x->state.load() == CaptureSession::State::kRunning;
    if (running >= kMaxRunning)
      return api::errorResponse(503, "too many captures are running (" + std::to_string(kMaxRunning) + ")");
    if (s->live && !analysis.attachCapture(s->live))
      return api::errorResponse(503, "too many live captures are running (" +
                                         std::to_string(LiveCaptureTable::kSlots) + ")");
    s->id = nextId_++;
    sessions_.push_back(s);
    ++runningThreads_;
  }
  if (store_ != nullptr) {
    api::JsonBuilder j;
    j.beginObject();
    j.field("expression", std::string_view(p.expression));
    j.key("startTime");
    if (p.startMicros) j.value(p.startMicros); else j.null();
    j.key("endTime");
    if (p.endMicros) j.value(p.endMicros); else j.null();
    j.field("snapPacketLength", uint64_t(p.snapLength == 0 ? 65535 : p.snapLength));
    j.field("fromCaptureBuffer", p.fromCaptureBuffer).field("captureToMedia", p.toMedia);
    j.field("profile", std::string_view(p.profile));
    j.field("time", int64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count()));
    j.endObject();
    store_->addRecent(s->user, j.str());
  }
  std::thread([this, s, src = std::move(source)]() mutable {
    if (s->live)
      runLive(s);
    else
      runFromBuffer(s, std::move(src));
    std::lock_guard lock(mutex_);
    --runningThreads_;
    threadsDone_.notify_all();
  }).detach();

  if (p.toMedia) return api::Response::json(s->toJson());

  // The file name of an HTTP download: the pattern at the capture's start time (packet time).
  PacketTime nameTime = p.window.start != INT64_MIN ? p.window.start : analysis.now();
  if (nameTime == INT64_MIN) nameTime = 0;
  const std::string name = capture::captureFileName(p.fileName, nameTime) + (p.zip ? ".zip" : extension(p));
  std::weak_ptr<CaptureSession> weak = s;
  auto producer = api::makeProducer(
      [s](std::string& out, size_t maxBytes) {
        switch (s->pipe.read(out, maxBytes, std::chrono::milliseconds(200))) {
          case capture::BytePipe::Read::kData:
            return api::StreamStep::More;
          case capture::BytePipe::Read::kWait:
            return api::StreamStep::More;
          case capture::BytePipe::Read::kEnd:
            break;
        }
        // An error after the start cannot change the status any more: truncate the stream.
        return s->state.load() == CaptureSession::State::kError ? api::StreamStep::Abort : api::StreamStep::Done;
      },
      [weak] {
        if (auto session = weak.lock()) {
          session->pipe.cancel();
          session->stop();
        }
      });
  const char* type = p.zip ? "application/zip" : p.singleInterface ? "application/vnd.tcpdump.pcap" : "application/x-pcapng";
  return api::Response::streamed(std::move(producer), type)
      .withHeader("Content-Disposition", "attachment; filename=\"" + name + "\"")
      .withHeader("X-Capture-Id", std::to_string(s->id));
}

std::string CaptureService::listJson() const {
  std::vector<std::shared_ptr<CaptureSession>> sessions;
  {
    std::lock_guard lock(mutex_);
    sessions = sessions_;
  }
  std::string out = "{\"captures\":[";
  for (size_t i = 0; i < sessions.size(); ++i) {
    if (i) out += ',';
    out += sessions[i]->toJson();
  }
  return out + "]}";
}

std::optional<api::ApiError> CaptureService::stop(uint64_t id, const api::Request& req) {
  std::shared_ptr<CaptureSession> s;
  {
    std::lock_guard lock(mutex_);
    for (const auto& x : sessions_)
      if (x->id == id) s = x;
  }
  if (s == nullptr) return api::notFound("no capture " + std::to_string(id));
  if (req.role != api::Role::Admin && s->user != req.user)
    return api::ApiError{403, "only its user or an admin may stop capture " + std::to_string(id), {}};
  s->stop();
  return std::nullopt;
}

void CaptureService::stopAll() {
  std::lock_guard lock(mutex_);
  for (const auto& s : sessions_) {
    s->stop();
    s->pipe.cancel();
  }
}

}  // namespace netmeter
