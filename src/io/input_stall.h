#pragma once

#include <functional>

namespace netmeter::io {

// A source that is about to wait for input that has not arrived yet (an upload still being received,
// later a quiet live interface) calls notifyInputStall() on the reading thread first. The engine
// installs a handler for its reader thread that hands the packets read so far to the workers and
// publishes progress, so statistics never lag behind a pause in the input. Thread-local: readers on
// other threads (captures, tests) are not affected.
void notifyInputStall();

// Installs `handler` for the current thread for the scope's lifetime (restores the previous one).
class InputStallScope {
 public:
  explicit InputStallScope(const std::function<void()>& handler);
  ~InputStallScope();
  InputStallScope(const InputStallScope&) = delete;
  InputStallScope& operator=(const InputStallScope&) = delete;

 private:
  const std::function<void()>* previous_;
};

}  // namespace netmeter::io
