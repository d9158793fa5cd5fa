#include "store/time_series.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace netmeter {
namespace {

__extension__ typedef unsigned __int128 U128;

constexpr size_t kFirstChunkBytes = 32;  // a series' first fine chunk: most series stay small
constexpr size_t kNextChunkBytes = 256;  // later fine chunks: the series is active

int64_t floorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
int64_t ceilDiv(int64_t a, int64_t b) {
  return -floorDiv(-a, b);
}
int64_t alignDown(int64_t a, int64_t step) {
  return floorDiv(a, step) * step;
}

size_t putVarint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  return n;
}

uint64_t getVarint(const uint8_t*& p) {
  uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *p++;
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return v;
  }
}

// The part of a bucket [b, b + step) with value v that falls into [lo, hi) (a sub-interval of the
// bucket): floor(v * (hi - b) / step) - floor(v * (lo - b) / step), so pieces of one bucket add up to v.
uint64_t piece(uint64_t v, int64_t b, int64_t step, int64_t lo, int64_t hi) {
  if (lo <= b && hi >= b + step) return v;
  lo = std::max(lo, b);
  hi = std::min(hi, b + step);
  if (lo >= hi) return 0;
  const auto f = [&](int64_t x) {
    return static_cast<uint64_t>(U128{v} * static_cast<uint64_t>(x) / static_cast<uint64_t>(step));
  };
  return f(hi - b) - f(lo - b);
}

template <size_t N>
bool isZero(const std::array<uint64_t, N>& v) {
  for (uint64_t x : v)
    if (x != 0) return false;
  return true;
}

template <size_t N>
void addTo(std::array<uint64_t, N>& a, const std::array<uint64_t, N>& b) {
  for (size_t i = 0; i < N; ++i) a[i] += b[i];
}

// Series of more than 8 counters (the TCP statistics' 20) are sparse: most of their counters are zero
// in most seconds. Their buckets carry a bitmap of the non-zero counters and only those values.
template <size_t N>
constexpr bool kSparse = N > 8;
template <size_t N>
constexpr size_t kMaskBytes = kSparse<N> ? (N + 7) / 8 : 0;

// Encodes one bucket (gap to the previous one, [the bitmap of non-zero values,] the values) into p;
// returns its size.
template <size_t N>
size_t encodeBucket(uint8_t* p, uint64_t gap, const std::array<uint64_t, N>& values) {
  size_t n = putVarint(p, gap);
  if constexpr (kSparse<N>) {
    uint8_t* mask = p + n;
    std::fill(mask, mask + kMaskBytes<N>, uint8_t{0});
    n += kMaskBytes<N>;
    for (size_t i = 0; i < N; ++i) {
      if (values[i] == 0) continue;
      mask[i / 8] = static_cast<uint8_t>(mask[i / 8] | (1u << (i % 8)));
      n += putVarint(p + n, values[i]);
    }
  } else {
    for (uint64_t v : values) n += putVarint(p + n, v);
  }
  return n;
}

template <size_t N>
constexpr size_t kMaxBucketBytes = 10 * (N + 1) + kMaskBytes<N>;

}  // namespace

// Sequential decoder over one chunk's buckets.
template <size_t N>
struct ChunkReader {
  const uint8_t* p;
  int64_t prev;
  int64_t step;
  uint32_t left;

  template <typename Chunk>
  explicit ChunkReader(const Chunk& c)
      : p(c.data.data()), prev(c.firstSecond - c.step), step(c.step), left(c.count) {}

  bool next(int64_t& start, std::array<uint64_t, N>& values) {
    if (left == 0) return false;
    --left;
    start = prev + step + static_cast<int64_t>(getVarint(p));
    prev = start;
    if constexpr (kSparse<N>) {
      const uint8_t* mask = p;
      p += kMaskBytes<N>;
      for (size_t i = 0; i < N; ++i) values[i] = (mask[i / 8] >> (i % 8)) & 1u ? getVarint(p) : 0;
    } else {
      for (auto& v : values) v = getVarint(p);
    }
    return true;
  }
};

template <size_t N>
void TimeSeries<N>::advance(int64_t s, MemoryAccount& account) {
  if (openSecond_ != INT64_MIN && !isZero(open_)) {
    addTo(closedTotals_, open_);
    appendClosed(openSecond_, open_, account);
  }
  openSecond_ = s;
  open_ = Values{};
}

