#include "reference/reference_year.h"

#include <gtest/gtest.h>

#include <set>

namespace metrify::reference {
namespace {

// reference-data/dwd-try2010/TRY2010_04.csv line 8 (the first hour; the
// source TRY2010_04_Jahr.dat has it as "4 1 1 1 1 7 230 5.7 -2.6 1005.3 ...").
TEST(ReferenceYear, PotsdamFirstHourMatchesTheFile) {
  // 1,1,1,7,230,5.7,-2.6,1005.3,93,0,0
  const HourlyWeather& w = ReferenceYear::At(4, 1, 1, 0);
  EXPECT_FLOAT_EQ(w.cloud_cover_okta, 7);
  EXPECT_FLOAT_EQ(w.wind_direction_deg, 230);
  EXPECT_FLOAT_EQ(w.wind_speed_ms, 5.7f);
  EXPECT_FLOAT_EQ(w.temperature_c, -2.6f);
  EXPECT_FLOAT_EQ(w.pressure_hpa, 1005.3f);
  EXPECT_FLOAT_EQ(w.relative_humidity_pct, 93);
  EXPECT_FLOAT_EQ(w.direct_wm2, 0);
  EXPECT_FLOAT_EQ(w.diffuse_wm2, 0);
  // The file's hour 2 is hour 1 here: 1,1,2,7,240,5.7,-3.9,1011.4,89,0,0
  EXPECT_FLOAT_EQ(ReferenceYear::At(4, 1, 1, 1).temperature_c, -3.9f);
}

TEST(ReferenceYear, LastHourOfTheYear) {
  // TRY2010_04.csv line 8767: 12,31,24,7,220,5.6,-0.8,997.7,98,0,0
  const HourlyWeather& w = ReferenceYear::At(4, 12, 31, 23);
  EXPECT_FLOAT_EQ(w.temperature_c, -0.8f);
  EXPECT_FLOAT_EQ(w.pressure_hpa, 997.7f);
  EXPECT_EQ(&w, &ReferenceYear::Hours(4).back());
}

TEST(ReferenceYear, SummerNoonHasSunshine) {
  // TRY2010_13.csv (Mühldorf) line 4124: 6,21,13,7,260,11.0,20.4,965.3,65,79,373
  const HourlyWeather& w = ReferenceYear::At(13, 6, 21, 12);
  EXPECT_FLOAT_EQ(w.cloud_cover_okta, 7);
  EXPECT_FLOAT_EQ(w.wind_speed_ms, 11.0f);
  EXPECT_FLOAT_EQ(w.temperature_c, 20.4f);
  EXPECT_FLOAT_EQ(w.pressure_hpa, 965.3f);
  EXPECT_FLOAT_EQ(w.relative_humidity_pct, 65);
  EXPECT_FLOAT_EQ(w.direct_wm2, 79);
  EXPECT_FLOAT_EQ(w.diffuse_wm2, 373);
}

TEST(ReferenceYear, LeapDayReadsAs28February) {
  // TRY2010_04.csv: 2,28,12,3,200,8.0,14.6,1000.8,49,386,89
  EXPECT_EQ(&ReferenceYear::At(4, 2, 29, 11), &ReferenceYear::At(4, 2, 28, 11));
  EXPECT_FLOAT_EQ(ReferenceYear::At(4, 2, 29, 11).temperature_c, 14.6f);
  EXPECT_EQ(&ReferenceYear::At(4, 3, 1, 0), &ReferenceYear::Hours(4)[59 * 24]);
}

// Every region decodes to a full, plausible year, and each file is the right
// region's: the mean temperature falls with the station's height (Mannheim
// 96 m warmest, Fichtelberg 1,213 m coldest).
TEST(ReferenceYear, EveryRegionHasAPlausibleYear) {
  double mean[kClimateRegionCount + 1] = {};
  for (int region = 1; region <= kClimateRegionCount; ++region) {
    double sum = 0;
    for (const HourlyWeather& w : ReferenceYear::Hours(region)) {
      ASSERT_GE(w.temperature_c, -30) << region;
      ASSERT_LE(w.temperature_c, 40) << region;
      ASSERT_GE(w.relative_humidity_pct, 1) << region;
      ASSERT_LE(w.relative_humidity_pct, 100) << region;
      ASSERT_GE(w.cloud_cover_okta, 0) << region;
      ASSERT_LE(w.cloud_cover_okta, 9) << region;
      ASSERT_GE(w.pressure_hpa, 800) << region;
      ASSERT_GE(w.direct_wm2, 0) << region;
      ASSERT_GE(w.diffuse_wm2, 0) << region;
      sum += w.temperature_c;
    }
    mean[region] = sum / ReferenceYear::kHours;
  }
  EXPECT_NEAR(mean[4], 9.54, 0.01);    // Potsdam
  EXPECT_NEAR(mean[11], 3.80, 0.01);   // Fichtelberg
  EXPECT_NEAR(mean[12], 11.13, 0.01);  // Mannheim
  for (int region = 1; region <= kClimateRegionCount; ++region) {
    EXPECT_LE(mean[region], mean[12]) << region;
    EXPECT_GE(mean[region], mean[11]) << region;
  }
}

TEST(ReferenceYearRegion, StationsAsTheDwdGivesThem) {
  ASSERT_EQ(ClimateRegions().size(), 15u);
  std::set<int> wmo_ids;
  for (int i = 0; i < kClimateRegionCount; ++i) {
    EXPECT_EQ(ClimateRegions()[i].number, i + 1);
    EXPECT_EQ(&ClimateRegionOf(i + 1), &ClimateRegions()[i]);
    wmo_ids.insert(ClimateRegions()[i].wmo_id);
  }
  EXPECT_EQ(wmo_ids.size(), 15u);
  // TRY2010_04: "Station: Potsdam WMO-Nummer: 10379", 52°23'N 13°04'E, 81 m.
  const ClimateRegion& potsdam = ClimateRegionOf(4);
  EXPECT_EQ(potsdam.station, "Potsdam");
  EXPECT_EQ(potsdam.wmo_id, 10379);
  EXPECT_NEAR(potsdam.latitude, 52.3833, 1e-4);
  EXPECT_NEAR(potsdam.longitude, 13.0667, 1e-4);
  EXPECT_EQ(potsdam.elevation_m, 81);
  EXPECT_EQ(ClimateRegionOf(11).station, "Fichtelberg");
  EXPECT_EQ(ClimateRegionOf(11).elevation_m, 1213);
  EXPECT_EQ(ClimateRegionOf(13).station, "Mühldorf");
}

TEST(ReferenceYearRegion, NearestRegionOfCities) {
  EXPECT_EQ(NearestRegion(48.137, 11.575), 13);  // Munich: Mühldorf 69 km, Garmisch 82 km
  EXPECT_EQ(NearestRegion(52.520, 13.405), 4);   // Berlin: Potsdam
  EXPECT_EQ(NearestRegion(53.551, 9.993), 3);    // Hamburg
  EXPECT_EQ(NearestRegion(54.092, 12.099), 2);   // Rostock
  EXPECT_EQ(NearestRegion(50.938, 6.960), 5);    // Cologne: Essen
  EXPECT_EQ(NearestRegion(51.050, 13.738), 9);   // Dresden: Chemnitz
  EXPECT_EQ(NearestRegion(47.492, 11.095), 15);  // Garmisch-Partenkirchen itself
  EXPECT_EQ(NearestRegion(53.079, 8.802), 1);    // Bremen: Bremerhaven
}

}  // namespace
}  // namespace metrify::reference
