// CPU priority of background threads.
#pragma once

namespace promlite::model {

// Lowers the calling thread's CPU priority to `nice` (Linux: per-thread
// niceness; elsewhere a no-op). Background work (chunk flushes, checkpoints,
// compaction) then yields the cores to queries and scrapes when they
// compete, and still runs at full speed on a core nobody else wants.
// Returns false when the priority could not be changed.
bool lower_thread_priority(int nice);

}  // namespace promlite::model
