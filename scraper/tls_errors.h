// TLS failures of a scrape, worded as Go's crypto/tls and crypto/x509 word
// them (what Prometheus shows as a target's lastError), e.g.
//   tls: failed to verify certificate: x509: certificate signed by unknown authority
//   tls: failed to verify certificate: x509: certificate is valid for localhost, not example.org
//   remote error: tls: certificate required
// Internal to the scraper's HTTP client.
#pragma once

#include <openssl/ssl.h>

#include <boost/system/error_code.hpp>
#include <string>
#include <vector>

namespace promlite::scraper::tls {

// Subject alternative names of a peer's leaf certificate, kept by the verify
// callback so a hostname mismatch can be explained.
struct PeerNames {
  bool seen = false;
  bool has_san = false;
  std::vector<std::string> dns;
  std::vector<std::string> ips;
  std::string common_name;
};

// Records the names of `cert` (the depth-0 certificate) into *out.
void capture_names(X509* cert, PeerNames* out);

// True if `host` is an IPv4 or IPv6 literal (no SNI is sent for those, as Go does).
bool is_ip_literal(const std::string& host);

// Configures verification of `ssl` against `name` (DNS name or IP literal):
// OpenSSL's own hostname/IP checks, so failures carry a precise verify result.
void set_expected_name(SSL* ssl, const std::string& name);

// Go's wording of a TLS error `ec` on `ssl` (after verification failed or an
// alert arrived); `name` is what the certificate was checked against. Returns
// "" when `ec` is not a TLS error.
std::string describe(const boost::system::error_code& ec, SSL* ssl, const std::string& name,
                     const PeerNames& peer);

}  // namespace promlite::scraper::tls
