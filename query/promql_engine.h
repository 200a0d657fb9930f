// The PromQL engine: the implementation of query::Engine (engine.h).
#pragma once

#include <memory>

#include "query/engine.h"

namespace promlite::query {

// A new engine. Thread-safe; one per process is enough.
std::unique_ptr<Engine> new_engine(const EngineOptions& options);

}  // namespace promlite::query
