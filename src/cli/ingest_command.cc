// `metrify ingest FILE...`: sends readings, grid status or observations from
// CSV, NDJSON or JSON-array files to a running server in chunks of --batch
// items (ChunkReader: streaming, never a whole file in memory), resending a
// chunk while the server pushes back (ChunkSender), and names every rejected
// item by FILE:LINE. Exit codes: 0 all stored, 1 some items rejected (the
// rest stored), else as every client command (docs/cli.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/chunk_sender.h"
#include "cli/command.h"
#include "cli/ingest_chunks.h"
#include "cli/ingest_outcome.h"
#include "cli/progress.h"
#include "cli/table.h"

namespace metrify::cli {

namespace {

constexpr size_t kMaxPrintedRejections = 100;

struct IngestOptions {
  std::vector<std::string> files;
  std::string server;
  size_t batch = 5000;
  std::string kind = "readings";
  std::string entity;
  std::string format;  // empty: from each file's extension
  int retry_for_s = 600;
  bool json = false;
  bool quiet = false;
};

// Where the kind's items are posted: /api/v1/readings, or the one entity's
// path with --entity (the only path of grid status and observations).
std::string IngestTarget(const IngestOptions& o) {
  const std::string id = UrlEncode(o.entity);
  if (o.kind == "readings") {
    return o.entity.empty() ? "/api/v1/readings" : "/api/v1/smart-meters/" + id + "/readings";
  }
  if (o.entity.empty()) {
    Fail(kExitUsage, "--kind " + o.kind + " needs --entity ID: such items are posted per " +
                         (o.kind == "grid-status" ? "grid operator" : "weather station"));
  }
  return o.kind == "grid-status" ? "/api/v1/grid-operators/" + id + "/status"
                                 : "/api/v1/weather/stations/" + id + "/observations";
}

IngestFormat FormatOf(const IngestOptions& o, const std::string& file) {
  Result<IngestFormat> format = !o.format.empty() ? FormatFromName(o.format)
                                : file == "-"     ? IngestFormat::kNdjson
                                                  : FormatFromPath(file);
  if (!format.has_value()) Fail(kExitUsage, format.error().message());
  return *format;
}

// Checks every file before anything is sent; returns their total size
// (0 when one is standard input: unknown).
uint64_t CheckFiles(const IngestOptions& o) {
  uint64_t total = 0;
  bool known = true;
  for (const std::string& file : o.files) {
    FormatOf(o, file);
    if (file == "-") {
      known = false;
      continue;
    }
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error) || !std::ifstream(file)) {
      Fail(kExitUsage, "cannot read " + file);
    }
    total += std::filesystem::file_size(file, error);
  }
  return known ? total : 0;
}

// The first and last file lines of a chunk's items, for messages.
std::string ChunkPlace(const std::string& file, const Chunk& chunk) {
  if (chunk.item_lines.empty()) return file;
  return fmt::format("{} (items on lines {}-{})", file, chunk.item_lines.front(),
                     chunk.item_lines.back());
}

// One run over all files; stops at the first problem that is not an item's.
class IngestRun {
 public:
  IngestRun(const IngestOptions& o, http::HttpClient& client, uint64_t total_bytes)
      : o_(o),
        client_(client),
        total_bytes_(total_bytes),
        progress_(StderrIsTerminal() && !o.quiet && !o.json) {}

  // Ingests every file, prints the summary and ends with the exit code.
  void Run() {
    const std::string target = IngestTarget(o_);
    for (const std::string& file : o_.files) {
      if (!IngestFile(file, target)) break;
    }
    Finish();
  }

 private:
  bool IngestFile(const std::string& file, const std::string& target) {
    const IngestFormat format = FormatOf(o_, file);
    // /dev/stdin: a plain file stream, faster than std::cin tied to stdio.
    std::ifstream in(file == "-" ? "/dev/stdin" : file, std::ios::binary);
    ChunkLimits limits;
    limits.max_items = o_.batch;
    ChunkReader reader(format, in, limits);
    ChunkSender sender(client_, target, ContentTypeOf(format),
                       std::chrono::seconds(o_.retry_for_s));
    ++counts_.files;
    Chunk chunk;
    while (true) {
      Result<bool> more = reader.Next(&chunk);
      if (!more.has_value()) return Stop(kExitInvalid, file + ": " + more.error().message());
      if (!*more) break;
      if (!SendChunk(file, chunk, sender)) return false;
      ShowProgress(done_bytes_ + reader.bytes_read());
    }
    done_bytes_ += reader.bytes_read();
    return true;
  }

  bool SendChunk(const std::string& file, const Chunk& chunk, ChunkSender& sender) {
    Result<http::ClientResponse> response = sender.Post(chunk.body);
    if (!response.has_value()) {
      const Status& error = response.error();
      const bool unreachable = error.code() == StatusCode::kUnavailable;
      return Stop(kExitUnavailable,
                  error.message() + (unreachable ? " (is `metrify serve` running?)" : ""));
    }
    if (response->status != 200) {
      std::string message = ErrorBodyMessage(response->status, response->body);
      if (response->status == 413) message += " (try a smaller --batch)";
      return Stop(ExitCodeForHttp(response->status), ChunkPlace(file, chunk) + ": " + message);
    }
    const size_t first_new = rejections_.size();
    const size_t items_before = counts_.items;
    Status added = AddOutcome(response->body, file, chunk.item_lines, &counts_, &rejections_);
    if (!added.ok()) return Stop(kExitInternal, added.message());
    WarnIfCountsDiffer(file, chunk, counts_.items - items_before);
    PrintRejections(first_new);
    return true;
  }

