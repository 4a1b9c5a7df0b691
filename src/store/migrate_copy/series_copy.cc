#include "store/migrate_copy/series_copy.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <cmath>
#include <span>
#include <utility>

#include "store/migrate_copy/pg_cursor.h"
#include "store/postgres/pg_copy_writer.h"
#include "store/postgres/pg_partitions.h"
#include "store/postgres/pg_rollups.h"
#include "store/postgres/pg_series_table.h"

namespace metrify::store::migrate_copy {

namespace {

using engine::HeadSample;

constexpr int64_t kDayMs = 86'400'000;
constexpr int32_t kMaxDaysPerCall = 400;  // EnsureDayPartitions' limit
// Rows per COPY: a few MiB each, large enough that the round trips vanish.
constexpr size_t kRowsPerCopy = 50'000;

uint64_t RowHash(model::SeriesKind kind, const std::string* id, const HeadSample& s,
                 size_t fields) {
  RowDigest d;
  d.Int(static_cast<int64_t>(kind));
  if (id != nullptr) {
    d.Text(*id);
  } else {
    d.Null();
  }
  d.Int(s.timestamp_ms).Int(s.revision).Int(s.interval_s);
  for (size_t f = 0; f < fields; ++f) {
    if ((s.present >> f) & 1u) {
      d.Real(s.values[f]);
    } else {
      d.Null();
    }
  }
  return d.Finish();
}

std::string_view EntityTable(model::SeriesKind kind) {
  switch (model::EntityKindOf(kind)) {
    case model::SeriesKind::kGridStatus:
      return "grid_operators";
    case model::SeriesKind::kObservation:
      return "weather_stations";
    default:
      return "meters";
  }
}

// A latest_samples row in COPY's text format; doubles in their shortest
// form that reads back as the same bits.
void AppendLatestLine(model::SeriesKind kind, uint32_t key, const HeadSample& s, size_t fields,
                      std::string* out) {
  fmt::format_to(std::back_inserter(*out), "{}\t{}\t{}\t{}\t{}\t{{", static_cast<int>(kind), key,
                 s.timestamp_ms, s.revision, s.interval_s);
  for (size_t f = 0; f < fields; ++f) {
    if (f > 0) out->push_back(',');
    if ((s.present >> f) & 1u) {
      fmt::format_to(std::back_inserter(*out), "{}", s.values[f]);
    } else {
      out->append("NULL");
    }
  }
  out->append("}\n");
}

// Buffers one kind's rows and sends them a COPY at a time.
class SeriesWriter {
 public:
  SeriesWriter(model::SeriesKind kind, PgConnection& target, const ProgressFn& progress)
      : kind_(kind), t_(PgSeriesTableOf(kind)), target_(target), progress_(progress) {
    copy_sql_ = fmt::format("COPY {} ({}, ts, revision, interval_s, {}) FROM STDIN (FORMAT binary)",
                            t_.table, t_.key_column, fmt::join(t_.fields, ", "));
  }

  Status Add(uint32_t key, std::span<const HeadSample> samples, const std::string& id,
             SeriesCopy* copy) {
    const auto columns = static_cast<int16_t>(4 + t_.fields.size());
    for (const HeadSample& s : samples) {
      rows_.BeginRow(columns);
      rows_.Int64(key);
      rows_.Int64(s.timestamp_ms);
      rows_.Int32(s.revision);
      rows_.Int32(s.interval_s);
      for (size_t f = 0; f < t_.fields.size(); ++f) {
        if ((s.present >> f) & 1u) {
          rows_.Float64(s.values[f]);
        } else {
          rows_.Null();
        }
      }
      copy->rows.Add(RowHash(kind_, &id, s, t_.fields.size()));
    }
    pending_ += samples.size();
    AppendLatestLine(kind_, key, samples.back(), t_.fields.size(), &latest_);
    copy->latest.Add(RowHash(kind_, &id, samples.back(), t_.fields.size()));
    if (pending_ < kRowsPerCopy) return Status::Ok();
    return Flush(copy->rows.rows);
  }

  Status Flush(uint64_t written) {
    if (pending_ > 0) {
      METRIFY_RETURN_IF_ERROR(target_.CopyIn(copy_sql_, std::exchange(rows_, {}).Finish()));
      pending_ = 0;
      if (progress_) progress_(Phase::kCopying, t_.table, written);
    }
    if (latest_.empty()) return Status::Ok();
    return target_.CopyIn(
        "COPY latest_samples (kind, entity_key, ts, revision, interval_s, vals) FROM STDIN",
        std::exchange(latest_, {}));
  }

