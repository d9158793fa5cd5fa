#include "io/input_stall.h"

namespace netmeter::io {

namespace {
thread_local const std::function<void()>* stallHandler = nullptr;
}  // namespace

void notifyInputStall() {
  if (stallHandler != nullptr && *stallHandler) (*stallHandler)();
}

InputStallScope::InputStallScope(const std::function<void()>& handler) : previous_(stallHandler) {
  stallHandler = &handler;
}

InputStallScope::~InputStallScope() { stallHandler = previous_; }

}  // namespace netmeter::io
