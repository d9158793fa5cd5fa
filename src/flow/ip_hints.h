#pragma once

namespace netmeter {

// Where one IP address's records in other modules' tables were last found: hints for
// EntityTable::findOrCreateHinted, kept with the address's own record (IpRecord::hints) and reached
// from each of its connections (ConnectionRecords::hint()). A connection between addresses seen
// before then finds its per-IP TCP, L7, TLS, HTTP, alternative-name and MAC records without a hash
// lookup each (about a dozen per connection, each a few cache misses in tables as large as the
// address population).
//
// A hint is opaque and checked against the key on every use, so one that points at a record that was
// removed or now holds another key only costs the lookup it would have saved. Hints are per shard:
// never merged, never read by queries, and they change no result.
struct IpHints {
  const void* mac = nullptr;            // MacModule: the MAC this address's packets come from
  const void* tcp = nullptr;            // TcpModule: its per-IP TCP record
  const void* tcpServerPort = nullptr;  // TcpModule: its open server port, the latest one used
  const void* l7 = nullptr;             // DpiModule: its (address, L7 protocol) record, the latest one
  const void* names = nullptr;          // HostNameTable: its alternative names
  const void* tlsClient = nullptr;      // TlsModule: its record as a TLS client
  const void* tlsServer = nullptr;      // TlsModule: its (address, port) TLS server record, the latest
  const void* httpServer = nullptr;     // HttpModule: its record as an HTTP server
};

}  // namespace netmeter
