#pragma once

#include <array>
#include <cstddef>
#include <span>

namespace netmeter::tls {

// Up to Capacity values kept inline in arrival order; more set `overflow` instead of allocating.
template <typename T, size_t Capacity>
struct FixedList {
  std::array<T, Capacity> values{};
  size_t size = 0;
  bool overflow = false;

  void push(const T& v) {
    if (size == Capacity) {
      overflow = true;
      return;
    }
    values[size++] = v;
  }
  std::span<const T> view() const { return {values.data(), size}; }
  const T* begin() const { return values.data(); }
  const T* end() const { return values.data() + size; }
  bool empty() const { return size == 0; }
};

}  // namespace netmeter::tls
