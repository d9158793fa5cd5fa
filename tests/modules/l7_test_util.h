#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "io/capture_files.h"
#include "modules/module_set.h"
#include "support/packet_builder.h"
#include "support/synthetic_source.h"
#include "test_paths.h"

namespace netmeter::test {

// The modules of every shard merged, as the report and the API see them.
inline std::unique_ptr<ModuleSet> mergedModules(const Engine& engine) {
  auto merged = std::make_unique<ModuleSet>();
  MemoryAccount scratch;
  engine.forEachShard([&](const Shard& s) { merged->mergeFrom(s.modules(), scratch); });
  return merged;
}

// Runs a shared capture through an engine with `threads` workers.
inline std::unique_ptr<Engine> analyzeCapture(const std::string& relative, unsigned threads = 1) {
  auto opened = openCaptureFiles({sharedPcap(relative).string()});
  if (!opened.source) return nullptr;
  EngineOptions options;
  options.threads = threads;
  auto engine = std::make_unique<Engine>(options);
  engine->run(*opened.source);
  return engine;
}

// One trace of DNS, HTTP, TLS and QUIC captures merged, analyzed with `options`.
inline std::unique_ptr<Engine> analyzeMixedTrace(const EngineOptions& options) {
  const char* files[] = {"ndpi/dns-google-nsid.pcapng", "ndpi/http-lines-split.pcap", "ndpi/tls_ech.pcapng",
                         "ndpi/quic-v2.pcapng"};
  std::vector<std::string> paths;
  for (const char* f : files) paths.push_back(sharedPcap(f).string());
  auto opened = openCaptureFiles(paths);
  EXPECT_TRUE(opened.source) << opened.error.toString();
  auto engine = std::make_unique<Engine>(options);
  if (opened.source) engine->run(*opened.source);
  return engine;
}

// A TCP/UDP segment with content between the two test hosts.
inline FrameSpec segment(bool fromClient, std::string payload, uint32_t seq, uint16_t serverPort = 80,
                         uint8_t l4Protocol = 6) {
  FrameSpec f;
  f.srcIp = fromClient ? "10.0.0.1" : "10.0.0.2";
  f.dstIp = fromClient ? "10.0.0.2" : "10.0.0.1";
  f.srcPort = fromClient ? 40000 : serverPort;
  f.dstPort = fromClient ? serverPort : 40000;
  f.l4Protocol = l4Protocol;
  f.tcpFlags = 0x18;
  f.tcpSeq = seq;
  f.payloadBytes = std::move(payload);
  return f;
}

}  // namespace netmeter::test
