#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "modules/app/inner_stream.h"
#include "modules/app/l7_payload.h"

namespace netmeter {

// The cleartext protocols whose connections upgrade to TLS in-band.
enum class StartTlsProtocol : uint8_t {
  kSmtpOrFtp,  // a "220" greeting on another port than 21, 25 or 587, before the client's first command
  kSmtp,
  kImap,
  kPop3,
  kFtp,
};
// "smtp-or-ftp", "smtp", "imap", "pop3", "ftp".
std::string_view startTlsProtocolName(StartTlsProtocol p);

// STARTTLS: follows the cleartext start of an SMTP, IMAP, POP3 or FTP control connection line by line
// until the client asks to upgrade (SMTP `STARTTLS`, IMAP `<tag> STARTTLS`, POP3 `STLS`, FTP
// `AUTH TLS` / `AUTH SSL`) and the server agrees (SMTP 220, IMAP `<tag> OK`, POP3 `+OK`, FTP 234 or 334);
// from the byte after the client's command line and the byte after the server's answer line, the
// connection's stream is an InnerStream handed to `innerReader` (the application dispatch gives it to
// TLS when it begins like TLS), exactly as the stream inside an HTTP CONNECT tunnel. A refusal (SMTP
// 454, IMAP NO/BAD, POP3 -ERR, FTP 5xx) leaves the connection in cleartext, still followed.
//
// Recognized by content, from the connection's first payload: a server greeting "220 " / "220-" (SMTP
// or FTP: port 21 is FTP, 25 and 587 SMTP, on another port the client's first command tells:
// EHLO/HELO/LHLO/STARTTLS SMTP, anything else FTP), "* OK" (IMAP), "+OK" (POP3), or a client "EHLO " /
// "HELO " (SMTP whose greeting the capture missed). nDPI's classification stays the connection's
// l7Protocol; this analyzer only reads.
//
// Replies are matched to commands in order (SMTP, FTP, POP3: a ring of kMaxPending commands waiting
// for their reply, pipelining included; multi-line replies "250-..." / FTP's "230-" ... "230 ",
// POP3's multi-line responses ended by "."; FTP's 1xx replies are preliminary), IMAP by the
// STARTTLS command's tag. Bounded: per direction a fixed kLineKept-byte buffer keeps the start of the
// current line (the rest of a long line is skipped); client bytes sent after the upgrade command
// before the answer (a client that does not wait, or a capture that shows the ClientHello first) are
// held, at most kMaxHeld; segments that arrive ahead of their direction's stream wait in a
// TcpReorderBuffer (allocated only then). The analyzer gives up (Connection::app.analyzerDone: one
// branch per later packet) after kMaxLines lines or kMaxBytes payload bytes without an upgrade, on
// a hole in the cleartext (a segment cut by the snap length, or one the reorder buffer cannot wait
// for: the conversation cannot be followed line by line any more), on a line that is no reply of the
// protocol (SMTP, FTP, POP3), on an SMTP mail transaction in cleartext (a 354 answer to DATA; BDAT),
// and when more than kMaxPending commands wait.
class StartTlsModule {
 public:
  static constexpr uint32_t kMaxLines = 128;        // cleartext lines, both directions
  static constexpr uint32_t kMaxBytes = 16 * 1024;  // payload bytes before the upgrade, both directions
  static constexpr uint32_t kMaxHeld = 16 * 1024;   // client bytes after the command, before the answer
  static constexpr size_t kLineKept = 32;           // first bytes of each line kept
  static constexpr size_t kMaxTag = 23;             // IMAP tags up to this length are matched
  static constexpr size_t kMaxPending = 8;

  static bool recognizes(const L7Payload& payload);
  void onPayload(const L7Payload& payload, MemoryAccount& account, InnerStreamReader* innerReader);

  // What a connection read by this analyzer shows: its protocol and whether it was upgraded.
  struct Status {
    StartTlsProtocol protocol = StartTlsProtocol::kSmtpOrFtp;
    bool upgraded = false;
  };
  static std::optional<Status> status(const Connection& c);
  // The stream after the connection's upgrade; null before it or for other connections.
  static const InnerStream* upgraded(const Connection& c);
};

}  // namespace netmeter
