// multipart/form-data taken piece by piece: the file part comes out whole whatever the piece sizes.

#include "api/multipart_stream.h"

#include <gtest/gtest.h>

#include <string>

namespace netmeter::api {
namespace {

std::string body(const std::string& boundary, const std::string& file, bool withField = true) {
  std::string b = "preamble to ignore\r\n";
  if (withField) {
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nfile\r\n";
  }
  b += "--" + boundary +
       "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"abc.pcapng\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\n" +
       file + "\r\n--" + boundary + "--\r\nepilogue";
  return b;
}

struct Result {
  bool ok = false;
  std::string file;
  std::string name;
  std::string error;
};

Result run(const std::string& boundary, const std::string& data, size_t pieceSize) {
  Result r;
  MultipartStream m(boundary, "file", [&](std::string_view d) {
    r.file.append(d);
    return true;
  });
  bool ok = true;
  for (size_t i = 0; i < data.size() && ok; i += pieceSize) ok = m.feed(std::string_view(data).substr(i, pieceSize));
  r.ok = ok && m.finish();
  r.name = m.fileName();
  r.error = m.error();
  return r;
}

TEST(MultipartStream, BoundaryFromContentType) {
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipartBoundary("Multipart/Form-Data; charset=x; boundary=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipartBoundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(multipartBoundary("application/octet-stream; boundary=abc"), std::nullopt);
  EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')), std::nullopt);
}

TEST(MultipartStream, FilePartWholeForEveryPieceSize) {
  // Content that looks like the boundary without being it, CR/LF inside, binary bytes.
  std::string file = "\xd4\xc3\xb2\xa1 some bytes \r\n--boun not it\r\n--bou\r\n-";
  for (int i = 0; i < 300; ++i) file.push_back(char(i));
  const std::string data = body("bound", file);
  for (size_t piece : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(64), data.size()}) {
    const Result r = run("bound", data, piece);
    ASSERT_TRUE(r.ok) << "piece " << piece << ": " << r.error;
    EXPECT_EQ(r.file, file) << "piece " << piece;
    EXPECT_EQ(r.name, "abc.pcapng");
  }
}

TEST(MultipartStream, EmptyFileAndNoPreamble) {
  const std::string data = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--b--\r\n";
  const Result r = run("b", data, 5);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.file, "");
}

TEST(MultipartStream, MalformedBodiesAreRefusedWithAReason) {
  // No closing boundary.
  Result r = run("b", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", 4);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("closing boundary"), std::string::npos) << r.error;
  // No file part.
  r = run("b", "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc\r\n--b--", 4);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("no file part"), std::string::npos) << r.error;
  // A part without Content-Disposition.
  r = run("b", "--b\r\nContent-Type: x\r\n\r\nabc\r\n--b--", 4);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("Content-Disposition"), std::string::npos) << r.error;
  // Garbage after the boundary.
  r = run("b", "--bXX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc\r\n--b--", 4);
  EXPECT_FALSE(r.ok);
  // Endless part headers.
  r = run("b", "--b\r\nContent-Disposition: form-data; name=\"file\"\r\nX: " + std::string(20000, 'a'), 100);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("16 KiB"), std::string::npos) << r.error;
}

TEST(MultipartStream, RefusalByTheConsumerStops) {
  MultipartStream m("b", "file", [](std::string_view) { return false; });
  EXPECT_FALSE(m.feed("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + std::string(100, 'x')));
  EXPECT_EQ(m.state(), MultipartStream::State::Error);
}

}  // namespace
}  // namespace netmeter::api
