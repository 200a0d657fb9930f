#include "scraper/tls_errors.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <boost/asio/ssl/error.hpp>

namespace promlite::scraper::tls {
namespace {

// Go's alert texts (crypto/tls alert.go), by alert number.
const char* alert_text(int alert) {
  switch (alert) {
    case 0:
      return "close notify";
    case 10:
      return "unexpected message";
    case 20:
      return "bad record MAC";
    case 21:
      return "decryption failed";
    case 22:
      return "record overflow";
    case 30:
      return "decompression failure";
    case 40:
      return "handshake failure";
    case 42:
      return "bad certificate";
    case 43:
      return "unsupported certificate";
    case 44:
      return "revoked certificate";
    case 45:
      return "expired certificate";
    case 46:
      return "unknown certificate";
    case 47:
      return "illegal parameter";
    case 48:
      return "unknown certificate authority";
    case 49:
      return "access denied";
    case 50:
      return "error decoding message";
    case 51:
      return "error decrypting message";
    case 60:
      return "export restriction";
    case 70:
      return "protocol version not supported";
    case 71:
      return "insufficient security level";
    case 80:
      return "internal error";
    case 86:
      return "inappropriate fallback";
    case 90:
      return "user canceled";
    case 100:
      return "no renegotiation";
    case 109:
      return "missing extension";
    case 110:
      return "unsupported extension";
    case 111:
      return "certificate unobtainable";
    case 112:
      return "unrecognized name";
    case 113:
      return "bad certificate status response";
    case 114:
      return "bad certificate hash value";
    case 115:
      return "unknown PSK identity";
    case 116:
      return "certificate required";
    case 120:
      return "no application protocol";
    default:
      return nullptr;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// x509.HostnameError's text.
std::string hostname_error(const std::string& name, const PeerNames& p) {
  if (!p.has_san && !p.common_name.empty() && p.common_name == name) {
    return "x509: certificate relies on legacy Common Name field, use SANs instead";
  }
  std::string valid;
  if (is_ip_literal(name)) {
    if (p.ips.empty()) {
      return "x509: cannot validate certificate for " + name +
             " because it doesn't contain any IP SANs";
    }
    valid = join(p.ips);
  } else {
    valid = join(p.dns);
  }
  if (valid.empty())
    return "x509: certificate is not valid for any names, but wanted to match " + name;
  return "x509: certificate is valid for " + valid + ", not " + name;
}

std::string verify_error(long result, const std::string& name, const PeerNames& peer) {
  std::string why;
  switch (result) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      why = hostname_error(name, peer);
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      why = "x509: certificate signed by unknown authority";
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      why = "x509: certificate has expired or is not yet valid";
      break;
    default:
      why = std::string("x509: ") + X509_verify_cert_error_string(result);
  }
  return "tls: failed to verify certificate: " + why;
}

}  // namespace

bool is_ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

void capture_names(X509* cert, PeerNames* out) {
  *out = PeerNames{};
  out->seen = true;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    out->has_san = true;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
      if (g->type == GEN_DNS) {
        const auto* s = ASN1_STRING_get0_data(g->d.dNSName);
        out->dns.emplace_back(reinterpret_cast<const char*>(s),
                              static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
      } else if (g->type == GEN_IPADD) {
        int len = ASN1_STRING_length(g->d.iPAddress);
        const unsigned char* b = ASN1_STRING_get0_data(g->d.iPAddress);
        char text[INET6_ADDRSTRLEN] = {};
        if (len == 4) inet_ntop(AF_INET, b, text, sizeof text);
        if (len == 16) inet_ntop(AF_INET6, b, text, sizeof text);
        if (text[0]) out->ips.emplace_back(text);
      }
    }
    GENERAL_NAMES_free(names);
  }
  char cn[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) {
    out->common_name = cn;
  }
}

void set_expected_name(SSL* ssl, const std::string& name) {
  if (is_ip_literal(name)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, name.c_str());
  }
}

std::string describe(const boost::system::error_code& ec, SSL* ssl, const std::string& name,
                     const PeerNames& peer) {
  if (ec.category() != boost::asio::error::get_ssl_category()) return {};
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl) {
    return verify_error(SSL_get_verify_result(ssl), name, peer);
  }
  if (reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
    if (const char* text = alert_text(reason - SSL_AD_REASON_OFFSET)) {
      return std::string("remote error: tls: ") + text;
    }
  }
  if (reason == SSL_R_WRONG_VERSION_NUMBER) {
    return "http: server gave HTTP response to HTTPS client";
  }
  return {};
}

}  // namespace promlite::scraper::tls
