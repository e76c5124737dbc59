//! Mail through an SMTP server (lettre, rustls).
//!
//! `smtp_url` takes three forms; user and password are optional and percent-encoded:
//! - `smtps://user:pass@host[:465]` — TLS from the first byte (implicit TLS);
//! - `smtp://user:pass@host[:587]` — STARTTLS, required (also `?tls=starttls`): a server
//!   that doesn't offer it gets neither credentials nor mail;
//! - `smtp://host:port?tls=none` — no encryption, allowed only for a loopback host (a
//!   relay on the same machine, or the test server).
use super::{html, Outgoing, SendFuture, Transport, TransportError, PRODUCT_NAME};
use crate::domain::secret::SecretString;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::fmt;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Implicit TLS (`smtps://`).
    Tls,
    /// Plain connection upgraded with STARTTLS, which must succeed.
    StartTls,
    /// No encryption: loopback hosts only.
    None,
}

#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "(redacted)"))
            .finish()
    }
}

/// Why `smtp_url` or `mail_from` was refused. Never quotes the value: it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("smtp_url is not a valid URL")]
    Invalid,
    #[error("smtp_url must start with smtp:// or smtps://")]
    Scheme,
    #[error("smtp_url needs a host")]
    Host,
    #[error("smtp_url: tls must be starttls or none (and nothing with smtps://)")]
    TlsValue,
    #[error("smtp_url: tls=none is allowed only for a loopback host")]
    PlainNotLoopback,
    #[error("smtp_url: unknown parameter `{0}`")]
    Parameter(String),
    #[error("smtp_url: user name or password is not valid percent-encoded UTF-8")]
    Credentials,
    #[error("mail_from must be an address such as `Regain <no-reply@example.com>`")]
    From,
    #[error("smtp_url: {0}")]
    Tls(String),
}

impl SmtpSettings {
    pub fn parse(text: &str) -> Result<Self, SmtpConfigError> {
        let url = url::Url::parse(text).map_err(|_| SmtpConfigError::Invalid)?;
        let implicit_tls = match url.scheme() {
            "smtps" => true,
            "smtp" => false,
            _ => return Err(SmtpConfigError::Scheme),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(SmtpConfigError::Host)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut security = if implicit_tls {
            Security::Tls
        } else {
            Security::StartTls
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit_tls) {
                ("tls", "starttls", false) => security = Security::StartTls,
                ("tls", "none", false) => security = Security::None,
                ("tls", _, _) => return Err(SmtpConfigError::TlsValue),
                (other, _, _) => return Err(SmtpConfigError::Parameter(other.to_owned())),
            }
        }
        // In the clear, only to this machine: credentials and codes must not cross a network.
        if security == Security::None && !is_loopback(&host) {
            return Err(SmtpConfigError::PlainNotLoopback);
        }
        let port = url.port().unwrap_or(match security {
            Security::Tls => 465,
            Security::StartTls => 587,
            Security::None => 25,
        });
        let username = Some(decode(url.username())?).filter(|u| !u.is_empty());
        let password = url
            .password()
            .map(decode)
            .transpose()?
            .map(SecretString::new);
        Ok(Self {
            host,
            port,
            security,
            username,
            password,
        })
    }
}

/// `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn decode(text: &str) -> Result<String, SmtpConfigError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or(SmtpConfigError::Credentials)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| SmtpConfigError::Credentials)?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SmtpConfigError::Credentials)
}

/// Parses `mail_from` (`Name <address>` or a bare address).
pub fn parse_from(text: &str) -> Result<Mailbox, SmtpConfigError> {
    text.parse().map_err(|_| SmtpConfigError::From)
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `timeout` bounds each SMTP command; the worker bounds the whole attempt too.
    pub fn new(
        settings: &SmtpSettings,
        from: Mailbox,
        timeout: Duration,
    ) -> Result<Self, SmtpConfigError> {
        let tls_error = |e: lettre::transport::smtp::Error| SmtpConfigError::Tls(e.to_string());
        let builder = match settings.security {
            Security::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(tls_error)?
            }
            Security::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(tls_error)?
            }
            Security::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.as_str())
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(timeout));
        if let Some(user) = &settings.username {
            let password = settings.password.as_ref().map(|p| p.expose().to_owned());
            builder =
                builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    fn build(&self, message: &Outgoing) -> Result<Message, TransportError> {
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|_| TransportError::permanent("the recipient address is not valid"))?;
        let html = html::render(
            PRODUCT_NAME,
            &message.locale,
            &message.subject,
            &message.body,
        );
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .message_id(Some(message_id(message, self.from.email.domain())))
            .multipart(MultiPart::alternative_plain_html(
                message.body.clone(),
                html,
            ))
            .map_err(|e| TransportError::permanent(format!("building the mail: {e}")))
    }
}

