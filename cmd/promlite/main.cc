// promlite: discovers and scrapes targets, stores samples, answers PromQL.
#include <string>
#include <vector>

#include "cmd/promlite/app.h"
#include "model/allocator.h"

int main(int argc, char** argv) {
  promlite::model::tune_allocator();
  return promlite::cmd::run_promlite(std::vector<std::string>(argv + 1, argv + argc));
}
