// libFuzzer entry point: see targets.h (helpsearch::fuzz::query).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  helpsearch::fuzz::query({reinterpret_cast<const char*>(data), size});
  return 0;
}
