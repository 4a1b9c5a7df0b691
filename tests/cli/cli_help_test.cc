// `--help` of the metrify binary: every command and subcommand answers with
// exit 0 and names its options. The field flags of add and update are
// checked against the entity field tables, so a new field needs a flag.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/entity.h"
#include "support/server_process.h"

namespace metrify::test {
namespace {

using ::testing::HasSubstr;

struct HelpCase {
  std::string name;
  std::vector<std::string> args;      // without the trailing --help
  std::vector<std::string> mentions;  // must all appear in the help text
};

// Names the case in test listings (ctest shows the parameter).
void PrintTo(const HelpCase& c, std::ostream* os) { *os << c.name; }

class CliHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(CliHelpTest, HelpExitsZeroAndNamesTheOptions) {
  std::vector<std::string> args = GetParam().args;
  args.push_back("--help");
  ProgramResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Usage:"));
  for (const std::string& mention : GetParam().mentions) {
    EXPECT_THAT(r.out, HasSubstr(mention))
        << "help of `metrify " << ::testing::PrintToString(GetParam().args) << "`";
  }
}

const std::vector<std::string> kClientFlags = {"--server", "--json"};

std::vector<std::string> With(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<HelpCase> GroupCases(const std::string& group,
                                 const std::vector<std::string>& filters) {
  std::string g = group;
  g[0] = static_cast<char>(std::toupper(g[0]));
  return {
      {g, {group}, {"list", "get", "add", "update", "delete", "import"}},
      {g + "List",
       {group, "list"},
       With(With(filters, {"--page", "--page-size", "--all"}), kClientFlags)},
      {g + "Get", {group, "get"}, With({"id"}, kClientFlags)},
      {g + "Add", {group, "add"}, With({"--id"}, kClientFlags)},
      {g + "Update", {group, "update"}, With({"id"}, kClientFlags)},
      {g + "Delete", {group, "delete"}, With({"id"}, kClientFlags)},
      {g + "Import", {group, "import"}, With({"file", "--upsert"}, kClientFlags)},
  };
}

std::vector<HelpCase> AllHelpCases() {
  std::vector<HelpCase> cases = {
      {"Top",
       {},
       {"serve", "meters", "operators", "stations", "config", "version", "--version",
        "Exit codes"}},
      {"Serve", {"serve"}, {"--listen", "--data-dir", "--config", "--profile"}},
      {"Config", {"config"}, {"show"}},
      {"ConfigShow", {"config", "show"}, {"--json", "--config", "--profile"}},
      {"Version", {"version"}, {"--json"}},
  };
  for (auto& c : GroupCases("meters", {"--status", "--type", "--operator", "--city", "--segment"}))
    cases.push_back(c);
  for (auto& c : GroupCases("operators", {"--type", "--status", "--city"})) cases.push_back(c);
  for (auto& c : GroupCases("stations", {"--provider", "--type", "--status", "--city"}))
    cases.push_back(c);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, CliHelpTest, ::testing::ValuesIn(AllHelpCases()),
                         [](const auto& info) { return info.param.name; });

std::string Flag(std::string name) {
  for (char& c : name) c = c == '_' ? '-' : c;
  return "--" + name + " ";
}

// Every writable field of T has a flag on add; on update all but the id.
template <typename T>
void ExpectFieldFlags(const std::string& group) {
  std::string add = RunCli({group, "add", "--help"}).out;
  std::string update = RunCli({group, "update", "--help"}).out;
  for (const auto& field : model::EntityTraits<T>::Fields()) {
    if (!field.writable) {
      EXPECT_THAT(add, ::testing::Not(HasSubstr(Flag(field.name)))) << group << " add";
      continue;
    }
    EXPECT_THAT(add, HasSubstr(Flag(field.name))) << group << " add";
    if (field.kind == model::FieldKind::kId) {
      EXPECT_THAT(update, ::testing::Not(HasSubstr(Flag(field.name)))) << group << " update";
    } else {
      EXPECT_THAT(update, HasSubstr(Flag(field.name))) << group << " update";
    }
  }
}

TEST(CliFieldFlagsTest, MetersAddAndUpdateHaveAFlagPerWritableField) {
  ExpectFieldFlags<model::Meter>("meters");
}

TEST(CliFieldFlagsTest, OperatorsAddAndUpdateHaveAFlagPerWritableField) {
  ExpectFieldFlags<model::GridOperator>("operators");
}

TEST(CliFieldFlagsTest, StationsAddAndUpdateHaveAFlagPerWritableField) {
  ExpectFieldFlags<model::WeatherStation>("stations");
}

TEST(CliFieldFlagsTest, EnumFlagsListTheirChoices) {
  std::string add = RunCli({"meters", "add", "--help"}).out;
  EXPECT_THAT(add, HasSubstr("PENDING, ACTIVE, INACTIVE, MAINTENANCE, FAULTY, DECOMMISSIONED"));
  EXPECT_THAT(add, HasSubstr("electricity, gas, water, heat"));
}

}  // namespace
}  // namespace metrify::test
