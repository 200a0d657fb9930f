// CRC32C (Castagnoli, polynomial 0x1EDC6F41, reflected), the checksum of every
// WAL record. See tsdb/FORMAT.md, "WAL".
//
// Uses the SSE4.2 crc32 instruction when the CPU has it (checked once at run
// time), otherwise a portable slicing-by-8 table implementation; both give the
// same values. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace promlite::tsdb::wal {

// CRC32C of `data` continued from `crc`, the CRC32C of the bytes before it (0 to
// start): crc32c_extend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }
inline uint32_t crc32c(std::string_view s) { return crc32c_extend(0, s.data(), s.size()); }

// The two implementations, exposed for tests and benchmarks.
uint32_t crc32c_extend_portable(uint32_t crc, const void* data, size_t n);
// REQUIRES: crc32c_hardware_available().
uint32_t crc32c_extend_hardware(uint32_t crc, const void* data, size_t n);
bool crc32c_hardware_available();

}  // namespace promlite::tsdb::wal
