#include "modules/starttls/starttls_module.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "core/text.h"
#include "modules/app/tcp_reorder_buffer.h"
#include "modules/app/tcp_stream.h"

namespace netmeter {

std::string_view startTlsProtocolName(StartTlsProtocol p) {
  switch (p) {
    case StartTlsProtocol::kSmtpOrFtp:
      return "smtp-or-ftp";
    case StartTlsProtocol::kSmtp:
      return "smtp";
    case StartTlsProtocol::kImap:
      return "imap";
    case StartTlsProtocol::kPop3:
      return "pop3";
    case StartTlsProtocol::kFtp:
      return "ftp";
  }
  return "smtp-or-ftp";
}

// In a namespace of their own: the modules are compiled as one unity translation unit.
namespace starttls {
namespace {

// `s` is `word` (lower case), ASCII case-insensitively.
bool equalsWord(std::string_view s, std::string_view word) {
  return s.size() == word.size() && startsWithNoCase(s, word);
}

// `s` is `word` (lower case), or `word` followed by a space and more.
bool isWord(std::string_view s, std::string_view word) {
  return startsWithNoCase(s, word) && (s.size() == word.size() || s[word.size()] == ' ');
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The reply code of an SMTP or FTP reply line ("250 ok", "250-more", "250"), or 0.
int replyCode(std::string_view line) {
  if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2])) return 0;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return 0;
  return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

std::optional<StartTlsProtocol> protocolOf(const L7Payload& payload) {
  const std::string_view b = bytesAsText(payload.bytes);
  if (!payload.fromClient()) {
    if (b.size() >= 4 && b.substr(0, 3) == "220" && (b[3] == ' ' || b[3] == '-')) {
      const uint16_t port = payload.connection.serverPort;
      if (port == 21) return StartTlsProtocol::kFtp;
      if (port == 25 || port == 587) return StartTlsProtocol::kSmtp;
      return StartTlsProtocol::kSmtpOrFtp;
    }
    if (startsWithNoCase(b, "* ok")) return StartTlsProtocol::kImap;
    if (startsWithNoCase(b, "+ok")) return StartTlsProtocol::kPop3;
    return std::nullopt;
  }
  if (startsWithNoCase(b, "ehlo ") || startsWithNoCase(b, "helo ")) return StartTlsProtocol::kSmtp;
  return std::nullopt;
}

// What a command waiting for its reply asked for.
enum class Command : uint8_t {
  kGreeting,  // the server's greeting, which answers no command
  kOther,
  kMultiLine,  // POP3: a positive answer is followed by lines up to "."
  kData,       // SMTP DATA: 354 starts a mail in cleartext
  kUpgrade,    // STARTTLS, STLS, AUTH TLS
};

struct StartTlsState : ConnectionAnalysisState {
  enum class Phase : uint8_t {
    kCleartext,
    kAwaitingAnswer,  // the client asked to upgrade: its later bytes are held until the answer
    kUpgraded,        // `inner` reads everything
    kDone,            // gave up
  };
  struct Side {
    TcpStreamCursor cursor;
    bool startHinted = false;  // cursor started at the peer's acknowledgement, no data seen yet
    bool overflow = false;     // the current line is longer than what `line` keeps
    uint8_t length = 0;        // bytes of the current line in `line`
    std::array<char, StartTlsModule::kLineKept> line{};
    std::unique_ptr<TcpReorderBuffer> ahead;  // segments that arrived before the bytes preceding them
  };

  std::array<Side, 2> sides;
  StartTlsProtocol protocol = StartTlsProtocol::kSmtpOrFtp;
  Phase phase = Phase::kCleartext;
  bool pop3Body = false;       // POP3: inside the lines of a multi-line response
  uint16_t multiLineCode = 0;  // SMTP, FTP: the code of the multi-line reply in progress
  uint16_t lines = 0;          // cleartext lines so far (both directions)
  uint32_t bytes = 0;          // payload bytes before the upgrade (both directions)
  std::array<Command, StartTlsModule::kMaxPending> pending{};  // ring, oldest at `pendingHead`
  uint8_t pendingHead = 0;
  uint8_t pendingCount = 0;
  uint8_t tagLength = 0;  // IMAP: the STARTTLS command's tag
  std::array<char, StartTlsModule::kMaxTag> tag{};
  uint32_t clientStart = 0;            // sequence number of the client's byte after its upgrade command
  PacketTime heldTime = 0;             // packet time of the first held byte
  std::string held;                    // client bytes after the upgrade command, until the answer
  MemoryAccount buffers;               // what the reorder buffers hold
  std::unique_ptr<InnerStream> inner;  // after the upgrade
  int64_t ownAccounted = 0;  // the part of accountedBytes this state charged (the rest: inner->state's)

