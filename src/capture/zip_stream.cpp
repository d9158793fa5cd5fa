#include "capture/zip_stream.h"

#include <archive.h>
#include <archive_entry.h>

namespace netmeter::capture {

namespace {

la_ssize_t writeCallback(archive*, void* self, const void* data, size_t size) {
  auto* out = static_cast<ZipStream::Out*>(self);
  return (*out)(static_cast<const uint8_t*>(data), size) ? la_ssize_t(size) : -1;
}

}  // namespace

ZipStream::ZipStream(Out out) : out_(std::move(out)) {
  archive_ = archive_write_new();
  if (archive_ == nullptr) {
    error_ = "cannot create a zip archive";
    return;
  }
  // Small blocks: bytes reach the client as they are produced.
  if (archive_write_set_format_zip(archive_) != ARCHIVE_OK || archive_write_set_bytes_per_block(archive_, 0) != ARCHIVE_OK ||
      archive_write_open(archive_, &out_, nullptr, writeCallback, nullptr) != ARCHIVE_OK) {
    fail();
    return;
  }
  open_ = true;
}

ZipStream::~ZipStream() {
  if (archive_ != nullptr) {
    if (open_) close();
    archive_write_free(archive_);
  }
}

bool ZipStream::fail() {
  if (error_.empty()) {
    const char* e = archive_ != nullptr ? archive_error_string(archive_) : nullptr;
    error_ = e != nullptr ? e : "zip archive error";
  }
  return false;
}

bool ZipStream::beginEntry(const std::string& name, PacketTime modified) {
  if (!open_) return fail();
  if (inEntry_ && !finishEntry()) return false;
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_mtime(entry, time_t(modified / kNanosPerSecond), long(modified % kNanosPerSecond));
  archive_entry_unset_size(entry);  // unknown: streamed with a data descriptor
  const int r = archive_write_header(archive_, entry);
  archive_entry_free(entry);
  if (r != ARCHIVE_OK) return fail();
  inEntry_ = true;
  return true;
}

bool ZipStream::write(const uint8_t* data, size_t size) {
  if (!inEntry_) return fail();
  while (size > 0) {
    const la_ssize_t n = archive_write_data(archive_, data, size);
    if (n <= 0) return fail();
    data += n;
    size -= size_t(n);
  }
  return true;
}

bool ZipStream::finishEntry() {
  if (!inEntry_) return true;
  inEntry_ = false;
  return archive_write_finish_entry(archive_) == ARCHIVE_OK || fail();
}

bool ZipStream::close() {
  if (!open_) return error_.empty();
  open_ = false;
  const bool entryOk = finishEntry();
  const bool closed = archive_write_close(archive_) == ARCHIVE_OK || fail();
  return entryOk && closed;
}

}  // namespace netmeter::capture
