// The series store of scaled mode (store/postgres/pg_series_store.h)
// against a real PostgreSQL 15: the SeriesStore contract the embedded
// engine keeps (upserts with revisions, the raw original kept, identical
// repeats stored once, latest revision on read), bit-exact values, absent
// fields, the newest sample per series, day partitions made by the writer,
// bad samples refused whole, and a database restart survived by the pool.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_series_store.h"
#include "support/pg_schema_test.h"
#include "support/postgres_server.h"

namespace metrify::store {
namespace {

using engine::HeadSample;
using engine::SeriesKey;
using engine::wal::WalSample;
using model::SeriesKind;
using ::testing::HasSubstr;

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kQuarter = 900'000;
constexpr int64_t kMonday = 1'736'726'400'000;  // 2025-01-13T00:00:00Z

WalSample Reading(uint32_t key, int64_t ts, double kwh) {
  WalSample s;
  s.entity_key = key;
  s.timestamp_ms = ts;
  s.interval_s = 900;
  s.values.fill(NAN);
  s.values[0] = kwh;
  s.present = 1;
  return s;
}

class PgSeriesStoreTest : public test::PgSchemaTest {
 protected:
  std::vector<HeadSample> Read(SeriesKind kind, uint32_t key, int64_t from, int64_t to) {
    std::vector<HeadSample> out;
    Status s = store_->ReadLatest(SeriesKey{kind, key}, from, to, &out);
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }
};

TEST_F(PgSeriesStoreTest, NewSamplesAreInsertedAndReadBackBitExact) {
  const double awkward[] = {0.1 + 0.2, 1e-300, 123456789.123456789, 0.0, 2.5};
  std::vector<WalSample> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(Reading(7, kMonday + (i + 1) * kQuarter, awkward[i]));
  Result<AppendCounts> counts = store_->Append(SeriesKind::kReading, batch);
  ASSERT_TRUE(counts.has_value()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 5u);
  EXPECT_EQ(counts->unchanged + counts->revised, 0u);

  std::vector<HeadSample> read = Read(SeriesKind::kReading, 7, kMonday, kMonday + kDay);
  ASSERT_EQ(read.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(read[i].timestamp_ms, kMonday + (i + 1) * kQuarter);
    EXPECT_EQ(read[i].interval_s, 900);
    EXPECT_EQ(read[i].present, 1u);
    EXPECT_EQ(read[i].revision, 0u);
    EXPECT_EQ(std::bit_cast<uint64_t>(read[i].values[0]), std::bit_cast<uint64_t>(awkward[i])) << i;
  }
  // The range is half-open and other meters are not mixed in.
  EXPECT_EQ(Read(SeriesKind::kReading, 7, kMonday + kQuarter, kMonday + 3 * kQuarter).size(), 2u);
  EXPECT_TRUE(Read(SeriesKind::kReading, 8, kMonday, kMonday + kDay).empty());
}

TEST_F(PgSeriesStoreTest, RepeatsAreUnchangedAndChangesBecomeRevisionsKeepingTheRaw) {
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 0.5)}}));
  Result<AppendCounts> again =
      store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 0.5)}});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->unchanged, 1u);
  EXPECT_EQ(again->inserted + again->revised, 0u);

  Result<AppendCounts> changed =
      store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 0.75)}});
  ASSERT_TRUE(changed.has_value());
  EXPECT_EQ(changed->revised, 1u);
  std::vector<HeadSample> read = Read(SeriesKind::kReading, 1, kMonday, kMonday + kDay);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].values[0], 0.75);
  EXPECT_EQ(read[0].revision, 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM readings WHERE revision = 0 AND energy_kwh = 0.5"), 1)
      << "the raw original is kept";
}