  int64_t ownBytes() const {
    int64_t n = int64_t(sizeof(StartTlsState)) + buffers.bytes +
                (held.capacity() > 15 ? int64_t(held.capacity()) + 1 : 0) +
                (inner != nullptr ? int64_t(sizeof(InnerStream)) : 0);
    for (const Side& s : sides)
      if (s.ahead) n += int64_t(sizeof(TcpReorderBuffer));
    return n;
  }
  int64_t innerBytes() const {
    return inner != nullptr && inner->state != nullptr ? inner->state->accountedBytes : 0;
  }
  // Brings accountedBytes (and the shard's account, for the own part: the inner reader charges its
  // state itself) up to date.
  void sync(MemoryAccount& account) {
    const int64_t own = ownBytes();
    account.add(own - ownAccounted);
    ownAccounted = own;
    accountedBytes = own + innerBytes();
  }

  bool push(Command c) {
    if (pendingCount == StartTlsModule::kMaxPending) return false;
    pending[(pendingHead + pendingCount) % StartTlsModule::kMaxPending] = c;
    ++pendingCount;
    return true;
  }
  std::optional<Command> pop() {
    if (pendingCount == 0) return std::nullopt;
    const Command c = pending[pendingHead];
    pendingHead = uint8_t((pendingHead + 1) % StartTlsModule::kMaxPending);
    --pendingCount;
    return c;
  }
  void freeBuffers() {
    for (Side& s : sides)
      if (s.ahead) {
        s.ahead->clear(buffers);
        s.ahead.reset();
      }
    held = std::string();
  }
  void giveUp(Connection& c) {
    phase = Phase::kDone;
    c.app.analyzerDone = true;
    freeBuffers();
  }
};

// Reads one payload of a connection that is not upgraded yet.
class Reader {
 public:
  Reader(StartTlsState& s, Connection& c, InnerStreamReader* inner, MemoryAccount& account)
      : s_(s), c_(c), innerReader_(inner), account_(account) {}

  void segment(const L7Payload& payload) {
    using Phase = StartTlsState::Phase;
    const size_t d = payload.direction;
    StartTlsState::Side& side = s_.sides[d];
    const uint32_t seq = payload.packet.tcpSeq;
    // Every payload byte before the upgrade counts, held or retransmitted ones too.
    if ((s_.bytes += payload.wireLength) > StartTlsModule::kMaxBytes) return s_.giveUp(c_);
    if ((payload.packet.tcpFlags & tcpflag::kAck) != 0) hintPeer(d, payload.packet.tcpAck);
    const bool whole = !TcpStreamCursor::truncated(payload.bytes, payload.wireLength);
    if (side.startHinted) {
      side.startHinted = false;
      // Far ahead of what the peer acknowledged: the acknowledgement does not describe this stream.
      if (int32_t(seq - side.cursor.next) > int32_t{TcpReorderBuffer::kMaxBytes}) side.cursor.started = false;
    }
    // A segment ahead of the stream waits for the bytes before it; only when it cannot wait is it a hole.
    if (whole && side.cursor.started && int32_t(seq - side.cursor.next) > 0) {
      if (!side.ahead) side.ahead = std::make_unique<TcpReorderBuffer>();
      if (side.ahead->hold(seq, payload.bytes, s_.buffers)) return;
    }
    if (!advance(d, seq, payload.bytes, payload.wireLength, payload.time())) return;
    // The held segments this one has reached follow it, in stream order, at this packet's time.
    TcpReorderBuffer::Segment early;
    while (s_.phase != Phase::kDone && s_.phase != Phase::kUpgraded && side.ahead &&
           side.ahead->take(side.cursor.next, early, s_.buffers)) {
      if (!advance(d, early.seq, early.bytes(), early.length, payload.time())) return;
    }
    if (s_.phase == Phase::kUpgraded) {
      // Segments that arrived early are the stream's (its reader orders them); then nothing is held.
      for (const Direction dir : {kClientToServer, kServerToClient}) {
        StartTlsState::Side& each = s_.sides[dir];
        while (!c_.app.analyzerDone && each.ahead && each.ahead->takeAny(early, s_.buffers))
          readInner({dir, early.seq, early.bytes(), early.length, payload.time()});
      }
      s_.freeBuffers();
    } else if (!whole) {
      s_.giveUp(c_);  // the rest of the segment was not captured: a hole
    }
  }

