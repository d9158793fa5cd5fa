// Static files of the web UI over real loopback connections: content types, SPA fallback, path
// traversal, caching headers, gzip, HEAD, and that /API keeps its own answers.

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "api/static_files.h"
#include "test_client.h"

namespace netmeter::api::testing {
namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

std::string gunzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

class StaticFilesTest : public ServerFixture {
 protected:
  void SetUp() override {
    root_ = fs::path(files_.path()) / "dist";
    writeFile(root_ / "index.html", "<!doctype html><title>netmeter</title>");
    bigScript_ = "// " + std::string(4000, 'x') + "\nconsole.log(1);\n";
    writeFile(root_ / "assets" / "index-abc123.js", bigScript_);
    writeFile(root_ / "assets" / "index-abc123.css", "body{color:red}");
    writeFile(root_ / "favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    writeFile(root_ / ".secret", "hidden");
    writeFile(fs::path(files_.path()) / "outside.txt", "outside the root");
    fs::create_symlink(fs::path(files_.path()) / "outside.txt", root_ / "link.txt");

    makeServer(baseOptions());
    server_->route(Method::Get, "/API/stats/time", Role::ReadOnly,
                   [](const Request&) { return Response::json("{\"now\":1}"); });
    server_->serveStatic("/", root_.string());
    startServer();
  }

  TempDir files_;
  fs::path root_;
  std::string bigScript_;
};

TEST_F(StaticFilesTest, ServesIndexAtRootWithoutCredentials) {
  HttpClient c(port());
  auto r = c.get("/");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "<!doctype html><title>netmeter</title>");
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_NE(r.header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_FALSE(r.header("etag").empty());
}

TEST_F(StaticFilesTest, UnknownRoutesOfTheAppGetIndexHtml) {
  HttpClient c(port());
  for (const char* path : {"/ips", "/dashboard", "/ips?sort=bytes", "/ips/fe80::1/peers", "/macs/00:11:22:33:44:55"}) {
    auto r = c.get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>netmeter</title>") << path;
  }
  // A browser navigating to a route whose last segment looks like a file name asks for HTML.
  auto ip = c.get("/ips/10.0.0.1", {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}});
  EXPECT_EQ(ip.status, 200);
  EXPECT_EQ(ip.body, "<!doctype html><title>netmeter</title>");
  // A missing file with an extension is a real 404, not the app.
  auto missing = c.get("/assets/gone-123.js", {{"Accept", "*/*"}});
  EXPECT_EQ(c.get("/ips/10.0.0.1").status, 404);  // looks like a file and nobody asked for HTML
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("content-type"), "application/json");
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndTyped) {
  HttpClient c(port());
  auto css = c.get("/assets/index-abc123.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.body, "body{color:red}");
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("cache-control"), "public, max-age=31536000, immutable");
  auto svg = c.get("/favicon.svg");
  EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
  EXPECT_EQ(svg.header("cache-control"), "no-cache");
}

TEST_F(StaticFilesTest, GzipWhenAcceptedAndLargeEnough) {
  HttpClient c(port());
  auto plain = c.get("/assets/index-abc123.js");
  ASSERT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, bigScript_);
  EXPECT_EQ(plain.header("content-encoding"), "");
  EXPECT_EQ(plain.header("content-type"), "application/javascript; charset=utf-8");
  auto gz = c.get("/assets/index-abc123.js", {{"Accept-Encoding", "deflate, gzip"}});
  ASSERT_EQ(gz.status, 200);
  EXPECT_EQ(gz.header("content-encoding"), "gzip");
  EXPECT_EQ(gz.header("vary"), "Accept-Encoding");
  EXPECT_LT(gz.body.size(), bigScript_.size() / 4);
  EXPECT_EQ(gunzip(gz.body), bigScript_);
  // Small files are not worth it; q=0 refuses gzip.
  auto small = c.get("/assets/index-abc123.css", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(small.header("content-encoding"), "");
  auto refused = c.get("/assets/index-abc123.js", {{"Accept-Encoding", "gzip;q=0"}});
  EXPECT_EQ(refused.header("content-encoding"), "");
  EXPECT_EQ(refused.body, bigScript_);
}

