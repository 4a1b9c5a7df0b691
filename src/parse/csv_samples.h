// CSV bodies into samples: a header line naming the columns, then one item
// per record. Internal to parse/; callers use ParseSamples() in
// sample_parser.h.
#pragma once

#include <string_view>

#include "common/status.h"
#include "parse/sample_assembler.h"

namespace metrify::parse {

// Header names are matched case-insensitively to the keys of the kind (see
// FieldTable); an empty cell means "not given"; a row of empty cells is
// skipped like a blank line. Returns InvalidArgument for a
// missing or unusable header (see ParseSamples()); row problems are items'.
Status ReadCsvItems(std::string_view body, SampleAssembler* assembler);

}  // namespace metrify::parse