  // A piece of the stream after the upgrade.
  void readInner(const TcpStreamPiece& piece) {
    if (c_.app.analyzerDone) return;
    if (innerReader_ == nullptr) {
      s_.inner->reader = InnerStream::Reader::kNone;
      c_.app.analyzerDone = true;
      return;
    }
    innerReader_->read(c_, *s_.inner, piece, account_);
  }

 private:
  // The sender of a segment acknowledged the peer's stream up to `ack`: where the peer's stream starts
  // when none of it has been seen yet.
  void hintPeer(size_t d, uint32_t ack) {
    StartTlsState::Side& peer = s_.sides[d ^ 1];
    if (peer.cursor.started) return;
    peer.cursor.started = true;
    peer.cursor.next = ack;
    peer.startHinted = true;
  }

  // A segment of direction d in stream order (or behind it: retransmitted bytes are dropped); false
  // when the analysis ended at a hole before it.
  bool advance(size_t d, uint32_t seq, std::span<const uint8_t> bytes, uint32_t wireLength, PacketTime t) {
    TcpStreamCursor& cursor = s_.sides[d].cursor;
    const uint32_t from = cursor.started && int32_t(cursor.next - seq) > 0 ? cursor.next : seq;
    const TcpStreamCursor::Piece piece = cursor.advance(seq, bytes, wireLength);
    if (piece.gapBefore) {
      s_.giveUp(c_);
      return false;
    }
    feed(d, from, piece.bytes, cursor.next - from, t);
    return true;
  }

  // In-order bytes of direction d: `in` captured of `wire` bytes starting at sequence number `seq`.
  void feed(size_t d, uint32_t seq, std::span<const uint8_t> in, uint32_t wire, PacketTime t) {
    using Phase = StartTlsState::Phase;
    StartTlsState::Side& side = s_.sides[d];
    for (;;) {
      if (s_.phase == Phase::kDone) return;
      if (s_.phase == Phase::kUpgraded) {
        if (wire > 0) readInner({Direction(d), seq, in, wire, t});
        return;
      }
      if (in.empty()) return;
      if (s_.phase == Phase::kAwaitingAnswer && d == kClientToServer) return hold(in, t);
      const void* nl = std::memchr(in.data(), '\n', in.size());
      const size_t take = nl != nullptr ? size_t(static_cast<const uint8_t*>(nl) - in.data()) + 1 : in.size();
      const size_t lineBytes = nl != nullptr ? take - 1 : take;  // without the '\n'
      const size_t kept = std::min(side.line.size() - side.length, lineBytes);
      std::copy_n(in.data(), kept, side.line.data() + side.length);
      side.length = uint8_t(side.length + kept);
      if (kept < lineBytes) side.overflow = true;
      in = in.subspan(take);
      wire -= uint32_t(take);
      seq += uint32_t(take);
      if (nl == nullptr) return;
      std::string_view line(side.line.data(), side.length);
      const bool whole = !side.overflow;
      if (whole && !line.empty() && line.back() == '\r') line.remove_suffix(1);
      side.length = 0;
      side.overflow = false;
      if (++s_.lines > StartTlsModule::kMaxLines) return s_.giveUp(c_);
      if (d == kClientToServer)
        onCommand(line, whole, seq);
      else
        onReply(line, seq);
    }
  }

  // Client bytes after the upgrade command, before the server's answer.
  void hold(std::span<const uint8_t> in, PacketTime t) {
    if (s_.held.size() + in.size() > StartTlsModule::kMaxHeld) return s_.giveUp(c_);
    if (s_.held.empty()) s_.heldTime = t;
    s_.held.append(bytesAsText(in));
  }

  void expect(Command c) {
    if (!s_.push(c)) s_.giveUp(c_);
  }

