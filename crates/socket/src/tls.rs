//! TLS for `wss://`: which servers are trusted and who the client is. The roots are
//! webpki's and the system's (`SSL_CERT_FILE` and `SSL_CERT_DIR` take the system's place
//! where set, as OpenSSL reads them), and any PEM files the host adds (`--ca-file`: a
//! company's or a developer's own CA); a client certificate and key make mutual TLS. A
//! failed handshake is said in words, naming what the certificate lacked.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// What a host adds to the default trust, and the client's own certificate.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// PEM files of certificates to trust as roots, beside webpki's and the system's.
    pub ca_files: Vec<PathBuf>,
    /// The client's certificate chain (PEM) for servers that ask for one.
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub client_key: Option<PathBuf>,
}

impl TlsOptions {
    /// Whether these options add nothing to the default.
    pub fn is_default(&self) -> bool {
        self.ca_files.is_empty() && self.client_cert.is_none() && self.client_key.is_none()
    }
}

/// The client configuration these options make, or what is wrong with them (a file that
/// cannot be read or holds no certificate or key, a certificate without its key).
// rustls 0.23.48 deprecates ring's provider (see `lib.rs`).
#[allow(deprecated)]
pub fn client_config(options: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // The system's: a certificate it cannot read is left out, as OpenSSL leaves it.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    for path in &options.ca_files {
        let shown = path.display();
        let certs = certificates(path).map_err(|e| format!("--ca-file {shown}: {e}"))?;
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("--ca-file {shown}: a certificate cannot be a root: {e}"))?;
        }
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots);
    let config = match (&options.client_cert, &options.client_key) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(key)) => {
            let chain = certificates(cert).map_err(|e| format!("--client-cert {}: {e}", cert.display()))?;
            readable(key).map_err(|e| format!("--client-key {}: {e}", key.display()))?;
            let key_der = PrivateKeyDer::from_pem_file(key)
                .map_err(|e| format!("--client-key {}: {}", key.display(), pem_error(&e)))?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| format!("--client-cert and --client-key do not make a client identity: {e}"))?
        }
        (Some(_), None) => return Err("--client-cert needs --client-key (the certificate's private key)".into()),
        (None, Some(_)) => return Err("--client-key needs --client-cert (the certificate it belongs to)".into()),
    };
    Ok(Arc::new(config))
}

/// The largest PEM file read (a system's whole bundle is about 200 KiB).
const MAX_PEM_FILE: u64 = 16 << 20;

/// That `path` is a regular file of at most [`MAX_PEM_FILE`] bytes: a FIFO's opening would
/// wait for a writer, a device could be endless.
fn readable(path: &std::path::Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.len() > MAX_PEM_FILE {
        return Err(format!("it is larger than {} MiB", MAX_PEM_FILE >> 20));
    }
    Ok(())
}

/// The certificates of a PEM file: at least one.
fn certificates(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    readable(path)?;
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(&e))?;
    if certs.is_empty() {
        return Err("no certificate in it (a PEM file of `BEGIN CERTIFICATE` blocks)".into());
    }
    Ok(certs)
}

fn pem_error(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => "no key in it (a PEM `PRIVATE KEY` block)".to_string(),
        other => format!("not PEM: {other:?}"),
    }
}

/// A TLS failure in words, as a connection error says it.
pub(crate) fn in_words(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => "certificate signed by an unknown authority: the server's certificate chains to no \
                                 trusted root (add its CA with --ca-file or SSL_CERT_FILE)"
                .to_string(),
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => "the server's certificate is not valid yet".to_string(),
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "the server's certificate is not for this host name".to_string()
            }
            C::Revoked => "the server's certificate has been revoked".to_string(),
            C::BadSignature => "the server's certificate has a bad signature".to_string(),
            other => format!("the server's certificate is not valid: {other:?}"),
        },
        rustls::Error::AlertReceived(alert) => match alert {
            rustls::AlertDescription::CertificateRequired => {
                "the server requires a client certificate (give one with --client-cert and --client-key)".to_string()
            }
            rustls::AlertDescription::UnknownCA | rustls::AlertDescription::BadCertificate => {
                format!("the server refused the client certificate ({alert:?})")
            }
            other => format!("the server ended the TLS handshake: {other:?}"),
        },
        other => other.to_string(),
    }
}
