// Remote-write forwarding throughput, end to end: a QueueManager reads a WAL
// of 1000 series x 500 scrapes (decode, route to shards, batch, protobuf +
// snappy) and POSTs it to a local HTTP sink that reads each request and
// answers 204. items_per_second is samples/s in wall time (the target:
// >= 500k/s on 2 cores); the sink's own CPU shares the machine.
#include <benchmark/benchmark.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "remote/queue_manager.h"
#include "tsdb/wal/records.h"
#include "tsdb/wal/writer.h"

namespace promlite::remote {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace wal = tsdb::wal;

// Accepts connections and answers every request with 204 (no decoding).
class NullReceiver {
 public:
  NullReceiver() {
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    std::thread([this] {
      for (;;) {
        auto sock = std::make_shared<asio::ip::tcp::socket>(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(*sock, ec);
        if (ec) return;
        std::thread([sock] {
          boost::beast::flat_buffer buf;
          for (;;) {
            http::request<http::string_body> req;
            boost::system::error_code e;
            http::read(*sock, buf, req, e);
            if (e) return;
            http::response<http::empty_body> res{http::status::no_content, 11};
            res.keep_alive(true);
            http::write(*sock, res, e);
            if (e) return;
          }
        }).detach();
      }
    }).detach();
  }
  uint16_t port() const { return port_; }

 private:
  asio::io_context ioc_;
  asio::ip::tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
};

void BM_RemoteWriteForward(benchmark::State& state) {
  const int kSeries = 1000, kScrapes = 500;
  static NullReceiver rx;
  auto dir = std::filesystem::temp_directory_path() / "promlite_rw_bench";
  std::filesystem::remove_all(dir);
  {
    auto w = std::move(wal::Writer::open((dir / "wal").string()).value());
    std::vector<wal::SeriesRecord> series;
    for (int i = 0; i < kSeries; ++i) {
      series.push_back(
          {uint64_t(i + 1), model::Labels::from_pairs({{"__name__", "http_requests_total"},
                                                       {"instance", "10.0.0.1:9100"},
                                                       {"job", "node"},
                                                       {"path", "/api/v" + std::to_string(i)}})});
    }
    std::string rec;
    wal::encode_series(series, rec);
    (void)w->log(rec);
    std::vector<wal::RefSample> samples(kSeries);
    for (int s = 0; s < kScrapes; ++s) {
      for (int i = 0; i < kSeries; ++i) samples[i] = {uint64_t(i + 1), s * 15000LL, double(s + i)};
      rec.clear();
      wal::encode_samples(samples, rec);
      (void)w->log(rec);
    }
  }
  for (auto _ : state) {
    // Resume right after the series record (segment 0, offset 0).
    std::ofstream(dir / "pos") << "0 0\n";
    QueueOptions o;
    o.cfg.url = "http://127.0.0.1:" + std::to_string(rx.port()) + "/api/v1/write";
    o.cfg.queue_config.min_shards = static_cast<int>(state.range(0));
    o.cfg.queue_config.max_shards = static_cast<int>(state.range(0));
    o.wal_dir = (dir / "wal").string();
    o.position_file = (dir / "pos").string();
    o.queue_name = "bench";
    o.poll_interval = std::chrono::milliseconds(1);
    // The last partial batch of each shard goes at once, not after 5 s.
    o.cfg.queue_config.batch_send_deadline = 1;
    auto q = std::move(QueueManager::start(o).value());
    while (q->stats().samples_sent < uint64_t(kSeries) * kScrapes) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    q->stop();
  }
  state.SetItemsProcessed(state.iterations() * kSeries * kScrapes);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_RemoteWriteForward)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace promlite::remote
