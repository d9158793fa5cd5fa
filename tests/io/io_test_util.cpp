#include "io/io_test_util.h"

#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "io/capture_files.h"
#include "test_paths.h"

namespace netmeter::test {

ReadAll readSource(PacketSource& source) {
  ReadAll r;
  r.opened = true;
  RawPacket p;
  for (;;) {
    const ReadStatus s = source.next(p);
    if (s != ReadStatus::kPacket) {
      r.last = s;
      break;
    }
    PacketRecord rec{p.timestamp,      p.capturedLength,
                     p.originalLength, p.linkType,
                     p.interfaceId,    p.sourceIndex,
                     p.recordOffset,   std::string(reinterpret_cast<const char*>(p.data), p.capturedLength)};
    r.packets.push_back(std::move(rec));
  }
  RawPacket again;
  if (source.next(again) != ReadStatus::kEnd) throw std::runtime_error("source did not stay at kEnd");
  r.errors = source.errors();
  r.interfaces = source.interfaces();
  return r;
}

ReadAll readPaths(const std::vector<std::string>& paths) {
  OpenResult opened = openCaptureFiles(paths);
  if (!opened.ok()) {
    ReadAll r;
    r.openError = opened.error;
    return r;
  }
  return readSource(*opened.source);
}

ReadAll readMemory(const std::string& bytes, const std::string& name) {
  ReaderOptions options;
  options.name = name;
  options.bufferSize = 64 << 10;
  OpenResult opened =
      openCaptureMemory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), options);
  if (!opened.ok()) {
    ReadAll r;
    r.openError = opened.error;
    return r;
  }
  return readSource(*opened.source);
}

std::string readFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFileBytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string gzipBytes(const std::string& bytes) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflate");
  std::string out(deflateBound(&z, bytes.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

std::string zstdBytes(const std::string& bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error("zstd compress");
  out.resize(n);
  return out;
}

std::vector<ManifestCapture> manifestCaptures() {
  std::ifstream in(sharedPcap("MANIFEST.tsv"));
  if (!in) throw std::runtime_error("cannot read MANIFEST.tsv");
  std::vector<ManifestCapture> captures;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::string col;
    std::istringstream s(line);
    while (std::getline(s, col, '\t')) cols.push_back(col);
    if (cols.size() < 10 || cols[1] != "capture") continue;
    captures.push_back({cols[0], cols[7], std::stoull(cols[9])});
  }
  return captures;
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    path_ = std::filesystem::temp_directory_path() / ("netmeter-io-" + std::to_string(rd()));
    if (std::filesystem::create_directory(path_)) return;
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace netmeter::test
