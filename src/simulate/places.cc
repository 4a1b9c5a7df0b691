#include "simulate/places.h"

#include <cmath>

namespace metrify::simulate {

namespace {
constexpr int kTennet = 0, k50Hertz = 1, kAmprion = 2, kTransnetBw = 3;
}  // namespace

const std::vector<OperatorSite>& Operators() {
  // Peak loads: the control areas' order of magnitude (ENTSO-E), for load_mw.
  static const std::vector<OperatorSite> operators = {
      {"TENNET", "TenneT TSO GmbH", "TenneT DE", "Bayreuth", "95448", 49.9456, 11.5713, 28000},
      {"50HERTZ", "50Hertz Transmission GmbH", "50Hertz", "Berlin", "10557", 52.5303, 13.3713,
       17000},
      {"AMPRION", "Amprion GmbH", "Amprion", "Dortmund", "44263", 51.4963, 7.4860, 30000},
      {"TRANSNETBW", "TransnetBW GmbH", "TransnetBW", "Stuttgart", "70173", 48.7823, 9.1772, 11000},
  };
  return operators;
}

const std::vector<City>& Cities() {
  static const std::vector<City> cities = {
      {"Berlin", 52.5200, 13.4050, 3645, "10115", k50Hertz},
      {"Hamburg", 53.5511, 9.9937, 1841, "20095", k50Hertz},
      {"München", 48.1374, 11.5755, 1472, "80331", kTennet},
      {"Köln", 50.9375, 6.9603, 1086, "50667", kAmprion},
      {"Frankfurt am Main", 50.1109, 8.6821, 753, "60311", kAmprion},
      {"Stuttgart", 48.7758, 9.1829, 635, "70173", kTransnetBw},
      {"Düsseldorf", 51.2277, 6.7735, 621, "40213", kAmprion},
      {"Leipzig", 51.3397, 12.3731, 597, "04109", k50Hertz},
      {"Dortmund", 51.5136, 7.4653, 588, "44135", kAmprion},
      {"Essen", 51.4556, 7.0116, 582, "45127", kAmprion},
      {"Bremen", 53.0793, 8.8017, 567, "28195", kTennet},
      {"Dresden", 51.0504, 13.7373, 556, "01067", k50Hertz},
      {"Hannover", 52.3759, 9.7320, 535, "30159", kTennet},
      {"Nürnberg", 49.4521, 11.0767, 518, "90403", kTennet},
      {"Duisburg", 51.4344, 6.7623, 495, "47051", kAmprion},
      {"Bochum", 51.4818, 7.2162, 364, "44787", kAmprion},
      {"Wuppertal", 51.2562, 7.1508, 355, "42103", kAmprion},
      {"Bielefeld", 52.0302, 8.5325, 334, "33602", kAmprion},
      {"Bonn", 50.7374, 7.0982, 330, "53111", kAmprion},
      {"Münster", 51.9607, 7.6261, 315, "48143", kAmprion},
      {"Mannheim", 49.4875, 8.4660, 310, "68159", kTransnetBw},
      {"Karlsruhe", 49.0069, 8.4037, 308, "76133", kTransnetBw},
      {"Augsburg", 48.3705, 10.8978, 296, "86150", kAmprion},
      {"Wiesbaden", 50.0782, 8.2398, 278, "65183", kAmprion},
      {"Mönchengladbach", 51.1805, 6.4428, 261, "41061", kAmprion},
      {"Gelsenkirchen", 51.5177, 7.0857, 260, "45879", kAmprion},
      {"Aachen", 50.7753, 6.0839, 249, "52062", kAmprion},
      {"Braunschweig", 52.2689, 10.5268, 249, "38100", kTennet},
      {"Kiel", 54.3233, 10.1228, 247, "24103", kTennet},
      {"Chemnitz", 50.8278, 12.9214, 243, "09111", k50Hertz},
      {"Halle (Saale)", 51.4825, 11.9697, 238, "06108", k50Hertz},
      {"Magdeburg", 52.1205, 11.6276, 236, "39104", k50Hertz},
      {"Freiburg im Breisgau", 47.9990, 7.8421, 231, "79098", kTransnetBw},
      {"Krefeld", 51.3388, 6.5853, 227, "47798", kAmprion},
      {"Mainz", 49.9929, 8.2473, 218, "55116", kAmprion},
      {"Lübeck", 53.8655, 10.6866, 216, "23552", kTennet},
      {"Erfurt", 50.9848, 11.0299, 214, "99084", k50Hertz},
      {"Rostock", 54.0924, 12.0991, 209, "18055", k50Hertz},
      {"Kassel", 51.3127, 9.4797, 201, "34117", kTennet},
      {"Potsdam", 52.3906, 13.0645, 183, "14467", k50Hertz},
      {"Saarbrücken", 49.2402, 6.9969, 180, "66111", kAmprion},
      {"Oldenburg", 53.1435, 8.2146, 170, "26122", kTennet},
      {"Osnabrück", 52.2799, 8.0472, 165, "49074", kAmprion},
      {"Heidelberg", 49.3988, 8.6724, 160, "69117", kTransnetBw},
      {"Regensburg", 49.0134, 12.1016, 153, "93047", kTennet},
      {"Würzburg", 49.7913, 9.9534, 127, "97070", kTennet},
      {"Ulm", 48.4011, 9.9876, 126, "89073", kTransnetBw},
      {"Göttingen", 51.5413, 9.9158, 118, "37073", kTennet},
      {"Jena", 50.9271, 11.5892, 111, "07743", k50Hertz},
      {"Cottbus", 51.7563, 14.3329, 98, "03046", k50Hertz},
      {"Schwerin", 53.6355, 11.4012, 96, "19053", k50Hertz},
  };
  return cities;
}

const std::vector<StationSite>& Stations() {
  static const std::vector<StationSite> stations = {
      {"Berlin-Tempelhof", 433, 52.4675, 13.4021, 48},
      {"Hamburg-Fuhlsbüttel", 1975, 53.6332, 9.9881, 11},
      {"München-Stadt", 3379, 48.1632, 11.5429, 515},
      {"Köln/Bonn", 2667, 50.8646, 7.1575, 92},
      {"Frankfurt/Main", 1420, 50.0259, 8.5213, 100},
      {"Stuttgart-Echterdingen", 4931, 48.6883, 9.2235, 371},
      {"Düsseldorf", 1078, 51.2960, 6.7686, 37},
      {"Leipzig/Halle", 2932, 51.4348, 12.2396, 131},
      {"Dresden-Klotzsche", 1048, 51.1278, 13.7543, 222},
      {"Hannover", 2014, 52.4644, 9.6779, 55},
      {"Nürnberg", 3668, 49.5030, 11.0549, 314},
      {"Bremen", 691, 53.0451, 8.7981, 4},
      {"Rostock-Warnemünde", 4271, 54.1803, 12.0808, 4},
      {"Kiel-Holtenau", 2564, 54.3776, 10.1424, 27},
      {"Erfurt-Weimar", 1270, 50.9829, 10.9608, 316},
      {"Magdeburg", 3126, 52.1029, 11.5827, 76},
      {"Saarbrücken-Ensheim", 4336, 49.2128, 7.1077, 320},
      {"Freiburg", 1443, 48.0232, 7.8343, 237},
      {"Kassel", 2532, 51.2963, 9.4424, 231},
      {"Essen-Bredeney", 1303, 51.4041, 6.9677, 150},
  };
  return stations;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = 3.14159265358979323846 / 180;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * 6371.0 * std::asin(std::sqrt(a));
}

}  // namespace metrify::simulate
