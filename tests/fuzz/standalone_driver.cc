// Runs a libFuzzer target without libFuzzer (GCC builds, ctest): replays every
// file of the seed corpus, then a fixed number of deterministic mutations of
// them (bit flips, byte changes, insertions, deletions, truncations, splices).
// The sanitizers do the checking; a crash or a sanitizer report fails the test.
//
// Usage: <target> [--iterations=N] [--seed=S] <corpus dir or file>...
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void run(const std::string& s) {
  // Copy into an exact-size heap buffer so ASan catches reads past the end.
  std::vector<uint8_t> buf(s.begin(), s.end());
  LLVMFuzzerTestOneInput(buf.empty() ? nullptr : buf.data(), buf.size());
}

std::string mutate(std::string s, const std::vector<std::string>& corpus, std::mt19937_64& rng) {
  const char kInteresting[] = "{}[]()\"'\\=,:#\n \t0-+.eE9xX_";
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rounds; ++r) {
    size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 7) {
      case 0:
        if (!s.empty() && pos < s.size()) s[pos] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        if (pos < s.size()) s[pos] = kInteresting[rng() % (sizeof(kInteresting) - 1)];
        break;
      case 2:
        s.insert(pos, 1, kInteresting[rng() % (sizeof(kInteresting) - 1)]);
        break;
      case 3:
        if (pos < s.size()) s.erase(pos, 1 + rng() % 8);
        break;
      case 4:
        s.resize(pos);
        break;
      case 5: {
        const std::string& other = corpus[rng() % corpus.size()];
        if (!other.empty()) {
          size_t from = rng() % other.size();
          s.insert(pos, other.substr(from, 1 + rng() % 32));
        }
        break;
      }
      case 6:
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 10000;
  uint64_t seed = 1;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--iterations=", 0) == 0) {
      iterations = std::stol(a.substr(13));
    } else if (a.rfind("--seed=", 0) == 0) {
      seed = std::stoull(a.substr(7));
    } else if (std::filesystem::is_directory(a)) {
      for (const auto& e : std::filesystem::directory_iterator(a)) {
        if (e.is_regular_file()) corpus.push_back(read_file(e.path()));
      }
    } else if (std::filesystem::exists(a)) {
      corpus.push_back(read_file(a));
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  for (const auto& c : corpus) run(c);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < iterations; ++i) {
    run(mutate(corpus[rng() % corpus.size()], corpus, rng));
  }
  std::printf("fuzz: %zu corpus inputs, %ld mutations, no crash\n", corpus.size(), iterations);
  return 0;
}