template <size_t N>
void TimeSeries<N>::addAt(PacketTime t, const Values& delta, MemoryAccount& account) {
  const int64_t s = secondOf(t);
  if (s >= openSecond_) {
    add(t, delta, account);
    return;
  }
  addTo(closedTotals_, delta);
  if (isZero(delta)) return;
  const int64_t before = static_cast<int64_t>(memoryBytes());
  const size_t lo = firstChunkEndingAfter(s);
  std::vector<Bucket> buckets;
  for (size_t i = lo; i < chunks_.size(); ++i) decodeChunk(chunks_[i], buckets);
  buckets.push_back(Bucket{s, 1, delta});
  replaceChunks(lo, chunks_.size(), buckets);
  account.add(static_cast<int64_t>(memoryBytes()) - before);
}

template <size_t N>
void TimeSeries<N>::appendClosed(int64_t second, const Values& values, MemoryAccount& account) {
  if (!chunks_.empty()) {
    Chunk& last = chunks_.back();
    if (second < last.end()) {
      // Inside the last (rolled-up) bucket, e.g. a long-idle open second: fold it in. Rare.
      const int64_t before = static_cast<int64_t>(memoryBytes());
      std::vector<Bucket> buckets;
      decodeChunk(last, buckets);
      buckets.push_back(Bucket{second, 1, values});
      replaceChunks(chunks_.size() - 1, chunks_.size(), buckets);
      account.add(static_cast<int64_t>(memoryBytes()) - before);
      return;
    }
    if (last.step == 1) {
      uint8_t buf[kMaxBucketBytes<N>];
      const size_t n = encodeBucket(buf, static_cast<uint64_t>(second - last.lastSecond - 1), values);
      const size_t size = last.data.size();
      if (size + n <= kMaxChunkBytes) {
        if (size + n > last.data.capacity()) {
          const size_t oldCap = last.data.capacity();
          last.data.reserve(std::min(kMaxChunkBytes, std::max(2 * oldCap, size + n)));
          account.add(static_cast<int64_t>(last.data.capacity()) - static_cast<int64_t>(oldCap));
        }
        last.data.insert(last.data.end(), buf, buf + n);
        last.lastSecond = second;
        ++last.count;
        addTo(last.totals, values);
        return;
      }
    }
  }
  Chunk c;
  c.firstSecond = c.lastSecond = second;
  c.step = 1;
  c.count = 1;
  c.totals = values;
  c.data.reserve(chunks_.empty() || chunks_.back().step != 1 ? kFirstChunkBytes : kNextChunkBytes);
  uint8_t buf[kMaxBucketBytes<N>];
  const size_t n = encodeBucket(buf, 0, values);
  c.data.insert(c.data.end(), buf, buf + n);
  const size_t oldCap = chunks_.capacity();
  const int64_t dataBytes = static_cast<int64_t>(c.data.capacity());
  chunks_.push_back(std::move(c));
  account.add(dataBytes + static_cast<int64_t>((chunks_.capacity() - oldCap) * sizeof(Chunk)));
}

template <size_t N>
void TimeSeries<N>::decodeChunk(const Chunk& c, std::vector<Bucket>& out) {
  ChunkReader<N> r(c);
  Bucket b{0, c.step, {}};
  while (r.next(b.startSecond, b.values)) out.push_back(b);
}

template <size_t N>
size_t TimeSeries<N>::firstChunkEndingAfter(int64_t second) const {
  return static_cast<size_t>(std::partition_point(chunks_.begin(), chunks_.end(),
                                                  [&](const Chunk& c) { return c.end() <= second; }) -
                             chunks_.begin());
}

template <size_t N>
template <typename Fn>
void TimeSeries<N>::forEachBucket(int64_t from, int64_t to, Fn&& fn) const {
  for (size_t i = firstChunkEndingAfter(from); i < chunks_.size() && chunks_[i].firstSecond < to; ++i) {
    const Chunk& c = chunks_[i];
    ChunkReader<N> r(c);
    int64_t start;
    Values v;
    while (r.next(start, v)) {
      if (start >= to) break;
      if (start + c.step > from) fn(start, c.step, v);
    }
  }
}

