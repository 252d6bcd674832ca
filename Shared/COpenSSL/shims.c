#include "COpenSSL.h"

void clm_openssl_free(void *ptr) { OPENSSL_free(ptr); }

long clm_bio_mem_data(BIO *bio, const char **data) {
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    *data = p;
    return n;
}

int clm_mbstring_utf8(void) { return MBSTRING_UTF8; }

int clm_name_print_rfc2253(BIO *bio, const X509_NAME *name) {
    return X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
}

int clm_ctrl_gcm_get_tag(void) { return EVP_CTRL_GCM_GET_TAG; }
int clm_ctrl_gcm_set_tag(void) { return EVP_CTRL_GCM_SET_TAG; }

GENERAL_NAMES *clm_general_names_new(void) { return sk_GENERAL_NAME_new_null(); }

int clm_general_names_push(GENERAL_NAMES *names, GENERAL_NAME *name) {
    return sk_GENERAL_NAME_push(names, name);
}

int clm_general_names_count(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }

GENERAL_NAME *clm_general_names_value(const GENERAL_NAMES *names, int index) {
    return sk_GENERAL_NAME_value(names, index);
}

STACK_OF(X509) *clm_x509_stack_new(void) { return sk_X509_new_null(); }

int clm_x509_stack_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }

void clm_x509_stack_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

int clm_evp_pkey_public_key_selection(void) { return EVP_PKEY_PUBLIC_KEY; }
