// libFuzzer entry point: see targets.h (helpsearch::fuzz::read_article).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  helpsearch::fuzz::read_article({reinterpret_cast<const char*>(data), size});
  return 0;
}
