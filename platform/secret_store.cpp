#include "platform/secret_store.h"

#include <atomic>

namespace remediator::platform {

void secureWipe(void* data, std::size_t size) {
  // Writes through a volatile pointer are observable behaviour, so the compiler may not remove them as dead
  // stores; the fence keeps them from being moved past the free that usually follows.
  volatile unsigned char* bytes = static_cast<volatile unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

Secret::~Secret() {
  // A shorter value assigned over a longer one leaves the old tail in the buffer: wipe the whole capacity.
  value_.resize(value_.capacity());
  secureWipe(value_.data(), value_.size());
  value_.clear();
}

}  // namespace remediator::platform
