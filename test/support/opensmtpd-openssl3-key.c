/*
 * Loaded into OpenSMTPD 6.8 (LD_PRELOAD) by test/support/opensmtpd.ts, for the listeners
 * that need a working TLS handshake. OpenSMTPD keeps its private keys in a separate process
 * and gives the TLS library a public-only key whose RSA / EC_KEY carries, as ex_data, the
 * name the signing process knows the key by. Under OpenSSL 3, EVP_PKEY_get1_RSA and
 * EVP_PKEY_get1_EC_KEY return a copy, so that mark is set on the copy and the handshake signs
 * with the public-only key and fails ("EVP lib", alert internal_error). OpenSMTPD 7.3 fixed it
 * by assigning the marked copy back to the EVP_PKEY; this does the same, nothing else.
 * Built by scripts/fetch-real-mtas.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

RSA *EVP_PKEY_get1_RSA(EVP_PKEY *pkey) {
  static RSA *(*real)(EVP_PKEY *);
  if (!real) real = (RSA *(*)(EVP_PKEY *))dlsym(RTLD_NEXT, "EVP_PKEY_get1_RSA");
  RSA *rsa = real(pkey);
  if (rsa) EVP_PKEY_set1_RSA(pkey, rsa);
  return rsa;
}

EC_KEY *EVP_PKEY_get1_EC_KEY(EVP_PKEY *pkey) {
  static EC_KEY *(*real)(EVP_PKEY *);
  if (!real) real = (EC_KEY *(*)(EVP_PKEY *))dlsym(RTLD_NEXT, "EVP_PKEY_get1_EC_KEY");
  EC_KEY *ec = real(pkey);
  if (ec) EVP_PKEY_set1_EC_KEY(pkey, ec);
  return ec;
}