template <size_t N>
typename TimeSeries<N>::Values TimeSeries<N>::sum(int64_t fromSecond, int64_t toSecond) const {
  Values r{};
  if (fromSecond >= toSecond) return r;
  for (size_t i = firstChunkEndingAfter(fromSecond); i < chunks_.size() && chunks_[i].firstSecond < toSecond;
       ++i) {
    const Chunk& c = chunks_[i];
    if (c.firstSecond >= fromSecond && c.end() <= toSecond) {
      addTo(r, c.totals);
      continue;
    }
    ChunkReader<N> reader(c);
    int64_t start;
    Values v;
    while (reader.next(start, v)) {
      if (start >= toSecond) break;
      if (start + c.step <= fromSecond) continue;
      for (size_t k = 0; k < N; ++k) r[k] += piece(v[k], start, c.step, fromSecond, toSecond);
    }
  }
  if (openSecond_ >= fromSecond && openSecond_ < toSecond) addTo(r, open_);
  return r;
}

template <size_t N>
int64_t TimeSeries<N>::coarsestStep(int64_t from, int64_t to) const {
  int64_t res = 1;
  for (size_t i = firstChunkEndingAfter(from); i < chunks_.size() && chunks_[i].firstSecond < to; ++i) {
    const Chunk& c = chunks_[i];
    if (c.step <= res) continue;
    if (c.firstSecond >= from && c.end() <= to) {
      res = c.step;
      continue;
    }
    ChunkReader<N> reader(c);  // partly overlapping chunk: does one of its buckets overlap?
    int64_t start;
    Values v;
    while (reader.next(start, v)) {
      if (start >= to) break;
      if (start + c.step > from) {
        res = c.step;
        break;
      }
    }
  }
  return res;
}

template <size_t N>
std::vector<HistoryPoint<N>> TimeSeries<N>::series(int64_t fromSecond, int64_t toSecond,
                                                   size_t maxPoints) const {
  const int64_t from = std::clamp(fromSecond, -kSeriesQueryLimit, kSeriesQueryLimit);
  const int64_t to = std::clamp(toSecond, -kSeriesQueryLimit, kSeriesQueryLimit);
  if (maxPoints == 0 || from >= to) return {};
  const int64_t res = coarsestStep(from, to);
  const int64_t range = to - from;
  const int64_t maxP = static_cast<int64_t>(std::min<size_t>(maxPoints, size_t{1} << 62));
  const auto pointCount = [&](int64_t step) { return floorDiv(to - 1, step) - floorDiv(from, step) + 1; };

  int64_t k = std::max<int64_t>(1, ceilDiv(ceilDiv(range, maxP), res));
  int64_t step = k * res;
  for (int tries = 0; pointCount(step) > maxP && tries < 64; ++tries) step = ++k * res;
  int64_t start = alignDown(from, step);
  if (pointCount(step) > maxP) {
    if (maxP >= 2) {
      step = ceilDiv(ceilDiv(range, maxP - 1), res) * res;
      start = alignDown(from, step);
    } else if (from >= 0) {
      step = ceilDiv(to, res) * res;
      start = 0;
    } else if (to <= 0) {
      step = ceilDiv(-from, res) * res;
      start = -step;
    } else {  // no aligned single point exists across second 0: align to the resolution only
      start = alignDown(from, res);
      step = ceilDiv(to - start, res) * res;
    }
  }
  const int64_t count = floorDiv(to - 1 - start, step) + 1;
  const int64_t end = start + count * step;

  std::vector<HistoryPoint<N>> points(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    points[static_cast<size_t>(i)].startSecond = start + i * step;
    points[static_cast<size_t>(i)].step = step;
  }
  forEachBucket(start, end, [&](int64_t b, int64_t bStep, const Values& v) {
    const int64_t lo = std::max(b, start);
    const int64_t hi = std::min(b + bStep, end);
    for (int64_t idx = (lo - start) / step, p = start + idx * step; p < hi; ++idx, p += step) {
      auto& values = points[static_cast<size_t>(idx)].values;
      for (size_t j = 0; j < N; ++j) values[j] += piece(v[j], b, bStep, p, p + step);
    }
  });
  if (openSecond_ >= start && openSecond_ < end)
    addTo(points[static_cast<size_t>((openSecond_ - start) / step)].values, open_);
  return points;
}

