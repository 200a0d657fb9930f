// Process-wide allocator settings for a long-running server.
#pragma once

namespace promlite::model {

// Fixes glibc's mmap threshold at 128 KiB. By default glibc raises the
// threshold each time a large mmapped block is freed (up to 32 MiB), after
// which the large, short-lived buffers of a TSDB (RocksDB memtable arena
// blocks, flush and WAL batches, query results) come from the heap instead,
// between small long-lived blocks (series, label sets, chunks), and their
// freed space can rarely be given back. Measured: 200k series x 2 h through
// the DB, 1,288 -> 1,108 bytes of RSS per series (bench/README.md).
// Call once at start-up, before threads. A no-op on other C libraries.
void tune_allocator();

}  // namespace promlite::model
