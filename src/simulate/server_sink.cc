// ServerSink (sink.h): the fleet through the import endpoints, rows through
// the ingest endpoints, as CSV.
#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <thread>

#include "simulate/entity_csv.h"
#include "simulate/sink.h"

namespace metrify::simulate {

namespace {

class ServerSink : public Sink {
 public:
  ServerSink(std::unique_ptr<http::HttpClient> client, size_t batch)
      : client_(std::move(client)), batch_(batch) {}

  Status Begin(const Fleet& fleet) override {
    METRIFY_RETURN_IF_ERROR(Import("/api/v1/grid-operators",
                                   EntitiesCsv(model::GridOperatorFields(), fleet.operators)));
    METRIFY_RETURN_IF_ERROR(Import("/api/v1/weather/stations",
                                   EntitiesCsv(model::WeatherStationFields(), fleet.stations)));
    std::vector<model::Meter> meters;
    for (const SimMeter& m : fleet.meters) meters.push_back(m.meter);
    return Import("/api/v1/smart-meters", EntitiesCsv(model::MeterFields(), meters));
  }

  Status Rows(model::SeriesKind kind, std::string_view entity, int64_t /*day*/,
              std::string_view text) override {
    std::string target = "/api/v1/readings";
    if (kind == model::SeriesKind::kGridStatus) {
      target = fmt::format("/api/v1/grid-operators/{}/status", entity);
    } else if (kind == model::SeriesKind::kObservation) {
      target = fmt::format("/api/v1/weather/stations/{}/observations", entity);
    }
    const std::string header = CsvHeader(kind);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = pos;
      for (size_t lines = 0; lines < batch_ && end < text.size(); ++lines) {
        end = text.find('\n', end);
        end = end == std::string_view::npos ? text.size() : end + 1;
      }
      METRIFY_RETURN_IF_ERROR(Post(target, header + std::string(text.substr(pos, end - pos))));
      pos = end;
    }
    return Status::Ok();
  }

  Status Finish(const Fleet&, const std::vector<Fault>&) override { return Status::Ok(); }

 private:
  Status Import(const std::string& resource, std::string csv) {
    return Post(resource + "/import?upsert=true", std::move(csv));
  }

  // Sends until accepted; 503 (overloaded) is retried for up to 10 minutes.
  Status Post(const std::string& target, std::string body) {
    for (int attempt = 0;; ++attempt) {
      Result<http::ClientResponse> r = client_->Send("POST", target, body, "text/csv");
      if (!r) return r.status();
      if (r->status == 503 && attempt < 600) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (r->status / 100 != 2) {
        return Status::Unavailable(
            fmt::format("POST {} answered {}: {}", target, r->status, r->body.substr(0, 500)));
      }
      return CheckNoneRejected(target, r->body);
    }
  }

  // A 200 may still reject rows (ingest: items; import: rows); they end the
  // run, or the server would not hold what --out writes.
  static Status CheckNoneRejected(const std::string& target, const std::string& answer) {
    simdjson::dom::parser parser;
    simdjson::dom::element outcome;
    int64_t rejected = 0;
    if (parser.parse(answer).get(outcome) || outcome["rejected"].get(rejected)) {
      return Status::Unavailable(
          fmt::format("POST {}: the answer is not an outcome: {}", target, answer.substr(0, 500)));
    }
    if (rejected == 0) return Status::Ok();
    simdjson::dom::element first;
    const std::string example =
        outcome.at_pointer("/errors/0").get(first) ? "" : simdjson::minify(first);
    return Status::Unavailable(fmt::format("POST {}: the server rejected {} rows, the first: {}",
                                           target, rejected, example));
  }

  std::unique_ptr<http::HttpClient> client_;
  size_t batch_;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenServerSink(const std::string& url, size_t batch) {
  METRIFY_ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client,
                           http::HttpClient::Connect(url));
  return std::unique_ptr<Sink>(new ServerSink(std::move(client), batch));
}

}  // namespace metrify::simulate
