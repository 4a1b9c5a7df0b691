// The reference data compiled into the binary (docs/reference-data.md): the
// files of reference-data/, each one zstd frame made at build time by
// cmake/embed.cmake (see CMakeLists.txt). Nothing is read from disk at run
// time.
//
// Thread safety: the views are constants; Inflate() is a pure function.
#pragma once

#include <string>
#include <string_view>

namespace metrify::reference {

namespace embedded {
// BDEW standard load profiles (reference-data/bdew/).
extern const std::string_view kBdewSlp1999;  // slp1999_h0_g_l.csv: H0, G0-G6, L0-L2
extern const std::string_view kBdewH25;      // h25.csv
extern const std::string_view kBdewG25;      // g25.csv
extern const std::string_view kBdewL25;      // l25.csv
extern const std::string_view kBdewP25;      // p25.csv
extern const std::string_view kBdewS25;      // s25.csv
// DWD test reference years 2010, trimmed (reference-data/dwd-try2010/TRY2010_NN.csv).
extern const std::string_view kTry2010Region01;
extern const std::string_view kTry2010Region02;
extern const std::string_view kTry2010Region03;
extern const std::string_view kTry2010Region04;
extern const std::string_view kTry2010Region05;
extern const std::string_view kTry2010Region06;
extern const std::string_view kTry2010Region07;
extern const std::string_view kTry2010Region08;
extern const std::string_view kTry2010Region09;
extern const std::string_view kTry2010Region10;
extern const std::string_view kTry2010Region11;
extern const std::string_view kTry2010Region12;
extern const std::string_view kTry2010Region13;
extern const std::string_view kTry2010Region14;
extern const std::string_view kTry2010Region15;
}  // namespace embedded

// The file held by one of the frames above. `what` names it in the message
// should the frame be broken, which only a broken build can cause: the
// program then aborts rather than run on without its reference data.
std::string Inflate(std::string_view frame, std::string_view what);

}  // namespace metrify::reference