TEST_F(StaticFilesTest, ConditionalRequestAnswers304) {
  HttpClient c(port());
  auto first = c.get("/favicon.svg");
  const std::string etag = first.header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = c.get("/favicon.svg", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  auto other = c.get("/favicon.svg", {{"If-None-Match", "\"other\""}});
  EXPECT_EQ(other.status, 200);
}

TEST_F(StaticFilesTest, RefusesTraversalDotFilesAndLinksOutOfTheRoot) {
  HttpClient c(port());
  for (const char* path : {"/../outside.txt", "/assets/../../outside.txt", "/%2e%2e/outside.txt",
                           "/assets/%2E%2E/%2E%2E/outside.txt", "/.secret", "/a%5c..%5coutside.txt",
                           "/%00.js"}) {
    auto r = c.get(path);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << path << " -> " << r.status;
    EXPECT_EQ(r.body.find("outside the root"), std::string::npos) << path;
    EXPECT_EQ(r.body.find("hidden"), std::string::npos) << path;
  }
  auto link = c.get("/link.txt");
  EXPECT_EQ(link.status, 404);
  EXPECT_EQ(link.body.find("outside the root"), std::string::npos);
}

TEST_F(StaticFilesTest, HeadSendsHeadersWithoutBody) {
  HttpClient c(port());
  http::request<http::empty_body> req(http::verb::head, "/assets/index-abc123.css", 11);
  req.set(http::field::host, "localhost");
  http::write(c.socket(), req);
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  http::read(c.socket(), c.buffer(), parser);
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get()[http::field::content_length], "15");
  EXPECT_EQ(parser.get()[http::field::content_type], "text/css; charset=utf-8");
  // The connection is still in sync: the next request gets its own answer.
  auto next = c.get("/favicon.svg");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
}

TEST_F(StaticFilesTest, ApiPathsKeepTheirAuthAndErrors) {
  HttpClient c(port());
  auto anonymous = c.get("/API/stats/time");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_NE(anonymous.header("www-authenticate").find("Basic"), std::string::npos);
  // The web UI's requests get no Basic challenge, so the browser shows no password dialog.
  auto fromUi = c.get("/API/stats/time", {{"X-Requested-With", "XMLHttpRequest"}});
  EXPECT_EQ(fromUi.status, 401);
  EXPECT_EQ(fromUi.header("www-authenticate"), "");
  EXPECT_EQ(c.get("/API/stats/nothing").status, 401);
  auto unknown = c.get("/API/stats/nothing", reader());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.header("content-type"), "application/json");
  EXPECT_EQ(c.get("/API/stats/time", reader()).body, "{\"now\":1}");
  // Other methods outside /API are not files.
  auto post = c.request(http::verb::post, "/index.html", {}, "x");
  EXPECT_EQ(post.status, 401);
}

TEST(StaticFilesUnit, ContentTypesAndPrefix) {
  EXPECT_EQ(StaticFiles::contentTypeFor("a.woff2"), "font/woff2");
  EXPECT_EQ(StaticFiles::contentTypeFor("a.mjs"), "application/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::contentTypeFor("README"), "application/octet-stream");
  StaticFiles ui("/ui/", "/nonexistent");
  EXPECT_TRUE(ui.covers("/ui"));
  EXPECT_TRUE(ui.covers("/ui/assets/x.js"));
  EXPECT_FALSE(ui.covers("/uix"));
  EXPECT_FALSE(ui.covers("/"));
  StaticFiles root("/", "/nonexistent");
  EXPECT_TRUE(root.covers("/anything"));
}

}  // namespace
}  // namespace netmeter::api::testing
