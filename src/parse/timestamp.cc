#include "parse/timestamp.h"

namespace metrify::parse {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil). REQUIRES: a valid date.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
static_assert(DaysFromCivil(2201, 1, 1) * 86400000 - 1 == kMaxTimestampMs);

constexpr bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` digits at text[pos]; false if any is not a digit.
bool Digits(std::string_view text, size_t pos, size_t n, int* out) {
  if (pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

TimestampError ParseEpochDigits(std::string_view text, int64_t* epoch_ms) {
  if (text.empty()) return TimestampError::kInvalid;
  int64_t v = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!IsDigit(text[i])) return TimestampError::kInvalid;
    if (i < 18) v = v * 10 + (text[i] - '0');  // 18 digits cannot overflow
  }
  if (text.size() > 18 || CheckEpochMillis(v) != TimestampError::kNone) {
    return TimestampError::kOutOfRange;
  }
  *epoch_ms = v;
  return TimestampError::kNone;
}

// Fractional seconds after the '.' at text[*pos - 1]: 1..9 digits, kept to ms.
bool ParseFraction(std::string_view text, size_t* pos, int* millis) {
  size_t start = *pos;
  int ms = 0;
  while (*pos < text.size() && IsDigit(text[*pos])) {
    if (*pos - start < 3) ms = ms * 10 + (text[*pos] - '0');
    ++*pos;
  }
  size_t digits = *pos - start;
  if (digits == 0 || digits > 9) return false;
  for (size_t i = digits; i < 3; ++i) ms *= 10;
  *millis = ms;
  return true;
}

// "Z" or "±HH:MM" from text[pos] to the end; the offset east of UTC in minutes.
bool ParseOffset(std::string_view text, size_t pos, int* offset_minutes) {
  char sign = text[pos];
  if (sign == 'Z' || sign == 'z') {
    *offset_minutes = 0;
    return pos + 1 == text.size();
  }
  int hh = 0, mm = 0;
  if ((sign != '+' && sign != '-') || text.size() != pos + 6 || text[pos + 3] != ':' ||
      !Digits(text, pos + 1, 2, &hh) || !Digits(text, pos + 4, 2, &mm)) {
    return false;
  }
  if (mm > 59 || hh * 60 + mm > 18 * 60) return false;
  *offset_minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
  return true;
}

}  // namespace

TimestampError CheckEpochMillis(int64_t epoch_ms) {
  return epoch_ms < kMinTimestampMs || epoch_ms > kMaxTimestampMs ? TimestampError::kOutOfRange
                                                                  : TimestampError::kNone;
}

// Fixed layout "YYYY-MM-DDTHH:MM:SS" (19 characters), then an optional
// fraction, then the offset. Each part is checked in place.
TimestampError ParseTimestamp(std::string_view text, int64_t* epoch_ms) {
  if (text.size() < 19 || text[4] != '-') return ParseEpochDigits(text, epoch_ms);
  int year, month, day, hour, minute, second;
  if (!Digits(text, 0, 4, &year) || !Digits(text, 5, 2, &month) || text[7] != '-' ||
      !Digits(text, 8, 2, &day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !Digits(text, 11, 2, &hour) || text[13] != ':' || !Digits(text, 14, 2, &minute) ||
      text[16] != ':' || !Digits(text, 17, 2, &second)) {
    return TimestampError::kInvalid;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return TimestampError::kInvalid;
  }
  size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (!ParseFraction(text, &pos, &millis)) return TimestampError::kInvalid;
  }
  if (pos == text.size()) return TimestampError::kWithoutOffset;
  int offset_minutes = 0;
  if (!ParseOffset(text, pos, &offset_minutes)) return TimestampError::kInvalid;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  int64_t ms = seconds * 1000 + millis;
  if (CheckEpochMillis(ms) != TimestampError::kNone) return TimestampError::kOutOfRange;
  *epoch_ms = ms;
  return TimestampError::kNone;
}

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  int64_t ms = 0;
  if (ParseTimestamp(text, &ms) != TimestampError::kNone) return std::nullopt;
  return ms;
}

}  // namespace metrify::parse
