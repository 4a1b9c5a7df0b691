#include "cli/scaled_backends.h"

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace metrify::cli {

ScaledBackends ScaledBackends::OpenOrFail(const config::Config& config, size_t connections) {
  if (config.postgres.url.empty()) {
    Fail(kExitUsage, "scaled mode needs postgres.url (METRIFY_POSTGRES_URL)");
  }
  if (config.kafka.brokers.empty()) {
    Fail(kExitUsage, "scaled mode needs kafka.brokers (METRIFY_KAFKA_BROKERS)");
  }
  store::PgPoolOptions options;
  options.max_connections = connections;
  options.password = config.postgres.password;
  ScaledBackends b;
  b.write_pool = std::make_unique<store::PgPool>(config.postgres.url, options);
  if (!config.postgres.read_url.empty()) {
    b.read_pool = std::make_unique<store::PgPool>(config.postgres.read_url, options);
  }
  Result<std::unique_ptr<store::PgRegistry>> registry = store::PgRegistry::Open(*b.write_pool);
  if (!registry) {
    Fail(registry.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitUnavailable,
         registry.status().message());
  }
  b.registry = std::move(registry).value();
  b.series = std::make_unique<store::PgSeriesStore>(*b.write_pool, b.reads(),
                                                    config.storage.retention_days);
  return b;
}

}  // namespace metrify::cli
