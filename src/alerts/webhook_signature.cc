#include "alerts/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>
#include <climits>

namespace metrify::alerts {

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  // HMAC() takes an int key length; secrets come from configuration and are
  // nowhere near 2 GiB.
  assert(key.size() <= static_cast<size_t>(INT_MAX));
  // OpenSSL reads a non-null key pointer even for length 0; "" is safe.
  const char* key_bytes = key.empty() ? "" : key.data();
  unsigned char* out =
      HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_size);
  assert(out != nullptr && mac_size == 32);
  (void)out;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * mac_size);
  for (unsigned int i = 0; i < mac_size; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 0x0f]);
  }
  OPENSSL_cleanse(mac, sizeof mac);
  return hex;
}

std::string SignWebhook(std::string_view secret, std::string_view timestamp,
                        std::string_view body) {
  std::string signed_bytes;
  signed_bytes.reserve(timestamp.size() + 1 + body.size());
  signed_bytes.append(timestamp).append(".").append(body);
  return std::string(kWebhookSignaturePrefix) + HmacSha256Hex(secret, signed_bytes);
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view timestamp,
                            std::string_view body, std::string_view signature) {
  if (secret.empty()) return false;
  std::string expected = SignWebhook(secret, timestamp, body);
  // The length is public (always 7 + 64), so checking it first leaks nothing.
  if (signature.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

}  // namespace metrify::alerts