// Within one call a repeated (meter, ts) is applied in order, as the engine
// does: the first is the raw, the later ones revisions.
// New samples go straight into the table by COPY; a batch holding a stored
// (entity, ts) is refused by the primary key in its savepoint and compared
// instead. Both ways must count alike, keep the raw and move latest_samples
// only forward.
TEST_F(PgSeriesStoreTest, NewBatchesAreCopiedAndBatchesMeetingStoredSamplesAreCompared) {
  std::vector<WalSample> first;
  for (uint32_t key = 1; key <= 2; ++key) {
    for (int i = 1; i <= 4; ++i)
      first.push_back(Reading(key, kMonday + i * kQuarter, key * 10 + i));
  }
  Result<AppendCounts> counts = store_->Append(SeriesKind::kReading, first);
  ASSERT_TRUE(counts.has_value()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 8u);
  // VEE in the worker need not read back what it is told the store held
  // nothing of before.
  EXPECT_THAT(counts->first_stored, ::testing::UnorderedElementsAre(1u, 2u));
  auto latest = store_->Latest(SeriesKey{SeriesKind::kReading, 2});
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->timestamp_ms, kMonday + 4 * kQuarter);
  EXPECT_EQ((*latest)->values[0], 24);

  // Stored and identical, stored and changed, and new, in one batch.
  std::vector<WalSample> mixed = {
      Reading(1, kMonday + kQuarter, 11), Reading(1, kMonday + 2 * kQuarter, 12),
      Reading(1, kMonday + 3 * kQuarter, 99), Reading(1, kMonday + 5 * kQuarter, 15),
      Reading(3, kMonday + kQuarter, 31)};
  counts = store_->Append(SeriesKind::kReading, mixed);
  ASSERT_TRUE(counts.has_value()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 2u);
  EXPECT_EQ(counts->revised, 1u);
  EXPECT_EQ(counts->unchanged, 2u);
  EXPECT_THAT(counts->first_stored, ::testing::ElementsAre(3u)) << "the compared batch";
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 11);
  EXPECT_EQ(Count("SELECT count(*) FROM readings WHERE revision = 0 AND meter_key = 1"), 5);

  // Whichever way each goes, new samples older than a meter's newest never
  // move its latest back, and newer ones move it forward.
  for (int i = 0; i < 12; ++i) {
    const int64_t older = kMonday + kDay + i * kQuarter;  // the next day, for meter 3
    counts = store_->Append(SeriesKind::kReading,
                            {{Reading(1, kMonday - (i + 1) * kQuarter, i), Reading(3, older, i)}});
    ASSERT_TRUE(counts.has_value()) << counts.status().message();
    EXPECT_EQ(counts->inserted, 2u) << "batch " << i;
    EXPECT_THAT(counts->first_stored, ::testing::IsEmpty()) << "batch " << i;
  }
  latest = store_->Latest(SeriesKey{SeriesKind::kReading, 1});
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->timestamp_ms, kMonday + 5 * kQuarter);
  EXPECT_EQ((*latest)->values[0], 15);
  latest = store_->Latest(SeriesKey{SeriesKind::kReading, 3});
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->timestamp_ms, kMonday + kDay + 11 * kQuarter);
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 35);
}

TEST_F(PgSeriesStoreTest, RepeatsWithinOneCallApplyInOrder) {
  const int64_t ts = kMonday + kQuarter;
  std::vector<WalSample> batch = {Reading(1, ts, 1), Reading(2, ts, 5), Reading(1, ts, 2),
                                  Reading(1, ts, 2), Reading(1, ts, 3)};
  Result<AppendCounts> counts = store_->Append(SeriesKind::kReading, batch);
  ASSERT_TRUE(counts.has_value()) << counts.status().message();
  EXPECT_EQ(counts->inserted, 2u);
  EXPECT_EQ(counts->revised, 2u);
  EXPECT_EQ(counts->unchanged, 1u);
  EXPECT_EQ(Read(SeriesKind::kReading, 1, ts, ts + 1).at(0).values[0], 3);
  EXPECT_EQ(Count("SELECT energy_kwh::bigint FROM readings WHERE meter_key = 1 AND revision = 0"),
            1);
}

TEST_F(PgSeriesStoreTest, AbsentFieldsStayAbsentAndReadsTakeOnlyTheFieldsAsked) {
  WalSample s = Reading(3, kMonday + kQuarter, 0.25);
  s.values[3] = 231.5;  // voltage_v
  s.present |= 1u << 3;
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{s}}));
  std::vector<HeadSample> all = Read(SeriesKind::kReading, 3, kMonday, kMonday + kDay);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].present, 0b1001u);
  EXPECT_EQ(all[0].values[3], 231.5);
  EXPECT_TRUE(std::isnan(all[0].values[1]));
  std::vector<HeadSample> voltage;
  ASSERT_TRUE(store_
                  ->ReadLatest(SeriesKey{SeriesKind::kReading, 3}, kMonday, kMonday + kDay,
                               &voltage, 1u << 3)
                  .ok());
  ASSERT_EQ(voltage.size(), 1u);
  EXPECT_EQ(voltage[0].present, 0b1000u);
}

// The fleet's read (fleet analytics' overlay rows): one statement for many
// meters gives each exactly what its own ReadLatest gives, in the order of
// the keys asked, repeats included, and a meter without rows gets none.
TEST_F(PgSeriesStoreTest, ReadingManyMetersAtOnceGivesEachItsOwnRead) {
  std::vector<WalSample> batch;
  for (uint32_t meter : {1u, 2u, 4u}) {
    for (int q = 0; q < 6; ++q) {
      batch.push_back(Reading(meter, kMonday + q * kQuarter, meter * 10 + q));
    }
  }
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, batch));
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{Reading(2, kMonday + 2 * kQuarter, 99)}}))
      << "a revision: the newest is read";
  ASSERT_TRUE(store_->Append(SeriesKind::kGridStatus, {{Reading(3, kMonday + kQuarter, 1)}}))
      << "another kind with the same key stays apart";
  const uint32_t keys[] = {4, 3, 2, 4, 1};
  const int64_t from = kMonday + kQuarter, to = kMonday + 5 * kQuarter;
  std::vector<std::vector<HeadSample>> many(1, std::vector<HeadSample>(3));  // replaced
  ASSERT_TRUE(store_->ReadLatestMany(SeriesKind::kReading, keys, from, to, &many).ok());
  ASSERT_EQ(many.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    const std::vector<HeadSample> one = Read(SeriesKind::kReading, keys[i], from, to);
    ASSERT_EQ(many[i].size(), one.size()) << "key " << keys[i];
    for (size_t j = 0; j < one.size(); ++j) {
      EXPECT_EQ(many[i][j].timestamp_ms, one[j].timestamp_ms);
      EXPECT_EQ(many[i][j].revision, one[j].revision);
      EXPECT_EQ(many[i][j].present, one[j].present);
      EXPECT_EQ(many[i][j].values[0], one[j].values[0]);
    }
  }
  EXPECT_EQ(many[0].size(), 4u) << "[from, to): four quarter hours";
  EXPECT_TRUE(many[1].empty());
  EXPECT_EQ(many[2][1].values[0], 99);
  EXPECT_EQ(many[2][1].revision, 1u);
}

