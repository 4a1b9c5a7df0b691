// VEE as the long-running commands set it up (serve in embedded mode, the
// scaled mode's ingest worker): the rules file and VEE's metrics.
#pragma once

#include <string>

#include "obs/metrics.h"
#include "vee/rules.h"
#include "vee/vee_service.h"

namespace metrify::cli {

// The shipped VEE rules, with the operator's file over them; a bad file
// stops the start with every problem it has (exit 2).
vee::RulesConfig LoadRulesOrFail(const std::string& path);

// VEE's progress on /metrics: how far it lags behind ingest and what it did.
void RegisterValidationMetrics(obs::MetricsRegistry& metrics, const vee::VeeService& vee);

}  // namespace metrify::cli
