// Redaction of secret values for display: `config show`, logs and error
// messages. Everything that prints a configuration value goes through here.
#pragma once

#include <string>
#include <string_view>

#include "config/key_table.h"

namespace metrify::config {

// What may be shown of `text`, the value of `key`:
//   kPublic: the text itself;
//   kSecret: "***", or "" when empty (so "not set" stays visible);
//   kUrlPassword: RedactUrl(text).
std::string RedactForDisplay(const KeyDef& key, std::string_view text);

// Replaces every password in a connection string with "***":
//   the password in URL userinfo:  postgres://metrify:***@db:5432/metrify
//   a colon-less redis userinfo, which Redis clients read as a password;
//   password-like query parameters: ?sslmode=require&password=***
//   libpq keyword form:            host=db user=metrify password=***
// A parameter counts as password-like when its name contains "password",
// "secret" or "token" (case-insensitive). When in doubt it hides too much
// rather than too little.
std::string RedactUrl(std::string_view url);

}  // namespace metrify::config