 private:
  const model::SeriesKind kind_;
  const PgSeriesTable& t_;
  PgConnection& target_;
  const ProgressFn& progress_;
  std::string copy_sql_;
  PgCopyWriter rows_;
  size_t pending_ = 0;
  std::string latest_;
};

// One value of a float8[] in text form; nullopt for NULL.
std::optional<double> ParseReal(std::string_view text) {
  if (text == "NULL") return std::nullopt;
  double value = NAN;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// A sample from a row laid out as (id, ts, revision, interval_s, ...) with
// the fields either as columns from `first_field` on, or as one float8[]
// column there when `array`.
HeadSample SampleOf(const PgRows& rows, int r, int first, size_t fields, bool array) {
  HeadSample s;
  s.timestamp_ms = rows.Int(r, first);
  s.revision = static_cast<uint16_t>(rows.Int(r, first + 1));
  s.interval_s = static_cast<int32_t>(rows.Int(r, first + 2));
  s.values.fill(NAN);
  auto set = [&](size_t f, std::optional<double> v) {
    if (!v || f >= s.values.size()) return;
    s.values[f] = *v;
    s.present |= static_cast<uint16_t>(1u << f);
  };
  if (!array) {
    for (size_t f = 0; f < fields; ++f) {
      const int c = first + 3 + static_cast<int>(f);
      if (!rows.IsNull(r, c)) set(f, ParseReal(rows.Text(r, c)));
    }
    return s;
  }
  std::string_view vals = rows.Text(r, first + 3);
  vals = vals.substr(1, vals.size() >= 2 ? vals.size() - 2 : 0);  // the braces
  for (size_t f = 0; !vals.empty(); ++f) {
    const size_t comma = vals.find(',');
    set(f, ParseReal(vals.substr(0, comma)));
    vals = comma == std::string_view::npos ? std::string_view() : vals.substr(comma + 1);
  }
  return s;
}

}  // namespace

Status MakeDayPartitions(const engine::ReadingsEngine& engine, PgConnection& target) {
  for (model::SeriesKind kind : model::kAllSeriesKinds) {
    const std::string& table = PgSeriesTableOf(kind).table;
    const std::vector<int32_t> days = engine.Days(kind);
    // Runs of consecutive days, one call each (at most 400 days a call).
    for (size_t begin = 0; begin < days.size();) {
      size_t end = begin + 1;
      while (end < days.size() && days[end] == days[end - 1] + 1 &&
             days[end] - days[begin] < kMaxDaysPerCall) {
        ++end;
      }
      METRIFY_RETURN_IF_ERROR(EnsureDayPartitions(target, table, int64_t{days[begin]} * kDayMs,
                                                  (int64_t{days[end - 1]} + 1) * kDayMs)
                                  .status());
      begin = end;
    }
  }
  return Status::Ok();
}

Result<SeriesCopy> CopySeries(model::SeriesKind kind, const engine::ReadingsEngine& engine,
                              const KeyTranslation& entities, PgConnection& target,
                              const ProgressFn& progress) {
  SeriesCopy copy;
  SeriesWriter writer(kind, target, progress);
  const std::vector<uint32_t> keys = entities.SourceKeys();
  METRIFY_RETURN_IF_ERROR(engine.ScanRevisions(
      kind, keys, [&](engine::SeriesKey key, std::span<const HeadSample> samples) -> Status {
        const std::string* id = entities.SourceId(key.entity_key);
        const std::optional<uint32_t> target_key = entities.Translate(key.entity_key);
        if (id == nullptr || !target_key) {
          return Status::Internal(fmt::format("{} key {} has no entity in the target",
                                              model::SeriesKindName(kind), key.entity_key));
        }
        return writer.Add(*target_key, samples, *id, &copy);
      }));
  METRIFY_RETURN_IF_ERROR(writer.Flush(copy.rows.rows));
  return copy;
}

Status MarkReadingHoursDirty(PgConnection& target) {
  // The hour a reading belongs to holds hour < ts <= hour + 1 h (RollupHourOf):
  // a floor division of ts - 1, also before 1970.
  return target.Exec(
      fmt::format("INSERT INTO rollup_dirty (meter_block, hour)"
                  " SELECT DISTINCT meter_key / {0}, (ts - 1) - mod(mod(ts - 1, {1}) + {1}, {1})"
                  " FROM readings ORDER BY 1, 2 ON CONFLICT DO NOTHING",
                  kRollupBlockMeters, kRollupHourMs));
}

Result<Tally> TallySeries(model::SeriesKind kind, PgConnection& target) {
  const PgSeriesTable& t = PgSeriesTableOf(kind);
  const std::string select = fmt::format(
      "SELECT e.id, t.ts, t.revision, t.interval_s, {} FROM {} t LEFT JOIN {} e ON "
      "e.key = t.{}",
      fmt::join(t.fields, ", "), t.table, EntityTable(kind), t.key_column);
  Tally tally;
  METRIFY_RETURN_IF_ERROR(ForEachRow(target, select, [&](const PgRows& rows, int r) {
    const std::string id(rows.Text(r, 0));
    const HeadSample s = SampleOf(rows, r, 1, t.fields.size(), false);
    tally.Add(RowHash(kind, rows.IsNull(r, 0) ? nullptr : &id, s, t.fields.size()));
    return Status::Ok();
  }));
  return tally;
}

Result<Tally> TallyLatest(PgConnection& target) {
  std::string id_of = "CASE l.kind";
  for (model::SeriesKind kind : model::kAllSeriesKinds) {
    id_of += fmt::format(" WHEN {} THEN (SELECT e.id FROM {} e WHERE e.key = l.entity_key)",
                         static_cast<int>(kind), EntityTable(kind));
  }
  id_of += " END";
  const std::string select = fmt::format(
      "SELECT l.kind, {}, l.ts, l.revision, l.interval_s, l.vals FROM latest_samples l", id_of);
  Tally tally;
  METRIFY_RETURN_IF_ERROR(ForEachRow(target, select, [&](const PgRows& rows, int r) {
    const int64_t kind_number = rows.Int(r, 0);
    if (kind_number < 1 || kind_number > 4) {
      return Status::Corruption(fmt::format("latest_samples holds kind {}", kind_number));
    }
    const auto kind = static_cast<model::SeriesKind>(kind_number);
    const size_t fields = model::SeriesFields(kind).size();
    const std::string id(rows.Text(r, 1));
    const HeadSample s = SampleOf(rows, r, 2, fields, true);
    tally.Add(RowHash(kind, rows.IsNull(r, 1) ? nullptr : &id, s, fields));
    return Status::Ok();
  }));
  return tally;
}

}  // namespace metrify::store::migrate_copy
