// fuzz_parse_message.cpp: libFuzzer target for bounced::parse_message (guard, MIME, scanners,
// classify). Build with clang: cmake -S . -B build-fuzz -DBOUNCED_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pipeline.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  (void)bounced::parse_message(raw);
  return 0;
}
