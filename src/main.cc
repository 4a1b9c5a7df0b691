#include "cli/cli.h"

int main(int argc, char** argv) { return metrify::cli::RunCli(argc, argv); }
