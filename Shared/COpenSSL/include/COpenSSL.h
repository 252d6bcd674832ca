#pragma once
// COpenSSL: the OpenSSL 3 headers CLMCrypto needs, plus tiny `clm_` wrappers for what Swift
// cannot import (function-like macros, stack macros, composite flag constants).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/// OPENSSL_free (a macro).
void clm_openssl_free(void *ptr);

/// BIO_get_mem_data (a macro): points *data at the BIO's buffer, returns its length.
long clm_bio_mem_data(BIO *bio, const char **data);

/// MBSTRING_UTF8 (a composite macro).
int clm_mbstring_utf8(void);

/// Prints a name in RFC 2253 form (XN_FLAG_RFC2253 is a composite macro).
int clm_name_print_rfc2253(BIO *bio, const X509_NAME *name);

/// AES-GCM tag get/set control codes (aliased macros).
int clm_ctrl_gcm_get_tag(void);
int clm_ctrl_gcm_set_tag(void);

/// STACK_OF(GENERAL_NAME) helpers (sk_* macros).
GENERAL_NAMES *clm_general_names_new(void);
int clm_general_names_push(GENERAL_NAMES *names, GENERAL_NAME *name);
int clm_general_names_count(const GENERAL_NAMES *names);
GENERAL_NAME *clm_general_names_value(const GENERAL_NAMES *names, int index);

/// STACK_OF(X509) helpers (sk_* macros). The stack takes ownership of pushed certificates;
/// free it with clm_x509_stack_free, which frees them too.
STACK_OF(X509) *clm_x509_stack_new(void);
int clm_x509_stack_push(STACK_OF(X509) *stack, X509 *cert);
void clm_x509_stack_free(STACK_OF(X509) *stack);

// --- CLMIdentity (JWS over EVP) ---
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

/// EVP_PKEY_PUBLIC_KEY (a composite macro): the selection for EVP_PKEY_fromdata of a public key.
int clm_evp_pkey_public_key_selection(void);
