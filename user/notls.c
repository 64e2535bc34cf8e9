// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reapwatch serves plain HTTP only: the GnuTLS entry points Debian's
 * libmicrohttpd.a refers to, each failing, so reapwatch links statically.
 *
 * Debian builds libmicrohttpd with HTTPS support, so its daemon code names
 * 37 GnuTLS functions; a static GnuTLS would need libp11-kit.a and
 * libunistring.a, which Debian does not ship. libmicrohttpd calls them only
 * for a daemon started with MHD_USE_TLS, which serve.c never asks for,
 * except gnutls_global_init()/gnutls_global_deinit() in its library
 * constructor and destructor: those succeed and do nothing. Every other
 * one returns GNUTLS_E_UNIMPLEMENTED_FEATURE. The prototypes come from the
 * GnuTLS headers, so a changed signature fails to compile; a libmicrohttpd
 * that needs more of GnuTLS fails to link, naming the function.
 */
#include <stdlib.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#define NOTLS GNUTLS_E_UNIMPLEMENTED_FEATURE

gnutls_alloc_function gnutls_malloc = malloc;

int gnutls_global_init(void)
{
	return 0;
}

void gnutls_global_deinit(void)
{
}

const char *gnutls_strerror(int error)
{
	(void)error;
	return "TLS is not built into reapwatch";
}

int gnutls_init(gnutls_session_t *session, unsigned int flags)
{
	(void)session, (void)flags;
	return NOTLS;
}

void gnutls_deinit(gnutls_session_t session)
{
	(void)session;
}

int gnutls_handshake(gnutls_session_t session)
{
	(void)session;
	return NOTLS;
}

int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how)
{
	(void)session, (void)how;
	return NOTLS;
}

ssize_t gnutls_record_recv(gnutls_session_t session, void *data, size_t data_size)
{
	(void)session, (void)data, (void)data_size;
	return NOTLS;
}

ssize_t gnutls_record_send(gnutls_session_t session, const void *data, size_t data_size)
{
	(void)session, (void)data, (void)data_size;
	return NOTLS;
}

size_t gnutls_record_check_pending(gnutls_session_t session)
{
	(void)session;
	return 0;
}

int gnutls_record_get_direction(gnutls_session_t session)
{
	(void)session;
	return 0;
}

void gnutls_transport_set_int2(gnutls_session_t session, int r, int s)
{
	(void)session, (void)r, (void)s;
}

void *gnutls_session_get_ptr(gnutls_session_t session)
{
	(void)session;
	return NULL;
}

void gnutls_session_set_ptr(gnutls_session_t session, void *ptr)
{
	(void)session, (void)ptr;
}

gnutls_cipher_algorithm_t gnutls_cipher_get(gnutls_session_t session)
{
	(void)session;
	return GNUTLS_CIPHER_UNKNOWN;
}

gnutls_protocol_t gnutls_protocol_get_version(gnutls_session_t session)
{
	(void)session;
	return GNUTLS_VERSION_UNKNOWN;
}

int gnutls_alpn_set_protocols(gnutls_session_t session, const gnutls_datum_t *protocols,
			      unsigned protocols_size, unsigned flags)
{
	(void)session, (void)protocols, (void)protocols_size, (void)flags;
	return NOTLS;
}

int gnutls_priority_init(gnutls_priority_t *priority_cache, const char *priorities,
			 const char **err_pos)
{
	(void)priority_cache, (void)priorities, (void)err_pos;
	return NOTLS;
}

void gnutls_priority_deinit(gnutls_priority_t priority_cache)
{
	(void)priority_cache;
}

int gnutls_priority_set(gnutls_session_t session, gnutls_priority_t priority)
{
	(void)session, (void)priority;
	return NOTLS;
}

int gnutls_credentials_set(gnutls_session_t session, gnutls_credentials_type_t type, void *cred)
{
	(void)session, (void)type, (void)cred;
	return NOTLS;
}

int gnutls_certificate_allocate_credentials(gnutls_certificate_credentials_t *res)
{
	(void)res;
	return NOTLS;
}

void gnutls_certificate_free_credentials(gnutls_certificate_credentials_t sc)
{
	(void)sc;
}

void gnutls_certificate_server_set_request(gnutls_session_t session,
					   gnutls_certificate_request_t req)
{
	(void)session, (void)req;
}

void gnutls_certificate_set_dh_params(gnutls_certificate_credentials_t res,
				      gnutls_dh_params_t dh_params)
{
	(void)res, (void)dh_params;
}

void gnutls_certificate_set_retrieve_function2(gnutls_certificate_credentials_t cred,
					       gnutls_certificate_retrieve_function2 *func)
{
	(void)cred, (void)func;
}

void gnutls_certificate_set_retrieve_function3(gnutls_certificate_credentials_t cred,
					       gnutls_certificate_retrieve_function3 *func)
{
	(void)cred, (void)func;
}

int gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res,
					const gnutls_datum_t *cert, const gnutls_datum_t *key,
					gnutls_x509_crt_fmt_t type)
{
	(void)res, (void)cert, (void)key, (void)type;
	return NOTLS;
}

int gnutls_certificate_set_x509_key_mem2(gnutls_certificate_credentials_t res,
					 const gnutls_datum_t *cert, const gnutls_datum_t *key,
					 gnutls_x509_crt_fmt_t type, const char *pass,
					 unsigned int flags)
{
	(void)res, (void)cert, (void)key, (void)type, (void)pass, (void)flags;
	return NOTLS;
}

int gnutls_certificate_set_x509_trust_mem(gnutls_certificate_credentials_t res,
					  const gnutls_datum_t *ca, gnutls_x509_crt_fmt_t type)
{
	(void)res, (void)ca, (void)type;
	return NOTLS;
}

int gnutls_dh_params_init(gnutls_dh_params_t *dh_params)
{
	(void)dh_params;
	return NOTLS;
}

void gnutls_dh_params_deinit(gnutls_dh_params_t dh_params)
{
	(void)dh_params;
}

int gnutls_dh_params_import_pkcs3(gnutls_dh_params_t params, const gnutls_datum_t *pkcs3_params,
				  gnutls_x509_crt_fmt_t format)
{
	(void)params, (void)pkcs3_params, (void)format;
	return NOTLS;
}

int gnutls_psk_allocate_server_credentials(gnutls_psk_server_credentials_t *sc)
{
	(void)sc;
	return NOTLS;
}

void gnutls_psk_free_server_credentials(gnutls_psk_server_credentials_t sc)
{
	(void)sc;
}

void gnutls_psk_set_server_credentials_function(gnutls_psk_server_credentials_t cred,
						gnutls_psk_server_credentials_function *func)
{
	(void)cred, (void)func;
}
