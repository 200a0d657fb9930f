// Realistic exposition payloads (the seed corpora of the fuzz targets, in
// tests/fuzz/corpus/textparse_*_fuzz/) parse completely, with zero-copy views.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "scraper/textparse/content_type.h"

namespace promlite::textparse {
namespace {

std::string read_corpus(const std::string& target, const std::string& file) {
  std::string path = std::string(PROMLITE_SOURCE_DIR) + "/tests/fuzz/corpus/" + target + "/" + file;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Summary {
  size_t series = 0, help = 0, type = 0, unit = 0, comment = 0, exemplars = 0;
  std::map<std::string, model::Labels> by_series;  // raw series text -> labels
};

Summary parse_all(Parser& p, std::string_view body) {
  Summary s;
  model::LabelsBuilder b;
  for (Entry e; (e = p.next()) != Entry::kEof;) {
    EXPECT_NE(e, Entry::kError) << p.error().message();
    if (e == Entry::kError) break;
    switch (e) {
      case Entry::kSeries: {
        ++s.series;
        EXPECT_GE(p.series().data(), body.data());
        EXPECT_LE(p.series().data() + p.series().size(), body.data() + body.size());
        for (const LabelRef& l : p.labels()) {
          EXPECT_GE(l.value.data(), body.data());
          EXPECT_LE(l.value.data() + l.value.size(), body.data() + body.size());
        }
        s.by_series.emplace(std::string(p.series()), p.build_labels(b));
        if (p.exemplar()) ++s.exemplars;
        break;
      }
      case Entry::kHelp:
        ++s.help;
        break;
      case Entry::kType:
        ++s.type;
        break;
      case Entry::kUnit:
        ++s.unit;
        break;
      case Entry::kComment:
        ++s.comment;
        break;
      default:
        break;
    }
  }
  return s;
}

TEST(Payloads, FlinkTaskManager) {
  std::string body = read_corpus("textparse_prom_fuzz", "flink_taskmanager.prom");
  PromParser p(body);
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 32u);
  EXPECT_EQ(s.type, 7u);
  EXPECT_EQ(s.help, 7u);
  // Every series line has a distinct raw text (cache key).
  EXPECT_EQ(s.by_series.size(), 32u);
  const model::Labels* first = nullptr;
  for (const auto& [raw, labels] : s.by_series) {
    if (labels.metric_name() == "flink_taskmanager_job_task_operator_numRecordsIn" &&
        labels.get("subtask_index") == "0" &&
        labels.get("operator_name") == "Source:_fluss_orders") {
      first = &labels;
    }
  }
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->size(), 12u);  // __name__ + 11 labels
  EXPECT_EQ(first->get("job_name"), "orders_enrichment_pipeline_v2");
  EXPECT_EQ(first->get("tm_id"), "flink-taskmanager-7d9f8c6b5-x2k4p:6122-3e1f0a");
  EXPECT_EQ(first->get("task_name"),
            "Source:_fluss_orders_->_Calc_select_order_id__customer_id__amount__ts_where__amount_>_"
            "100_->_Sink:_fluss_enriched_orders_writer");
}

TEST(Payloads, FlinkValuesInJavaSpelling) {
  std::string body = read_corpus("textparse_prom_fuzz", "flink_taskmanager.prom");
  PromParser p(body);
  bool saw_watermark_min = false, saw_nan = false;
  for (Entry e; (e = p.next()) != Entry::kEof;) {
    ASSERT_NE(e, Entry::kError) << p.error().message();
    if (e != Entry::kSeries) continue;
    if (p.value() == -9.223372036854776E18) saw_watermark_min = true;
    if (std::isnan(p.value())) saw_nan = true;
  }
  EXPECT_TRUE(saw_watermark_min);
  EXPECT_TRUE(saw_nan);
}

TEST(Payloads, NodeExporter) {
  std::string body = read_corpus("textparse_prom_fuzz", "node_exporter.prom");
  PromParser p(body);
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 22u);
  auto it = s.by_series.find("go_gc_duration_seconds{quantile=\"0\"}");
  ASSERT_NE(it, s.by_series.end());
  EXPECT_EQ(it->second.get("quantile"), "0.0");  // Prometheus 3 normalisation
  it = s.by_series.find(
      "node_filesystem_avail_bytes{device=\"/dev/nvme0n1p2\",fstype=\"ext4\","
      "mountpoint=\"/\"}");
  ASSERT_NE(it, s.by_series.end());
  EXPECT_EQ(it->second.get("mountpoint"), "/");
}