template <size_t N>
void TimeSeries<N>::replaceChunks(size_t lo, size_t hi, std::vector<Bucket>& buckets) {
  std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) {
    return a.startSecond != b.startSecond ? a.startSecond < b.startSecond : a.step > b.step;
  });
  // Fold buckets that start inside the previous one (finer buckets inside a coarser one) and drop
  // empty ones.
  size_t out = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (out > 0 && buckets[i].startSecond < buckets[out - 1].startSecond + buckets[out - 1].step) {
      addTo(buckets[out - 1].values, buckets[i].values);
    } else if (!isZero(buckets[i].values)) {
      buckets[out++] = buckets[i];
    }
  }
  buckets.resize(out);

  std::vector<Chunk> fresh;
  std::vector<uint8_t> bytes;
  Chunk current;
  const auto finish = [&] {
    if (current.count == 0) return;
    current.data = std::vector<uint8_t>(bytes.begin(), bytes.end());
    fresh.push_back(std::move(current));
    current = Chunk{};
    bytes.clear();
  };
  // Continue the previous chunk when the new buckets extend it (each roll-up adds a few medium or
  // coarse buckets after the existing ones: without this every compaction would start a chunk).
  if (lo > 0 && !buckets.empty()) {
    Chunk& prev = chunks_[lo - 1];
    if (prev.step == buckets.front().step && buckets.front().startSecond >= prev.end() &&
        prev.data.size() + kMaxBucketBytes<N> <= kMaxChunkBytes) {
      bytes.assign(prev.data.begin(), prev.data.end());
      current = std::move(prev);
      --lo;
    }
  }
  uint8_t buf[kMaxBucketBytes<N>];
  for (const Bucket& b : buckets) {
    if (current.count > 0 && current.step == b.step) {
      const size_t n =
          encodeBucket(buf, static_cast<uint64_t>(b.startSecond - current.lastSecond - b.step), b.values);
      if (bytes.size() + n <= kMaxChunkBytes) {
        bytes.insert(bytes.end(), buf, buf + n);
        current.lastSecond = b.startSecond;
        ++current.count;
        addTo(current.totals, b.values);
        continue;
      }
    }
    finish();
    const size_t n = encodeBucket(buf, 0, b.values);
    bytes.insert(bytes.end(), buf, buf + n);
    current.firstSecond = current.lastSecond = b.startSecond;
    current.step = b.step;
    current.count = 1;
    current.totals = b.values;
  }
  finish();

  const auto first = chunks_.begin() + static_cast<std::ptrdiff_t>(lo);
  chunks_.erase(first, chunks_.begin() + static_cast<std::ptrdiff_t>(hi));
  chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(lo), std::make_move_iterator(fresh.begin()),
                 std::make_move_iterator(fresh.end()));
  if (chunks_.size() * 2 < chunks_.capacity()) chunks_.shrink_to_fit();
}

template <size_t N>
void TimeSeries<N>::rollUp(int64_t cut, int64_t step) {
  // Chunks holding buckets to roll: finer than `step` and starting before `cut`.
  size_t i0 = chunks_.size(), i1 = 0;
  for (size_t i = 0; i < chunks_.size() && chunks_[i].firstSecond < cut; ++i) {
    if (chunks_[i].step < step) {
      i0 = std::min(i0, i);
      i1 = i + 1;
    }
  }
  if (i0 >= i1) return;
  size_t lo = i0;
  // The first rolled bucket may fall into the previous chunk's last bucket (only after merges or policy
  // changes): then that chunk is rebuilt too.
  if (lo > 0 && alignDown(chunks_[i0].firstSecond, step) < chunks_[lo - 1].end()) --lo;
  std::vector<Bucket> buckets;
  for (size_t i = lo; i < i1; ++i) decodeChunk(chunks_[i], buckets);
  for (Bucket& b : buckets) {
    if (b.step < step && b.startSecond < cut) {
      b.startSecond = alignDown(b.startSecond, step);
      b.step = step;
    }
  }
  replaceChunks(lo, i1, buckets);
}

namespace {

int64_t coarseCutoff(int64_t nowSecond, const RetentionPolicy& policy) {
  return alignDown(nowSecond - policy.mediumSeconds, policy.coarseStep);
}
int64_t mediumCutoff(int64_t nowSecond, const RetentionPolicy& policy) {
  return alignDown(nowSecond - policy.fineSeconds, policy.mediumStep);
}

}  // namespace

int64_t RetentionPolicy::compactionCutoff(int64_t nowSecond) const {
  int64_t cutoff = INT64_MIN;
  if (coarseStep > 1) cutoff = std::max(cutoff, coarseCutoff(nowSecond, *this));
  if (mediumStep > 1) cutoff = std::max(cutoff, mediumCutoff(nowSecond, *this));
  return cutoff;
}

