// RowDigest and Tally (row_digest.h): what a checksum must tell apart, and
// what it must not (the order rows are read in).
#include "store/migrate_copy/row_digest.h"

#include <gtest/gtest.h>

#include <cmath>

namespace metrify::store::migrate_copy {
namespace {

uint64_t Row(std::string_view id, int64_t ts, double value) {
  return RowDigest().Text(id).Int(ts).Real(value).Finish();
}

TEST(MigrateCopyDigestTest, TheSumDoesNotDependOnTheOrderOfRows) {
  Tally forward, backward;
  for (int i = 0; i < 100; ++i) forward.Add(Row("M-" + std::to_string(i), i, i * 0.5));
  for (int i = 99; i >= 0; --i) backward.Add(Row("M-" + std::to_string(i), i, i * 0.5));
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward.rows, 100u);
}

TEST(MigrateCopyDigestTest, AChangedLostOrRepeatedRowChangesTheTally) {
  Tally base, changed, lost, repeated;
  for (Tally* t : {&base, &changed, &lost, &repeated}) t->Add(Row("M-1", 1, 0.25));
  base.Add(Row("M-2", 2, 0.5));
  changed.Add(Row("M-2", 2, std::nextafter(0.5, 1.0)));  // one bit
  repeated.Add(Row("M-1", 1, 0.25));
  EXPECT_NE(base, changed);
  EXPECT_NE(base, lost);
  EXPECT_NE(base.checksum, repeated.checksum);
}

TEST(MigrateCopyDigestTest, ValuesAreTaggedWithTheirTypeAndLength) {
  const uint64_t one_int = RowDigest().Int(1).Finish();
  EXPECT_NE(one_int, RowDigest().Real(1.0).Finish());
  EXPECT_NE(one_int, RowDigest().Text("1").Finish());
  EXPECT_NE(RowDigest().Null().Finish(), RowDigest().Text("").Finish());
  EXPECT_NE(RowDigest().Real(0.0).Finish(), RowDigest().Real(-0.0).Finish());
  EXPECT_NE(RowDigest().Text("ab").Text("c").Finish(), RowDigest().Text("a").Text("bc").Finish());
  EXPECT_EQ(RowDigest().Value(model::FieldValue()).Finish(), RowDigest().Null().Finish());
  EXPECT_NE(RowDigest().Value(model::JsonText{"{}"}).Finish(),
            RowDigest().Value(std::string("{}")).Finish());
}

TEST(MigrateCopyDigestTest, MergeAddsRowsAndChecksums) {
  Tally a, b, both;
  a.Add(Row("M-1", 1, 1));
  b.Add(Row("M-2", 2, 2));
  both.Add(Row("M-2", 2, 2));
  both.Add(Row("M-1", 1, 1));
  a.Merge(b);
  EXPECT_EQ(a, both);
  EXPECT_EQ(ChecksumText(0xab), "00000000000000ab");
}

}  // namespace
}  // namespace metrify::store::migrate_copy
