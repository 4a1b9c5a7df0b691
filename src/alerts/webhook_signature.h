// Webhook signatures: how a receiver knows a POST came from this Metrify
// and was not changed on the way (alerts/webhook.h sends them).
//
// When a secret is configured, every webhook request carries
//
//   X-Metrify-Timestamp: <unix seconds of this attempt, decimal>
//   X-Metrify-Signature: sha256=<hex>
//
// where <hex> is the lowercase hexadecimal HMAC-SHA256 (RFC 2104, FIPS
// 180-4) keyed with the secret's bytes, over the bytes
//
//   <X-Metrify-Timestamp value> "." <request body exactly as received>
//
// e.g. for secret "s3cr3t", timestamp "1700000000" and body {"id":1}:
//   printf '%s' '1700000000.{"id":1}' | openssl dgst -sha256 -hmac 's3cr3t'
//
// To verify, a receiver recomputes the value from the raw body (before any
// JSON parsing), compares it in constant time (VerifyWebhookSignature does
// both), and should refuse timestamps more than a few minutes from its own
// clock so that a captured request cannot be replayed later. Each retry is
// signed afresh with its own timestamp.
#pragma once

#include <string>
#include <string_view>

namespace metrify::alerts {

// The prefix of the X-Metrify-Signature value, naming the algorithm.
inline constexpr std::string_view kWebhookSignaturePrefix = "sha256=";

// Lowercase hex of HMAC-SHA256(key, data): 64 characters. Uses OpenSSL's
// libcrypto. Thread-safe.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// The X-Metrify-Signature value for one request:
// "sha256=" + HmacSha256Hex(secret, timestamp + "." + body).
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

// True when `signature` (the X-Metrify-Signature value as received) equals
// SignWebhook(secret, timestamp, body). The comparison takes the same time
// wherever the first difference is (CRYPTO_memcmp), so it leaks nothing
// about the expected value. A value of the wrong length, without the
// "sha256=" prefix or in upper case is false. An empty secret never
// verifies. Does not check the timestamp's age: that is the caller's policy.
bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp,
                            std::string_view body, std::string_view signature);

}  // namespace metrify::alerts
