// `metrify migrate copy --from embedded:DIR --to postgres://...`: prints what
// was copied and verified as a table (or JSON), progress on a terminal's
// stderr, and exits 0 only when every table's rows and checksum match.
#include "cli/migrate_copy_command.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config_options.h"
#include "cli/progress.h"
#include "common/json_writer.h"
#include "store/migrate_copy/migrate_copy.h"

namespace metrify::cli {

namespace {

namespace mc = store::migrate_copy;

constexpr std::string_view kEmbeddedScheme = "embedded:";

struct CopyOptions {
  ConfigOptions config;
  std::string from;
  bool json = false;
};

// DIR of "embedded:DIR"; fails with exit 2 otherwise.
std::string DataDirOrFail(const std::string& from) {
  if (!from.starts_with(kEmbeddedScheme) || from.size() == kEmbeddedScheme.size()) {
    Fail(kExitUsage, fmt::format("--from must be embedded:DIR, the data directory of an embedded "
                                 "installation (storage.data_dir), not \"{}\"",
                                 from));
  }
  return from.substr(kEmbeddedScheme.size());
}

void PrintJson(const mc::CopyReport& r) {
  JsonWriter w;
  w.BeginObject().Key("from").String(r.from).Key("to").String(r.to);
  w.Key("copy_seconds").Number(r.copy_seconds).Key("verify_seconds").Number(r.verify_seconds);
  w.Key("verified").Bool(r.verified());
  w.Key("orphaned_edits").Int(static_cast<int64_t>(r.orphaned_edits)).Key("tables").BeginArray();
  for (const mc::TableReport& t : r.tables) {
    w.BeginObject().Key("table").String(t.table);
    w.Key("rows").Int(static_cast<int64_t>(t.source.rows));
    w.Key("checksum").String(mc::ChecksumText(t.source.checksum));
    w.Key("target_rows").Int(static_cast<int64_t>(t.target.rows));
    w.Key("target_checksum").String(mc::ChecksumText(t.target.checksum));
    w.Key("verified").Bool(t.matches()).EndObject();
  }
  w.EndArray().EndObject();
  std::cout << w.Take() << "\n";
}

void PrintTable(const mc::CopyReport& r) {
  std::cout << fmt::format("copied embedded:{} into {} in {:.2f} s, read back in {:.2f} s\n",
                           r.from, r.to, r.copy_seconds, r.verify_seconds);
  std::cout << fmt::format("{:<20}{:>12}{:>16}  {:<18}{}\n", "TABLE", "ROWS", "IN POSTGRESQL",
                           "CHECKSUM", "VERIFIED");
  for (const mc::TableReport& t : r.tables) {
    std::cout << fmt::format("{:<20}{:>12}{:>16}  {:<18}{}\n", t.table, t.source.rows,
                             t.target.rows, mc::ChecksumText(t.source.checksum),
                             t.matches() ? "ok" : "MISMATCH");
  }
  if (r.orphaned_edits == 1) {
    std::cout << "1 edit of a meter deleted since was copied with meter_key 0 (no meter has it)\n";
  } else if (r.orphaned_edits > 1) {
    std::cout << fmt::format(
        "{} edits of meters deleted since were copied with meter_key 0 (no meter has it)\n",
        r.orphaned_edits);
  }
  if (r.verified()) {
    std::cout << fmt::format("verified: {} tables, every row count and checksum matches\n",
                             r.tables.size());
  }
}

// One line per table that does not match, for stderr.
std::string Mismatches(const mc::CopyReport& r) {
  std::string out;
  for (const mc::TableReport& t : r.tables) {
    if (t.matches()) continue;
    out += fmt::format("\n  {}: {} rows (checksum {}) copied, {} rows (checksum {}) in PostgreSQL",
                       t.table, t.source.rows, mc::ChecksumText(t.source.checksum), t.target.rows,
                       mc::ChecksumText(t.target.checksum));
  }
  return out;
}

void RunCopy(const CopyOptions& o) {
  const std::string data_dir = DataDirOrFail(o.from);
  const config::Config config = LoadConfigOrFail(o.config).config;
  if (config.postgres.url.empty()) {
    Fail(kExitUsage,
         "no target: give --to postgres://..., METRIFY_POSTGRES_URL or postgres.url in the "
         "configuration file");
  }
  ProgressLine progress(StderrIsTerminal() && !o.json);
  std::string shown;  // the table on the line: a new one is drawn at once
  auto draw = [&](mc::Phase phase, std::string_view table, uint64_t rows) {
    if (table == shown && !progress.Due()) return;
    shown = table;
    progress.Draw(phase == mc::Phase::kCopying ? fmt::format("copying {}: {} rows", table, rows)
                                               : fmt::format("verifying {}", table));
  };
  mc::CopyOptions options{.data_dir = data_dir,
                          .url = config.postgres.url,
                          .password = config.postgres.password,
                          .progress = draw};
  Result<mc::CopyReport> report = mc::CopyEmbeddedToPostgres(options);
  progress.Clear();
  FailIfError(report.status());
  if (o.json) {
    PrintJson(*report);
  } else {
    PrintTable(*report);
  }
  if (!report->verified()) {
    Fail(kExitFailure, "the copy does not match its source:" + Mismatches(*report));
  }
}

}  // namespace

void AddMigrateCopyCommand(CLI::App& migrate) {
  auto o = std::make_shared<CopyOptions>();
  CLI::App* copy = migrate.add_subcommand(
      "copy",
      "Copy an embedded installation (stopped) into an empty, migrated PostgreSQL database and "
      "verify every table's rows and checksum");
  AddConfigFlags(*copy, &o->config);
  copy->add_option("--from", o->from, "embedded:DIR, the data directory of the installation")
      ->required();
  AddOverrideFlag(*copy, &o->config, "--to", "postgres.url",
                  "PostgreSQL URL, postgres://user@host:5432/db (overrides postgres.url)");
  copy->add_flag("--json", o->json, "Print the report as JSON");
  copy->callback([o] { RunCopy(*o); });
}

}  // namespace metrify::cli
