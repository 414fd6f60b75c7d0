//! A store's URL: the connection settings, and TLS as libpq reads
//! `sslmode` and `sslrootcert`, so that a URL that works with `psql` works
//! here.
//!
//! rust-postgres knows `sslmode=disable|prefer|require` and verifies nothing
//! itself; libpq's `require` encrypts without checking the certificate
//! (unless a root certificate is named, when it checks the chain),
//! `verify-ca` checks the chain and `verify-full` the chain and the host
//! name. The certificates are checked with rustls, against `sslrootcert` or
//! else the system's trusted roots.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::{Error, Result};

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verify {
    /// Nothing: encrypted, but the server is not authenticated.
    Nothing,
    /// That a trusted authority signed it.
    Chain,
    /// That, and that it names the host connected to.
    Host,
}

/// Where a store is and how to reach it.
pub(super) struct Target {
    /// The connection settings rust-postgres takes.
    pub config: postgres::Config,
    /// The URL without its password, to name the store in messages.
    pub location: String,
    verify: Verify,
    root: Option<PathBuf>,
}

/// Whether `text` names a PostgreSQL store.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

impl Target {
    /// Reads a `postgresql://` or `postgres://` URL.
    pub fn parse(url: &str) -> Result<Self> {
        let bad = |reason: String| Error::Parse {
            what: "PostgreSQL URL",
            input: redact(url),
            reason,
        };
        if !is_postgres_url(url) {
            return Err(bad(
                "expected postgresql://user@host/database or postgres://...".to_owned(),
            ));
        }
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut kept = Vec::new();
        let mut mode = None;
        let mut root = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => mode = Some(value.to_owned()),
                "sslrootcert" => root = Some(PathBuf::from(decode(value))),
                _ => kept.push(pair),
            }
        }
        let (ssl, verify) = match mode.as_deref() {
            None | Some("prefer") | Some("allow") => ("prefer", Verify::Nothing),
            Some("disable") => ("disable", Verify::Nothing),
            Some("require") if root.is_some() => ("require", Verify::Chain),
            Some("require") => ("require", Verify::Nothing),
            Some("verify-ca") => ("require", Verify::Chain),
            Some("verify-full") => ("require", Verify::Host),
            Some(other) => {
                return Err(bad(format!(
                    "sslmode {other:?} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        };
        kept.push(match ssl {
            "disable" => "sslmode=disable",
            "require" => "sslmode=require",
            _ => "sslmode=prefer",
        });
        let rebuilt = format!("{base}?{}", kept.join("&"));
        let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| bad(e.to_string()))?;
        if config.get_application_name().is_none() {
            config.application_name("partnercrm");
        }
        if config.get_dbname().is_none() {
            return Err(bad(
                "name the database the store lives in: postgresql://user@host/DATABASE".to_owned(),
            ));
        }
        Ok(Self {
            config,
            location: redact(url),
            verify,
            root,
        })
    }

    /// The TLS connector for the URL's `sslmode`.
    pub fn tls(&self) -> Result<MakeRustlsConnect> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| self.tls_error(e.to_string()))?;
        let config = match self.verify {
            Verify::Nothing => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
                .with_no_client_auth(),
            Verify::Chain | Verify::Host => {
                let roots = Arc::new(self.roots()?);
                let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| self.tls_error(e.to_string()))?;
                let verifier: Arc<dyn ServerCertVerifier> = if self.verify == Verify::Host {
                    webpki
                } else {
                    Arc::new(ChainOnly(webpki))
                };
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(verifier)
                    .with_no_client_auth()
            }
        };
        Ok(MakeRustlsConnect::new(config))
    }

    fn roots(&self) -> Result<RootCertStore> {
        let mut roots = RootCertStore::empty();
        match &self.root {
            Some(path) => {
                let certificates = CertificateDer::pem_file_iter(path)
                    .and_then(|found| found.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| {
                        self.tls_error(format!("cannot read sslrootcert {}: {e}", path.display()))
                    })?;
                for certificate in certificates {
                    roots.add(certificate).map_err(|e| {
                        self.tls_error(format!("sslrootcert {}: {e}", path.display()))
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                for certificate in found.certs {
                    // A system store can hold certificates rustls cannot use; skip those.
                    let _ = roots.add(certificate);
                }
            }
        }
        if roots.is_empty() {
            return Err(self.tls_error(
                "no trusted root certificate to check the server's against; name one with sslrootcert=FILE"
                    .to_owned(),
            ));
        }
        Ok(roots)
    }

    fn tls_error(&self, reason: String) -> Error {
        Error::Parse {
            what: "PostgreSQL TLS setting",
            input: self.location.clone(),
            reason,
        }
    }
}

/// The URL without its password, in the user part or as a parameter.
pub fn redact(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut base = base.to_owned();
    if let Some(scheme_end) = base.find("://") {
        let rest = &base[scheme_end + 3..];
        if let Some(at) = rest.find('@') {
            let credentials = &rest[..at];
            if let Some(colon) = credentials.find(':') {
                let start = scheme_end + 3 + colon;
                base.replace_range(start..scheme_end + 3 + at, "");
            }
        }
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("password="))
        .collect();
    if kept.is_empty() {
        base
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq's `sslmode=require`: the connection is encrypted, and the
/// certificate taken as it comes. The handshake's signatures are still
/// checked, so the other end holds the certificate's key.
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// libpq's `sslmode=verify-ca`: a trusted authority signed the certificate,
/// whatever host it names.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_the_location() {
        assert_eq!(
            redact("postgresql://ana:s3cret@db.example.org:5433/partners?sslmode=require"),
            "postgresql://ana@db.example.org:5433/partners?sslmode=require"
        );
        assert_eq!(
            redact("postgres://ana@db/partners?password=s3cret&application_name=x"),
            "postgres://ana@db/partners?application_name=x"
        );
    }

    #[test]
    fn libpq_ssl_modes_are_read_and_others_refused() {
        let target =
            Target::parse("postgresql://ana@db/partners?sslmode=verify-full").expect("reads");
        assert_eq!(target.verify, Verify::Host);
        assert_eq!(
            target.config.get_ssl_mode(),
            postgres::config::SslMode::Require
        );
        let target = Target::parse(
            "postgresql://ana@db/partners?sslmode=require&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("reads");
        assert_eq!(
            (target.verify, target.root.as_deref()),
            (Verify::Chain, Some(std::path::Path::new("/etc/ca.pem")))
        );
        let err = Target::parse("postgresql://ana@db/partners?sslmode=sometimes").err();
        assert!(matches!(err, Some(Error::Parse { .. })), "{err:?}");
        let err = Target::parse("postgresql://ana:pw@db")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("name the database") && !e.contains("pw")),
            "{err:?}"
        );
    }
}