/// The same for every attempt at one outbox row, so a receiver can drop the duplicate
/// that a crash between "accepted" and "recorded as sent" causes. The creation time keeps
/// ids apart across databases whose row ids restart.
pub fn message_id(message: &Outgoing, domain: &str) -> String {
    format!("<outbox.{}.{}@{domain}>", message.id, message.created_at)
}

impl Transport for SmtpMailer {
    fn send<'a>(&'a self, message: &'a Outgoing, _now: i64) -> SendFuture<'a> {
        Box::pin(async move {
            let mail = self.build(message)?;
            match self.transport.send(mail).await {
                Ok(response) => Ok(Some(response.message().collect::<Vec<_>>().join(" "))),
                // lettre's text is the server's reply or the I/O error: never our
                // credentials or the mail.
                Err(e) if e.is_permanent() => Err(TransportError::permanent(format!("smtp: {e}"))),
                Err(e) => Err(TransportError::transient(format!("smtp: {e}"))),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        let s = SmtpSettings::parse("smtps://mailer:p%40ss%3Aw@mail.example.com").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("mail.example.com", 465, Security::Tls)
        );
        assert_eq!(s.username.as_deref(), Some("mailer"));
        assert_eq!(s.password.as_ref().map(|p| p.expose()), Some("p@ss:w"));

        let s = SmtpSettings::parse("smtp://mail.example.com").unwrap();
        assert_eq!(
            (s.port, s.security, s.username.clone()),
            (587, Security::StartTls, None)
        );
        let s = SmtpSettings::parse("smtp://u@mail.example.com:2525?tls=starttls").unwrap();
        assert_eq!((s.port, s.security), (2525, Security::StartTls));
        assert_eq!(
            (s.username.as_deref(), s.password.is_none()),
            (Some("u"), true)
        );

        let s = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security),
            ("127.0.0.1", 2525, Security::None)
        );
        assert!(SmtpSettings::parse("smtp://localhost?tls=none").is_ok());
        assert_eq!(
            SmtpSettings::parse("smtp://[::1]:25?tls=none")
                .unwrap()
                .host,
            "::1"
        );
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        use SmtpConfigError as E;
        assert_eq!(SmtpSettings::parse("mail.example.com"), Err(E::Invalid));
        assert_eq!(
            SmtpSettings::parse("http://mail.example.com"),
            Err(E::Scheme)
        );
        assert_eq!(
            SmtpSettings::parse("smtp://mail.example.com?tls=none"),
            Err(E::PlainNotLoopback)
        );
        assert_eq!(
            SmtpSettings::parse("smtp://10.0.0.1?tls=none"),
            Err(E::PlainNotLoopback)
        );
        assert_eq!(
            SmtpSettings::parse("smtps://mail.example.com?tls=none"),
            Err(E::TlsValue)
        );
        assert_eq!(
            SmtpSettings::parse("smtp://mail.example.com?tls=yes"),
            Err(E::TlsValue)
        );
        assert_eq!(
            SmtpSettings::parse("smtp://mail.example.com?pool=1"),
            Err(E::Parameter("pool".into()))
        );
        assert_eq!(
            SmtpSettings::parse("smtp://u:%ZZ@mail.example.com"),
            Err(E::Credentials)
        );
    }

    #[test]
    fn neither_errors_nor_debug_show_the_password() {
        let s = SmtpSettings::parse("smtps://mailer:hunter2secret@mail.example.com").unwrap();
        assert!(!format!("{s:?}").contains("hunter2secret"));
        let e = SmtpSettings::parse("smtp://mailer:hunter2secret@mail.example.com?tls=none");
        assert!(!e.unwrap_err().to_string().contains("hunter2secret"));
    }

    #[test]
    fn message_ids_are_stable_per_row() {
        let m = Outgoing {
            id: 42,
            created_at: 1_800_000_000,
            channel: "email".into(),
            recipient: "a@example.com".into(),
            locale: "en".into(),
            subject: "s".into(),
            body: "b".into(),
        };
        assert_eq!(
            message_id(&m, "example.org"),
            "<outbox.42.1800000000@example.org>"
        );
    }
}
