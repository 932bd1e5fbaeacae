//! The SMTP transport: lettre over tokio with rustls (no OpenSSL), as `smtp.security` says —
//! STARTTLS required, TLS from the first byte, or none (a relay on the same host) — with the
//! credentials `smtp.user` and the sealed `smtp.password`.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Mail;
use crate::config::{SmtpSecurity, SmtpSettings};
use crate::secrets::Sealer;

/// Where a sealed SMTP password belongs.
pub const PASSWORD_CONTEXT: &str = "smtp_password";

/// A configured server, ready to send.
pub struct Transport {
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// The configuration cannot be used; one line naming the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct SmtpConfigError(String);

/// With `smtp.ca_file`: TLS as `smtp.security` says, trusting that file's CAs besides the system's.
fn tls_with_own_ca(settings: &SmtpSettings, host: &str) -> Result<Option<Tls>, SmtpConfigError> {
    let Some(path) = &settings.ca_file else {
        return Ok(None);
    };
    let bad = |why: String| SmtpConfigError(format!("invalid value for `smtp.ca_file`: {why}"));
    let pem = std::fs::read(path).map_err(|e| bad(format!("{}: {e}", path.display())))?;
    let cert = Certificate::from_pem(&pem)
        .ok()
        .filter(|_| pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----"))
        .ok_or_else(|| bad(format!("{} holds no PEM certificate", path.display())))?;
    let parameters = TlsParameters::builder(host.to_string())
        .add_root_certificate(cert)
        .build_rustls()
        .map_err(|e| bad(e.to_string()))?;
    match settings.security {
        SmtpSecurity::Starttls => Ok(Some(Tls::Required(parameters))),
        SmtpSecurity::Tls => Ok(Some(Tls::Wrapper(parameters))),
        SmtpSecurity::None => Err(SmtpConfigError(
            "`smtp.ca_file` needs `smtp.security` starttls or tls".into(),
        )),
    }
}

impl Transport {
    /// `None` when mail is off (`smtp.host` unset).
    pub fn from_config(
        settings: &SmtpSettings,
        sealer: &Sealer,
    ) -> Result<Option<Self>, SmtpConfigError> {
        let Some(host) = settings.host.as_deref().filter(|h| !h.is_empty()) else {
            return Ok(None);
        };
        let from: Mailbox = settings.from.parse().map_err(|_| {
            SmtpConfigError("invalid value for `smtp.from`: expected an address such as `tapid <it@example.com>`".into())
        })?;
        let builder = match settings.security {
            SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|_| SmtpConfigError(format!("invalid value for `smtp.host`: `{host}`")))?;
        let mut builder = builder
            .port(settings.port())
            .timeout(Some(Duration::from_secs(
                settings.timeout_seconds.get().into(),
            )));
        if let Some(tls) = tls_with_own_ca(settings, host)? {
            builder = builder.tls(tls);
        }
        match (&settings.user, &settings.password) {
            (Some(user), Some(password)) => {
                let password = sealer
                    .open(password.expose(), PASSWORD_CONTEXT)
                    .and_then(|p| String::from_utf8(p).ok())
                    .ok_or_else(|| {
                        SmtpConfigError(
                            "`smtp.password` is not sealed with this deployment's key; seal it with \
                             `tapid smtp seal-password`"
                                .into(),
                        )
                    })?;
                builder = builder.credentials(Credentials::new(user.clone(), password));
            }
            (None, None) => {}
            _ => {
                return Err(SmtpConfigError(
                    "`smtp.user` and `smtp.password` go together".into(),
                ));
            }
        }
        Ok(Some(Self {
            smtp: builder.build(),
            from,
        }))
    }

    /// Sends one message; the error is short and holds nothing of the message.
    pub async fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| "the recipient is not a valid address".to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| format!("the message cannot be built: {e}"))?;
        self.smtp
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }
}

fn describe(error: &lettre::transport::smtp::Error) -> String {
    if error.is_timeout() {
        "the SMTP server did not answer in time".into()
    } else if let Some(code) = error.status() {
        format!("the SMTP server refused the message ({code})")
    } else if error.is_tls() {
        "the TLS connection to the SMTP server failed".into()
    } else {
        "the SMTP server could not be reached".into()
    }
}
