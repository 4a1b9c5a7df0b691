// Webhook signatures against independent computations: the RFC 4231 test
// vectors for HMAC-SHA256, and values printed by the OpenSSL command line
// (printf '%s' 'TIMESTAMP.BODY' | openssl dgst -sha256 -hmac SECRET), then
// verification: accepted as sent, refused after any change.
#include "alerts/webhook_signature.h"

#include <gtest/gtest.h>

#include <string>

namespace metrify::alerts {
namespace {

TEST(WebhookSignatureTest, HmacMatchesRfc4231Vectors) {
  // Test case 1: key 0x0b * 20.
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block (hashed first).
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(WebhookSignatureTest, SignatureMatchesOpensslCommandLine) {
  // printf '%s' '1700000000.{"id":1}' | openssl dgst -sha256 -hmac 's3cr3t'
  EXPECT_EQ(SignWebhook("s3cr3t", "1700000000", R"({"id":1})"),
            "sha256=47ad183b67b4229890a4fcc9ed70527714db10c5262c3845af876dff33fc6c5b");
  // printf '%s' '1700000123.{"alert_id":42,"event":"alert.opened","severity":"CRITICAL"}'
  //   | openssl dgst -sha256 -hmac 'whsec_3b1f9a'
  EXPECT_EQ(SignWebhook("whsec_3b1f9a", "1700000123",
                        R"({"alert_id":42,"event":"alert.opened","severity":"CRITICAL"})"),
            "sha256=383ce26fb68d152bc8d83b5c220c4521b2da51d70f0a9b5e981f0a215b38b1a3");
}

TEST(WebhookSignatureTest, VerifiesWhatWasSigned) {
  std::string signature = SignWebhook("s3cr3t", "1700000000", R"({"id":1})");
  EXPECT_TRUE(VerifyWebhookSignature("s3cr3t", "1700000000", R"({"id":1})", signature));
}

TEST(WebhookSignatureTest, RefusesAnyChange) {
  const std::string body = R"({"id":1})";
  const std::string signature = SignWebhook("s3cr3t", "1700000000", body);
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3T", "1700000000", body, signature));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000001", body, signature));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", R"({"id":2})", signature));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body + " ", signature));
  // The timestamp and body are separated by a dot, so moving bytes across the
  // boundary changes the signed text.
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "170000000", "0." + body, signature));
}

TEST(WebhookSignatureTest, RefusesMalformedSignatureValues) {
  const std::string body = R"({"id":1})";
  const std::string signature = SignWebhook("s3cr3t", "1700000000", body);
  std::string hex = signature.substr(kWebhookSignaturePrefix.size());
  std::string upper = signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, hex));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, "sha256=" + upper.substr(7)));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, signature.substr(0, 70)));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, signature + "0"));
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, ""));
  std::string flipped = signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyWebhookSignature("s3cr3t", "1700000000", body, flipped));
}

TEST(WebhookSignatureTest, EmptySecretNeverVerifies) {
  std::string signature = SignWebhook("", "1700000000", "{}");
  EXPECT_EQ(signature.size(), 7u + 64u);
  EXPECT_FALSE(VerifyWebhookSignature("", "1700000000", "{}", signature));
}

}  // namespace
}  // namespace metrify::alerts
