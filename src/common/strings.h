// Small string helpers shared across subsystems.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace metrify {

std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Splits on `sep`; keeps empty pieces.
std::vector<std::string_view> Split(std::string_view s, char sep);
// Characters (code points) of UTF-8 text; invalid bytes count one each.
size_t Utf8Length(std::string_view s);
// Edit distance: the single-character inserts, deletes, substitutions and
// swaps of neighbours that turn `a` into `b` (optimal string alignment).
size_t EditDistance(std::string_view a, std::string_view b);
// The candidate within a typo's reach of `name` (about one edit per four
// characters), for "did you mean" hints; empty when none is that close.
std::string_view Closest(std::string_view name, const std::vector<std::string_view>& candidates);
// Whole-string parses; nullopt when `s` is empty, has trailing junk or overflows.
std::optional<double> ParseDouble(std::string_view s);
std::optional<long long> ParseInt(std::string_view s);

}  // namespace metrify
