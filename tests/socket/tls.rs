//! TLS as users meet it (issue 35): a `wss://` server whose certificate a CA made here
//! signed — a company's or a developer's own CA, as mkcert makes — reached with `--ca-file`
//! and with `SSL_CERT_FILE`, refused without either with the reason in words; a server
//! that requires a client certificate, reached with `--client-cert`/`--client-key` and
//! refused without. `graphrun run` as a process against a rustls server in this test.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::probe_once;
use super::servers::tls_echo_server;

/// PEM text of one DER item.
fn pem(label: &str, der: &[u8]) -> String {
    let body = data_encoding::BASE64.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|l| std::str::from_utf8(l).unwrap())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

/// A CA, the files of its certificate and of a client identity it signed, in `dir`.
pub(super) struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pub(super) pem: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

pub(super) fn make_ca(dir: &Path) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "graphrun test CA");
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let issuer = Issuer::new(params, key);
    let pem_path = dir.join("ca.pem");
    std::fs::write(&pem_path, pem("CERTIFICATE", cert.der())).unwrap();
    // A client identity the CA signed.
    let mut client = CertificateParams::new(vec!["graphrun-client".to_string()]).unwrap();
    client.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_key = KeyPair::generate().unwrap();
    let client_cert = client.signed_by(&client_key, &issuer).unwrap();
    let (cert_path, key_path) = (dir.join("client.pem"), dir.join("client-key.pem"));
    std::fs::write(&cert_path, pem("CERTIFICATE", client_cert.der())).unwrap();
    std::fs::write(&key_path, pem("PRIVATE KEY", &client_key.serialize_der())).unwrap();
    Ca {
        issuer,
        der: cert.der().clone(),
        pem: pem_path,
        client_cert: cert_path,
        client_key: key_path,
    }
}

/// A wss:// echo server for `localhost` with a certificate `ca` signed; with
/// `require_client`, it requires a client certificate that CA signed. Its port.
#[allow(deprecated)]
pub(super) async fn server(ca: &Ca, require_client: bool) -> u16 {
    let params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.der.clone()).unwrap();
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    tls_echo_server(config).await
}

/// `graphrun run probe.ron` sending `{"over": "tls"}` to `port` over wss://, with `args`
/// and `env`.
async fn probe(port: u16, args: Vec<String>, env: Option<(&'static str, String)>) -> String {
    probe_once(
        format!("wss://localhost:{port}/"),
        "tls",
        args,
        env.into_iter().collect(),
    )
    .await
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("graphrun-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ECHOED: &str = r#"message: {"over":"tls"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_signed_by_a_private_ca_is_reached_with_ca_file_or_ssl_cert_file() {
    let dir = scratch("ca");
    let ca = make_ca(&dir);
    let port = server(&ca, false).await;
    // Neither: refused, saying why in words.
    let out = probe(port, vec![], None).await;
    assert!(!out.contains(ECHOED), "{out}");
    assert!(
        out.contains("connection error: TLS failed: certificate signed by an unknown authority"),
        "{out}"
    );
    // --ca-file.
    let ca_file = ca.pem.to_str().unwrap().to_string();
    let out = probe(port, vec!["--ca-file".into(), ca_file.clone()], None).await;
    assert!(out.contains(ECHOED), "{out}");
    // SSL_CERT_FILE (in the system's place, as OpenSSL reads it).
    let out = probe(port, vec![], Some(("SSL_CERT_FILE", ca_file))).await;
    assert!(out.contains(ECHOED), "{out}");
    // A --ca-file that holds no certificate is refused before the run.
    std::fs::write(dir.join("empty.pem"), "not a certificate\n").unwrap();
    let out = probe(
        port,
        vec!["--ca-file".into(), dir.join("empty.pem").display().to_string()],
        None,
    )
    .await;
    assert!(
        out.contains("--ca-file") && out.contains("no certificate in it"),
        "{out}"
    );
    // A FIFO (nobody writes to it) is refused, not waited on; so is a device.
    let fifo = dir.join("fifo.pem");
    crate::fifo::make(&fifo);
    for path in [fifo.display().to_string(), "/dev/zero".to_string()] {
        let out = probe(port, vec!["--ca-file".into(), path.clone()], None).await;
        assert!(
            out.contains(&format!("--ca-file {path}: it is not a regular file")),
            "{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_requiring_a_client_certificate_is_reached_with_one() {
    let dir = scratch("mtls");
    let ca = make_ca(&dir);
    let port = server(&ca, true).await;
    let ca_file = ca.pem.to_str().unwrap().to_string();
    // Without a client certificate: refused, saying so.
    let out = probe(port, vec!["--ca-file".into(), ca_file.clone()], None).await;
    assert!(!out.contains(ECHOED), "{out}");
    assert!(
        out.contains("connection error: TLS failed: the server requires a client certificate"),
        "{out}"
    );
    // With one.
    let with = vec![
        "--ca-file".into(),
        ca_file,
        "--client-cert".into(),
        ca.client_cert.display().to_string(),
        "--client-key".into(),
        ca.client_key.display().to_string(),
    ];
    let out = probe(port, with, None).await;
    assert!(out.contains(ECHOED), "{out}");
    // A certificate without its key is refused before the run.
    let out = probe(
        port,
        vec!["--client-cert".into(), ca.client_cert.display().to_string()],
        None,
    )
    .await;
    assert!(out.contains("--client-cert needs --client-key"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