template <size_t N>
void TimeSeries<N>::compact(int64_t nowSecond, const RetentionPolicy& policy, MemoryAccount& account) {
  const int64_t before = static_cast<int64_t>(memoryBytes());
  if (policy.coarseStep > 1) rollUp(coarseCutoff(nowSecond, policy), policy.coarseStep);
  if (policy.mediumStep > 1) rollUp(mediumCutoff(nowSecond, policy), policy.mediumStep);
  account.add(static_cast<int64_t>(memoryBytes()) - before);
}

template <size_t N>
void TimeSeries<N>::dropBefore(int64_t second, MemoryAccount& account) {
  if (openSecond_ < second) {  // the open second's counts stay in the all-time totals
    addTo(closedTotals_, open_);
    open_ = Values{};
  }
  const int64_t before = static_cast<int64_t>(memoryBytes());
  const auto whole = std::partition_point(chunks_.begin(), chunks_.end(),
                                          [&](const Chunk& c) { return c.lastSecond < second; });
  chunks_.erase(chunks_.begin(), whole);
  if (!chunks_.empty() && chunks_.front().firstSecond < second) {
    std::vector<Bucket> buckets;
    decodeChunk(chunks_.front(), buckets);
    std::erase_if(buckets, [&](const Bucket& b) { return b.startSecond < second; });
    replaceChunks(0, 1, buckets);
  }
  if (chunks_.empty())
    std::vector<Chunk>().swap(chunks_);
  else if (chunks_.size() * 2 < chunks_.capacity())
    chunks_.shrink_to_fit();
  account.add(static_cast<int64_t>(memoryBytes()) - before);
}

template <size_t N>
void TimeSeries<N>::mergeFrom(const TimeSeries& other, MemoryAccount& account) {
  if (&other == this) {
    const TimeSeries copy = other;
    mergeFrom(copy, account);
    return;
  }
  if (TotalsOnlyMergeScope::active()) {
    addTo(closedTotals_, other.allTime());
    return;
  }
  const int64_t before = static_cast<int64_t>(memoryBytes());
  addTo(closedTotals_, other.closedTotals_);
  std::vector<Bucket> extra;  // an open second that is no longer the newest becomes history
  if (other.openSecond_ > openSecond_) {
    addTo(closedTotals_, open_);
    if (openSecond_ != INT64_MIN && !isZero(open_)) extra.push_back(Bucket{openSecond_, 1, open_});
    openSecond_ = other.openSecond_;
    open_ = other.open_;
  } else if (other.openSecond_ == openSecond_) {
    addTo(open_, other.open_);
  } else {
    addTo(closedTotals_, other.open_);
    if (other.openSecond_ != INT64_MIN && !isZero(other.open_))
      extra.push_back(Bucket{other.openSecond_, 1, other.open_});
  }
  if (chunks_.empty() && extra.empty()) {
    chunks_ = other.chunks_;
  } else if (!other.chunks_.empty() || !extra.empty()) {
    std::vector<Bucket> buckets = std::move(extra);
    for (const Chunk& c : chunks_) decodeChunk(c, buckets);
    for (const Chunk& c : other.chunks_) decodeChunk(c, buckets);
    replaceChunks(0, chunks_.size(), buckets);
  }
  account.add(static_cast<int64_t>(memoryBytes()) - before);
}

template <size_t N>
int64_t TimeSeries<N>::oldestSecond() const {
  int64_t r = chunks_.empty() ? INT64_MAX : chunks_.front().firstSecond;
  if (openSecond_ != INT64_MIN && !isZero(open_)) r = std::min(r, openSecond_);
  return r;
}

template <size_t N>
size_t TimeSeries<N>::memoryBytes() const {
  size_t bytes = chunks_.capacity() * sizeof(Chunk);
  for (const Chunk& c : chunks_) bytes += c.data.capacity();
  return bytes;
}

template <size_t N>
void TimeSeries<N>::clear(MemoryAccount& account) {
  account.add(-static_cast<int64_t>(memoryBytes()));
  std::vector<Chunk>().swap(chunks_);
  closedTotals_ = Values{};
  open_ = Values{};
  openSecond_ = INT64_MIN;
}

template class TimeSeries<1>;
template class TimeSeries<2>;
template class TimeSeries<4>;
template class TimeSeries<6>;
template class TimeSeries<8>;
template class TimeSeries<20>;

}  // namespace netmeter
