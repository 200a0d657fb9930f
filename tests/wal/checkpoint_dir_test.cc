// Checkpoint directory names, the newest complete one, removal of old and
// interrupted ones, and their size.
#include "tsdb/wal/checkpoint_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testutil/process.h"
#include "tsdb/wal/reader.h"

namespace promlite::tsdb::wal {
namespace {

namespace fs = std::filesystem;

TEST(CheckpointDir, Names) {
  EXPECT_EQ(checkpoint_dir_name(42), "checkpoint.00000042");
  EXPECT_EQ(checkpoint_dir_name(123456789), "checkpoint.123456789");
  struct Case {
    const char* name;
    bool ok;
    uint64_t segment;
  };
  for (const Case& c : std::initializer_list<Case>{{"checkpoint.00000042", true, 42},
                                                   {"checkpoint.7", true, 7},
                                                   {"checkpoint.", false, 0},
                                                   {"checkpoint.00000042.tmp", false, 0},
                                                   {"checkpoint.12a", false, 0},
                                                   {"checkpoint.12345678901234567890", false, 0},
                                                   {"chunks", false, 0}}) {
    uint64_t seg = 0;
    EXPECT_EQ(parse_checkpoint_dir_name(c.name, &seg), c.ok) << c.name;
    if (c.ok) {
      EXPECT_EQ(seg, c.segment) << c.name;
    }
  }
}

TEST(CheckpointDir, LatestRemoveAndBytes) {
  const std::string dir = testutil::make_temp_dir("checkpoint_dir");
  EXPECT_EQ(latest_checkpoint_dir(dir).status().code(), StatusCode::kNotFound);
  for (uint64_t seg : {3, 11, 7}) {
    fs::create_directories(fs::path(dir) / checkpoint_dir_name(seg));
    std::ofstream(fs::path(dir) / checkpoint_dir_name(seg) / "00000000") << std::string(100, 'x');
  }
  fs::create_directories(fs::path(dir) / (checkpoint_dir_name(12) + ".tmp"));
  std::ofstream(fs::path(dir) / "checkpoint.99");  // a file, not a directory: ignored
  EXPECT_EQ(checkpoint_dirs_bytes(dir), 300u);

  auto latest = latest_checkpoint_dir(dir);
  ASSERT_TRUE(latest.is_ok()) << latest.status().to_string();
  EXPECT_EQ(latest->segment, 11u);
  EXPECT_EQ(latest->path, (fs::path(dir) / checkpoint_dir_name(11)).string());
  EXPECT_FALSE(fs::exists(fs::path(dir) / (checkpoint_dir_name(12) + ".tmp")));

  auto removed = remove_checkpoint_dirs_before(dir, 11);
  ASSERT_TRUE(removed.is_ok());
  EXPECT_EQ(*removed, 2u);
  EXPECT_TRUE(fs::exists(fs::path(dir) / checkpoint_dir_name(11)));
  EXPECT_FALSE(fs::exists(fs::path(dir) / checkpoint_dir_name(7)));
  EXPECT_EQ(checkpoint_dirs_bytes(dir), 100u);
  fs::remove_all(dir);
}

TEST(CheckpointDir, WriterRenamesOnFinishAndCleansUpOtherwise) {
  const std::string dir = testutil::make_temp_dir("checkpoint_writer");
  {
    auto w = CheckpointDirWriter::open(dir, 5);
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    ASSERT_TRUE((*w)->wal().log(std::string_view("abandoned")).is_ok());
  }  // no finish(): nothing remains
  EXPECT_TRUE(fs::is_empty(dir));

  auto w = CheckpointDirWriter::open(dir, 6);
  ASSERT_TRUE(w.is_ok());
  ASSERT_TRUE((*w)->wal().log(std::string_view("one")).is_ok());
  ASSERT_TRUE((*w)->wal().log(std::string_view("two")).is_ok());
  std::ofstream(fs::path((*w)->tmp_path()) / "extra") << "x";
  ASSERT_TRUE((*w)->finish().is_ok());
  w->reset();
  auto latest = latest_checkpoint_dir(dir);
  ASSERT_TRUE(latest.is_ok());
  EXPECT_EQ(latest->segment, 6u);
  EXPECT_TRUE(fs::exists(fs::path(latest->path) / "extra"));
  auto r = Reader::open(latest->path, 0);
  ASSERT_TRUE(r.is_ok());
  std::vector<std::string> got;
  while ((*r)->next()) got.emplace_back((*r)->record());
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace promlite::tsdb::wal