  // A complete client line without its end of line (`whole`: not longer than the line buffer keeps,
  // else its start); `end` is the sequence number of the byte after it.
  void onCommand(std::string_view line, bool whole, uint32_t end) {
    StartTlsState& s = s_;
    if (s.protocol == StartTlsProtocol::kSmtpOrFtp) {
      const bool smtp =
          isWord(line, "ehlo") || isWord(line, "helo") || isWord(line, "lhlo") || isWord(line, "starttls");
      s.protocol = smtp ? StartTlsProtocol::kSmtp : StartTlsProtocol::kFtp;
    }
    // Trailing spaces after a command are tolerated.
    std::string_view bare = line;
    while (!bare.empty() && bare.back() == ' ') bare.remove_suffix(1);
    switch (s.protocol) {
      case StartTlsProtocol::kSmtpOrFtp:
      case StartTlsProtocol::kSmtp:
        if (whole && equalsWord(bare, "starttls")) return upgradeAsked(end);
        if (isWord(line, "bdat")) return s.giveUp(c_);  // binary mail data in cleartext
        return expect(isWord(line, "data") ? Command::kData : Command::kOther);
      case StartTlsProtocol::kFtp:
        // AUTH TLS, AUTH SSL (RFC 4217), and the TLS-C / TLS-P of older clients.
        if (whole && isWord(bare, "auth") && bare.size() > 5 &&
            (startsWithNoCase(bare.substr(5), "tls") || startsWithNoCase(bare.substr(5), "ssl")))
          return upgradeAsked(end);
        return expect(Command::kOther);
      case StartTlsProtocol::kPop3: {
        if (whole && equalsWord(bare, "stls")) return upgradeAsked(end);
        // Commands whose positive answer is a multi-line response ended by ".".
        const bool noArgument = bare.find(' ') == std::string_view::npos;
        const bool multi =
            isWord(line, "capa") || isWord(line, "retr") || isWord(line, "top") ||
            (noArgument && (isWord(bare, "list") || isWord(bare, "uidl") || isWord(bare, "auth")));
        return expect(multi ? Command::kMultiLine : Command::kOther);
      }
      case StartTlsProtocol::kImap: {
        // "<tag> STARTTLS"; other commands need not be matched (answers carry their tag).
        const size_t space = bare.find(' ');
        if (!whole || space == std::string_view::npos || space == 0 || space > StartTlsModule::kMaxTag)
          return;
        if (!equalsWord(bare.substr(space + 1), "starttls")) return;
        std::copy_n(bare.data(), space, s.tag.data());
        s.tagLength = uint8_t(space);
        return upgradeAsked(end);
      }
    }
  }

  void upgradeAsked(uint32_t end) {
    if (s_.protocol != StartTlsProtocol::kImap) expect(Command::kUpgrade);
    if (s_.phase == StartTlsState::Phase::kDone) return;
    s_.phase = StartTlsState::Phase::kAwaitingAnswer;
    s_.clientStart = end;
  }

  // A complete server line without its end of line; `end` is the sequence number of the byte after it.
  void onReply(std::string_view line, uint32_t end) {
    StartTlsState& s = s_;
    switch (s.protocol) {
      case StartTlsProtocol::kSmtpOrFtp:
      case StartTlsProtocol::kSmtp:
      case StartTlsProtocol::kFtp: {
        const int code = replyCode(line);
        const bool continued = line.size() > 3 && line[3] == '-';
        if (s.multiLineCode != 0) {
          // Inside a multi-line reply: it ends with a line "<same code> " (FTP's lines between may be
          // anything; SMTP's are all "<code>-").
          if (code != s.multiLineCode || continued) return;
          s.multiLineCode = 0;
        } else if (code == 0) {
          return s.giveUp(c_);  // not a reply: not the protocol it seemed
        } else if (continued) {
          s.multiLineCode = uint16_t(code);
          return;
        }
        if (code < 200) return;  // FTP's preliminary replies: the final one follows
        const std::optional<Command> command = s.pop();
        if (!command) return;  // answers nothing seen (a capture that missed the command)
        if (*command == Command::kData && code == 354) return s.giveUp(c_);  // a mail in cleartext
        if (*command != Command::kUpgrade) return;
        // FTP: 234 (RFC 4217); 334 from servers of the AUTH SSL draft before it (RFC 2228's "security
        // data needed", which for AUTH SSL/TLS means the handshake follows).
        const bool agreed = s.protocol == StartTlsProtocol::kFtp ? code == 234 || code == 334 : code == 220;
        return answered(agreed, end);
      }
      case StartTlsProtocol::kPop3: {
        if (s.pop3Body) {
          if (line == ".") s.pop3Body = false;
          return;
        }
        const bool ok = startsWithNoCase(line, "+ok");
        if (!startsWithNoCase(line, "+") && !startsWithNoCase(line, "-err")) return s.giveUp(c_);
        const std::optional<Command> command = s.pop();  // "+ ..." continues a command (SASL)
        if (!command) return;
        if (*command == Command::kMultiLine && ok) s.pop3Body = true;
        if (*command == Command::kUpgrade) answered(ok, end);
        return;
      }
      case StartTlsProtocol::kImap: {
        if (s.phase != StartTlsState::Phase::kAwaitingAnswer) return;
        const std::string_view tag(s.tag.data(), s.tagLength);
        if (line.size() <= tag.size() || line.substr(0, tag.size()) != tag || line[tag.size()] != ' ') return;
        const std::string_view status = line.substr(tag.size() + 1);
        if (isWord(status, "ok")) return answered(true, end);
        if (isWord(status, "no") || isWord(status, "bad")) return answered(false, end);
        return;
      }
    }
  }