  // The chunker and the server must agree on what an item is, or the line
  // numbers would be wrong: say so rather than mislead.
  void WarnIfCountsDiffer(const std::string& file, const Chunk& chunk, size_t server_items) {
    if (server_items == chunk.item_lines.size()) return;
    progress_.Clear();
    std::cerr << fmt::format(
        "metrify: warning: {}: the server counted {} items where ingest counted {}; line "
        "numbers of this batch may be off\n",
        ChunkPlace(file, chunk), server_items, chunk.item_lines.size());
  }

  // Text mode prints rejections as they come (the first 100) and keeps
  // none; --json keeps them all for the summary.
  void PrintRejections(size_t first_new) {
    if (o_.json) return;
    for (size_t i = first_new; i < rejections_.size(); ++i) {
      if (printed_ == kMaxPrintedRejections) break;
      progress_.Clear();
      std::cerr << FormatRejection(rejections_[i]) << "\n";
      ++printed_;
    }
    rejections_.clear();
  }

  void ShowProgress(uint64_t bytes_read) {
    if (!progress_.Due()) return;
    progress_.Draw(IngestProgressText({.bytes_read = bytes_read,
                                       .bytes_total = total_bytes_,
                                       .items = counts_.items,
                                       .accepted = counts_.accepted,
                                       .rejected = counts_.rejected,
                                       .seconds = Seconds()}));
  }

  bool Stop(ExitCode code, std::string message) {
    stop_code_ = code;
    stop_message_ = std::move(message);
    return false;
  }

  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // The summary (also after a stop: it tells what was stored), then the
  // exit code.
  void Finish() {
    progress_.Clear();
    if (o_.json) {
      std::cout << SummaryJson(counts_, Seconds(), rejections_, stop_message_) << "\n";
    } else if (!o_.quiet) {
      std::cout << SummaryText(counts_, Seconds()) << "\n";
    }
    if (!o_.json && counts_.rejected > printed_) {
      std::cerr << fmt::format("... and {} more rejected items (--json lists them all)\n",
                               counts_.rejected - printed_);
    }
    if (!stop_message_.empty()) Fail(stop_code_, stop_message_);
    if (counts_.rejected > 0) throw CLI::RuntimeError(kExitFailure);
  }

  const IngestOptions& o_;
  http::HttpClient& client_;
  const uint64_t total_bytes_;
  ProgressLine progress_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  uint64_t done_bytes_ = 0;
  IngestCounts counts_;
  std::vector<ItemRejection> rejections_;
  size_t printed_ = 0;
  ExitCode stop_code_ = kExitOk;
  std::string stop_message_;
};

void RunIngest(const IngestOptions& o) {
  IngestTarget(o);  // usage errors before anything is read
  const uint64_t total_bytes = CheckFiles(o);
  auto client = ConnectOrFail(o.server);
  IngestRun(o, *client, total_bytes).Run();
}

constexpr const char* kIngestFooter =
    R"(Formats by extension: .csv (a header line, repeated in every batch), .ndjson or
.jsonl (one object per line), .json (an array, split into batches between its
elements; a file holding one object is one item). `-` reads standard input
(NDJSON unless --format says otherwise).

Examples:
  metrify ingest readings.csv
  metrify ingest --batch 1000 day1.ndjson day2.ndjson
  metrify ingest --entity SM000001 one-meter.csv     (items may omit meter_id)
  metrify ingest --kind grid-status --entity TSO-1 status.csv
  zcat big.ndjson.gz | metrify ingest - --json

Rejected items are printed as FILE:LINE: code: message (the first 100; --json
lists all). Exit codes: 0 every item stored; 1 some items rejected, the rest
stored; 2 usage (bad flag, unreadable file); 3 --entity not found; 5 the server
refused a whole batch (400, e.g. a bad CSV header; 413); 6 server unreachable,
or still overloaded after --retry-for; 7 internal error.)";

}  // namespace

void AddIngestCommand(CLI::App& app) {
  auto o = std::make_shared<IngestOptions>();
  CLI::App* ingest = app.add_subcommand(
      "ingest", "Send readings, grid status or observations from files, in batches");
  ingest->add_option("files", o->files, "CSV, NDJSON or JSON files; - for standard input")
      ->required();
  AddServerOption(*ingest, &o->server);
  ingest->add_option("--batch", o->batch, "Items per request")
      ->check(CLI::Range(size_t{1}, size_t{1'000'000}))
      ->capture_default_str();
  ingest->add_option("--kind", o->kind, "What the files hold")
      ->check(CLI::IsMember({"readings", "grid-status", "observations"}))
      ->capture_default_str();
  ingest->add_option("--entity", o->entity,
                     "Post to this meter's, operator's or station's own path; items may then "
                     "omit its id (required for grid-status and observations)");
  ingest->add_option("--format", o->format, "Read every file as this format, whatever its name")
      ->check(CLI::IsMember({"csv", "ndjson", "json"}));
  ingest
      ->add_option("--retry-for", o->retry_for_s,
                   "Seconds to keep resending a batch while the server answers 503 overloaded")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  ingest->add_flag("--json", o->json, "Print the summary and every rejection as one JSON object");
  ingest->add_flag("-q,--quiet", o->quiet, "No progress and no summary; rejections only");
  ingest->footer(kIngestFooter);
  ingest->callback([o] { RunIngest(*o); });
}

}  // namespace metrify::cli
