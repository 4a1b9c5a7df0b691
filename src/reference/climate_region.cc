#include "reference/climate_region.h"

#include <cassert>

#include "model/location.h"

namespace metrify::reference {
namespace {

constexpr double Degrees(int degrees, int minutes) { return degrees + minutes / 60.0; }

// From the headers of TRY2010_01_Jahr.dat ... TRY2010_15_Jahr.dat.
constexpr ClimateRegion kRegions[kClimateRegionCount] = {
    {1, "North Sea coast", "Bremerhaven", 10129, Degrees(53, 32), Degrees(8, 35), 7},
    {2, "Baltic coast", "Rostock", 10170, Degrees(54, 11), Degrees(12, 5), 4},
    {3, "North-west German lowlands", "Hamburg", 10147, Degrees(53, 38), Degrees(10, 0), 13},
    {4, "North-east German lowlands", "Potsdam", 10379, Degrees(52, 23), Degrees(13, 4), 81},
    {5, "Lower Rhine, Westphalian bay, Emsland", "Essen", 10410, Degrees(51, 24), Degrees(6, 58),
     152},
    {6, "Northern and western uplands, edges", "Bad Marienberg", 10526, Degrees(50, 40),
     Degrees(7, 58), 547},
    {7, "Northern and western uplands, centre", "Kassel", 10438, Degrees(51, 18), Degrees(9, 27),
     231},
    {8, "Upper Harz and Black Forest (mid altitude)", "Braunlage", 10452, Degrees(51, 44),
     Degrees(10, 36), 607},
    {9, "Thuringian basin, Saxon hills", "Chemnitz", 10577, Degrees(50, 48), Degrees(12, 52), 418},
    {10, "South-eastern uplands up to 1,000 m", "Hof", 10685, Degrees(50, 19), Degrees(11, 53),
     567},
    {11, "Ore Mountains, Bohemian and Black Forest above 1,000 m", "Fichtelberg", 10578,
     Degrees(50, 26), Degrees(12, 57), 1213},
    {12, "Upper Rhine valley, lower Neckar valley", "Mannheim", 10729, Degrees(49, 31),
     Degrees(8, 33), 96},
    {13, "Swabian-Franconian hills, Alpine foothills", "Mühldorf", 10875, Degrees(48, 17),
     Degrees(12, 30), 405},
    {14, "Swabian Jura and Baar", "Stötten", 10836, Degrees(48, 40), Degrees(9, 52), 734},
    {15, "Alpine edge and valleys", "Garmisch-Partenkirchen", 10963, Degrees(47, 29),
     Degrees(11, 4), 719},
};

}  // namespace

std::span<const ClimateRegion, kClimateRegionCount> ClimateRegions() { return kRegions; }

const ClimateRegion& ClimateRegionOf(int number) {
  assert(number >= 1 && number <= kClimateRegionCount);
  return kRegions[number - 1];
}

int NearestRegion(double latitude, double longitude) {
  int nearest = 1;
  double best_km =
      model::DistanceKm(latitude, longitude, kRegions[0].latitude, kRegions[0].longitude);
  for (const ClimateRegion& region : kRegions) {
    const double km = model::DistanceKm(latitude, longitude, region.latitude, region.longitude);
    if (km < best_km) {
      best_km = km;
      nearest = region.number;
    }
  }
  return nearest;
}

}  // namespace metrify::reference