  // The server answered the upgrade command; `end`: the sequence number of its byte after the answer.
  void answered(bool positive, uint32_t end) {
    StartTlsState& s = s_;
    if (s.phase != StartTlsState::Phase::kAwaitingAnswer) return;
    std::string early = std::move(s.held);
    s.held = std::string();
    const auto bytes = std::span(reinterpret_cast<const uint8_t*>(early.data()), early.size());
    if (!positive) {
      // Refused: the client speaks the protocol on; what it sent meanwhile is read as its lines.
      s.phase = StartTlsState::Phase::kCleartext;
      s.tagLength = 0;
      feed(kClientToServer, s.clientStart, bytes, uint32_t(bytes.size()), s.heldTime);
      return;
    }
    s.phase = StartTlsState::Phase::kUpgraded;
    s.inner = std::make_unique<InnerStream>();
    s.inner->namesServer = true;  // the server of a STARTTLS connection is the one its TLS names
    s.inner->start[kClientToServer] = s.clientStart;
    s.inner->start[kServerToClient] = end;
    // The stream's first pieces: the client bytes held since the command, then the rest of this
    // server segment (feed goes on with it).
    if (!bytes.empty())
      readInner({kClientToServer, s.clientStart, bytes, uint32_t(bytes.size()), s.heldTime});
  }

  StartTlsState& s_;
  Connection& c_;
  InnerStreamReader* innerReader_;
  MemoryAccount& account_;
};

}  // namespace
}  // namespace starttls

using starttls::Command;
using starttls::StartTlsState;

bool StartTlsModule::recognizes(const L7Payload& payload) {
  // Only the connection's first payload: these servers speak first (the client's EHLO comes first
  // when the capture missed the greeting). A later "+OK" (a Redis reply, say) is not a greeting.
  return payload.tcp() && payload.connection.app.undecidedPayloads == 0 &&
         starttls::protocolOf(payload).has_value();
}

void StartTlsModule::onPayload(const L7Payload& payload, MemoryAccount& account,
                               InnerStreamReader* innerReader) {
  ConnectionApplication& app = payload.connection.app;
  if (app.analyzerState == nullptr) {
    auto s = std::make_unique<StartTlsState>();
    s->protocol = starttls::protocolOf(payload).value_or(StartTlsProtocol::kSmtpOrFtp);
    // Recognized from the server: its greeting, which answers no command, comes first.
    if (!payload.fromClient()) s->push(Command::kGreeting);
    s->sync(account);
    app.analyzerState = std::move(s);
  }
  auto& s = static_cast<StartTlsState&>(*app.analyzerState);
  starttls::Reader reader(s, payload.connection, innerReader, account);
  if (s.phase == StartTlsState::Phase::kUpgraded)
    reader.readInner(TcpStreamPiece::of(payload));
  else
    reader.segment(payload);
  s.sync(account);
}

std::optional<StartTlsModule::Status> StartTlsModule::status(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kStartTls || c.app.analyzerState == nullptr) return std::nullopt;
  const auto& s = static_cast<const StartTlsState&>(*c.app.analyzerState);
  return Status{s.protocol, s.inner != nullptr};
}

const InnerStream* StartTlsModule::upgraded(const Connection& c) {
  if (c.app.analyzer != AppAnalyzer::kStartTls || c.app.analyzerState == nullptr) return nullptr;
  return static_cast<const StartTlsState&>(*c.app.analyzerState).inner.get();
}

}  // namespace netmeter