TEST_F(PgSeriesStoreTest, LatestIsTheNewestSampleAndMovesOnlyForward) {
  ASSERT_TRUE(store_->Append(SeriesKind::kReading,
                             {{Reading(1, kMonday + 2 * kQuarter, 2), Reading(2, kMonday, 9)}}));
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 1)}}))
      << "late, older data";
  Result<std::optional<HeadSample>> latest = store_->Latest(SeriesKey{SeriesKind::kReading, 1});
  ASSERT_TRUE(latest.has_value());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->timestamp_ms, kMonday + 2 * kQuarter);
  EXPECT_EQ((*latest)->values[0], 2);
  // A revision of the newest sample is the newest sample.
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + 2 * kQuarter, 2.5)}}));
  EXPECT_EQ(store_->Latest(SeriesKey{SeriesKind::kReading, 1})->value().values[0], 2.5);

  const uint32_t keys[] = {2, 5, 1};
  auto many = store_->LatestMany(SeriesKind::kReading, keys);
  ASSERT_TRUE(many.has_value()) << many.status().message();
  ASSERT_EQ(many->size(), 3u);
  EXPECT_EQ((*many)[0]->values[0], 9);
  EXPECT_FALSE((*many)[1].has_value());
  EXPECT_EQ((*many)[2]->values[0], 2.5);
  EXPECT_FALSE(store_->Latest(SeriesKey{SeriesKind::kGridStatus, 1})->has_value())
      << "kinds are apart";
}

TEST_F(PgSeriesStoreTest, EachKindHasItsTableAndItsDaysGetPartitions) {
  WalSample overlay = Reading(4, kMonday + kQuarter, 0.3);
  overlay.values[4] = 17;  // verdict
  overlay.present |= 1u << 4;
  ASSERT_TRUE(store_->Append(SeriesKind::kVeeOverlay, {{overlay}}));
  WalSample weather = Reading(4, kMonday + 2 * kDay, 12.5);  // temperature_c
  weather.interval_s = 0;
  ASSERT_TRUE(store_->Append(SeriesKind::kObservation, {{weather}}));
  EXPECT_EQ(Count("SELECT count(*) FROM vee_overlay_20250113"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM observations_20250115"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 0);
  EXPECT_EQ(Read(SeriesKind::kVeeOverlay, 4, kMonday, kMonday + kDay).at(0).values[4], 17);
}

TEST_F(PgSeriesStoreTest, ASampleTheKindCannotHoldRefusesTheWholeCall) {
  WalSample empty = Reading(1, kMonday + 2 * kQuarter, 1);
  empty.present = 0;
  Result<AppendCounts> r =
      store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 1), empty}});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("sample 1 of reading"));
  WalSample too_wide = Reading(1, kMonday, 1);
  too_wide.present |= 1u << 8;  // the overlay has six fields
  r = store_->Append(SeriesKind::kVeeOverlay, {{too_wide}});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.status().message(), HasSubstr("a field its kind does not have"));
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 0);
}

TEST_F(PgSeriesStoreTest, ADatabaseRestartIsUnavailableThenRecovers) {
  ASSERT_TRUE(store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + kQuarter, 1)}}));
  pg_->Stop();
  Result<AppendCounts> down =
      store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + 2 * kQuarter, 2)}});
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().message();
  pg_->Start();
  // The pool fails fast for retry_after (1 s) after a failed connect.
  Result<AppendCounts> back = Status::Unavailable("not tried");
  for (int i = 0; i < 50 && !back.has_value(); ++i) {
    back = store_->Append(SeriesKind::kReading, {{Reading(1, kMonday + 2 * kQuarter, 2)}});
    if (!back.has_value()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(back.has_value()) << back.status().message();
  EXPECT_EQ(back->inserted, 1u);
  auto db = PgConnection::Connect(pg_->url(), std::chrono::seconds(10));
  ASSERT_TRUE(db.has_value());
  db_ = std::move(db).value();
  EXPECT_EQ(Count("SELECT count(*) FROM readings"), 2);
}

}  // namespace
}  // namespace metrify::store
