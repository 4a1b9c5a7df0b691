// Shared plumbing of the CLI commands: registration functions (one file per
// command), failing with a message and an exit code, and talking to a
// running server.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "cli/exit_codes.h"
#include "common/status.h"
#include "http/client.h"

namespace metrify::cli {

// Each adds its subcommand(s) to `app`.
void AddServeCommand(CLI::App& app);
void AddConfigCommand(CLI::App& app);
void AddVersionCommand(CLI::App& app);
void AddEntityCommands(CLI::App& app);
void AddIngestCommand(CLI::App& app);
void AddQueryCommand(CLI::App& app);
void AddQualityCommand(CLI::App& app);
void AddAlertsCommand(CLI::App& app);
void AddBenchCommand(CLI::App& app);
void AddBackupCommands(CLI::App& app);  // backup and restore
void AddSimulateCommand(CLI::App& app);
void AddMigrateCommand(CLI::App& app);  // migrate up|status (PostgreSQL)
void AddWorkerCommand(CLI::App& app);   // worker ingest, monitor, process (scaled mode)

// Prints "metrify: <message>" to stderr and ends the command with `code`.
[[noreturn]] void Fail(ExitCode code, const std::string& message);
// Fails with the code and message of a non-OK status.
void FailIfError(const Status& status);

// Where client commands find the server: --server, else $METRIFY_URL, else
// http://127.0.0.1:8000.
void AddServerOption(CLI::App& command, std::string* url);
std::unique_ptr<http::HttpClient> ConnectOrFail(const std::string& url);

// Sends a request and fails (with the server's error message and the exit
// code for its status) unless the status is 2xx.
http::ClientResponse SendOrFail(http::HttpClient& client, std::string_view method,
                                std::string_view target, std::string body = "",
                                std::string_view content_type = "");

}  // namespace metrify::cli
