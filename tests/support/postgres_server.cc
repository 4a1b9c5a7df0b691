#include "support/postgres_server.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "support/http_client.h"

namespace metrify::test {

namespace {

const std::string kBinDir = "/usr/lib/postgresql/15/bin";

}  // namespace

PostgresServer::PostgresServer() {
  root_ = MakeServerTempDir("metrify-pg-");
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/postgres.log";
  StartOnAFreePort(
      "postgres", &port_,
      [this] {
        if (!initialised_) {
          ChownToUser(root_, "postgres");
          InitDb();
          initialised_ = true;
        }
        return TryStart();
      },
      root_, log_path_);
}

PostgresServer::~PostgresServer() {
  Stop();
  RemoveServerDir("postgres", root_, log_path_);
}

void PostgresServer::InitDb() {
  ChildSpec spec{.argv = {kBinDir + "/initdb", "-D", data_dir_, "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"},
                 .log_path = root_ + "/initdb.log",
                 .stdout_path = "",
                 .work_dir = root_,
                 .user = "postgres"};
  int status = RunToEnd(spec, kServerStartTimeout);
  if (status != 0) {
    throw std::runtime_error("initdb exited with status " + std::to_string(status) +
                             "; its output:\n" + LogTail(root_ + "/initdb.log"));
  }
}

void PostgresServer::Start() {
  if (!TryStart()) {
    throw std::runtime_error("postgres: port " + std::to_string(port_) + " is taken; log:\n" +
                             LogTail(log_path_));
  }
}

// Ready means: PQping says the server accepts connections on our port, and
// our own postmaster logged that it listens there (a server of another test
// may answer on a port ours failed to bind).
bool PostgresServer::TryStart() {
  if (running()) throw std::runtime_error("PostgresServer::Start: already running");
  std::string port = std::to_string(port_);
  size_t log_before = log().size();
  process_.Start({.argv = {kBinDir + "/postgres", "-D", data_dir_, "-p", port, "-k", root_, "-c",
                           "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                           "synchronous_commit=off", "-c", "full_page_writes=off"},
                  .log_path = log_path_,
                  .stdout_path = "",
                  .work_dir = root_,
                  .user = "postgres"});
  std::string conninfo = "host=127.0.0.1 port=" + port + " user=postgres connect_timeout=2";
  std::string listening = "listening on IPv4 address \"127.0.0.1\", port " + port;
  std::optional<int> exited;
  bool ready = PollUntil(
      [&] {
        exited = process_.ExitedYet();
        return exited || (log().find(listening, log_before) != std::string::npos &&
                          PQping(conninfo.c_str()) == PQPING_OK);
      },
      kServerStartTimeout);
  if (ready && !exited) return true;
  if (exited && log().find("Address already in use", log_before) != std::string::npos) {
    return false;
  }
  process_.Stop(SIGKILL);
  throw std::runtime_error(
      (exited ? "postgres exited with status " + std::to_string(*exited) + " while starting"
              : "postgres did not accept connections within " +
                    std::to_string(kServerStartTimeout.count()) + " s") +
      "; log:\n" + LogTail(log_path_));
}

int PostgresServer::Stop() { return process_.Stop(SIGINT); }

std::string PostgresServer::url() const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PostgresServer::log() const { return ReadWholeFile(log_path_); }

}  // namespace metrify::test