TEST(Payloads, MicrometerHistogram) {
  std::string body = read_corpus("textparse_prom_fuzz", "micrometer_jvm.prom");
  PromParser p(body);
  std::vector<std::string> les;
  model::LabelsBuilder b;
  for (Entry e; (e = p.next()) != Entry::kEof;) {
    ASSERT_NE(e, Entry::kError) << p.error().message();
    if (e == Entry::kSeries && p.metric_name() == "fluss_client_writer_sendLatencyMs_bucket") {
      EXPECT_EQ(p.series_type(), MetricType::kHistogram);
      les.emplace_back(p.build_labels(b).get("le"));
    }
    if (e == Entry::kSeries && p.metric_name() == "fluss_client_writer_records_total") {
      EXPECT_EQ(p.series_type(), MetricType::kCounter);
      EXPECT_EQ(p.value(), 184467.0);
    }
  }
  EXPECT_EQ(les, (std::vector<std::string>{"1.0", "5.0", "10.0", "50.0", "+Inf"}));
}

TEST(Payloads, PromEdgeCases) {
  std::string body = read_corpus("textparse_prom_fuzz", "edge_cases.prom");
  PromParser p(body);
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 7u);
  EXPECT_EQ(s.comment, 3u);
  auto it = s.by_series.find("escaped{path=\"C:\\\\dir\\\\file\",msg=\"say \\\"hi\\\"\\nbye\"}");
  ASSERT_NE(it, s.by_series.end());
  EXPECT_EQ(it->second.get("path"), "C:\\dir\\file");
  EXPECT_EQ(it->second.get("msg"), "say \"hi\"\nbye");
}

TEST(Payloads, FlussTabletServerOpenMetrics) {
  std::string body = read_corpus("textparse_openmetrics_fuzz", "fluss_tablet_server.om");
  OpenMetricsParser p(body);
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 13u);
  EXPECT_EQ(s.unit, 2u);
  EXPECT_EQ(s.exemplars, 2u);
  EXPECT_TRUE(s.by_series.count(
      "fluss_tabletserver_messagesIn_created{cluster_id=\"fluss-prod-eu1\",host=\"fluss-tablet-"
      "server-2.fluss-tablet-server-hs.fluss.svc.cluster.local\",server_id=\"2\"}"));
}

TEST(Payloads, FlussCoordinatorOpenMetrics) {
  std::string body = read_corpus("textparse_openmetrics_fuzz", "fluss_coordinator.om");
  OpenMetricsParser p(body, {.skip_created_series = true});
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 10u);  // the summary's _created is skipped
  EXPECT_EQ(s.by_series.at("fluss_coordinator_event_processing_time_seconds{quantile=\"0.99\"}")
                .get("quantile"),
            "0.99");
}

TEST(Payloads, MicrometerOpenMetrics) {
  std::string body = read_corpus("textparse_openmetrics_fuzz", "micrometer_jvm.om");
  OpenMetricsParser p(body);
  size_t exemplars = 0;
  for (Entry e; (e = p.next()) != Entry::kEof;) {
    ASSERT_NE(e, Entry::kError) << p.error().message();
    if (e != Entry::kSeries) continue;
    if (p.metric_name() == "fluss_client_writer_records_total") {
      EXPECT_EQ(p.series_type(), MetricType::kCounter);
    }
    if (p.metric_name() == "jvm_info_info") {
      EXPECT_EQ(p.series_type(), MetricType::kInfo);
    }
    if (const Exemplar* ex = p.exemplar()) {
      ++exemplars;
      EXPECT_EQ(ex->value, 4.2);
      EXPECT_EQ(ex->timestamp_ms, 1732406412250);
    }
  }
  EXPECT_EQ(exemplars, 1u);
}

TEST(Payloads, OpenMetricsEdgeCases) {
  std::string body = read_corpus("textparse_openmetrics_fuzz", "edge_cases.om");
  OpenMetricsParser p(body);
  Summary s = parse_all(p, body);
  EXPECT_EQ(s.series, 8u);
  EXPECT_EQ(s.exemplars, 2u);
}

TEST(Payloads, EveryCorpusFileParsesWithItsParser) {
  // Guards the seed corpora: a broken seed would weaken the fuzz targets.
  for (const char* f :
       {"flink_taskmanager.prom", "node_exporter.prom", "micrometer_jvm.prom", "edge_cases.prom"}) {
    std::string body = read_corpus("textparse_prom_fuzz", f);
    PromParser p(body);
    Entry e;
    while ((e = p.next()) != Entry::kEof && e != Entry::kError) {
    }
    EXPECT_EQ(e, Entry::kEof) << f << ": " << p.error().message();
  }
  for (const char* f :
       {"fluss_tablet_server.om", "fluss_coordinator.om", "edge_cases.om", "micrometer_jvm.om"}) {
    std::string body = read_corpus("textparse_openmetrics_fuzz", f);
    OpenMetricsParser p(body);
    Entry e;
    while ((e = p.next()) != Entry::kEof && e != Entry::kError) {
    }
    EXPECT_EQ(e, Entry::kEof) << f << ": " << p.error().message();
  }
}

}  // namespace
}  // namespace promlite::textparse
