//! Text messages through an HTTP gateway: a JSON POST of `{"to", "text", "id"}` to
//! `sms_gateway_url`, signed so the gateway knows it came from us and is fresh:
//! `X-Regain-Timestamp: <unix seconds>` and
//! `X-Regain-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`.
//! Any 2xx answer means accepted; a JSON answer with a string `id` is kept as the
//! provider id. The outbox id in `id` lets the gateway drop a resend after a crash.
use super::{Outgoing, SendFuture, Transport, TransportError};
use crate::domain::secret::SecretString;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

pub const TIMESTAMP_HEADER: &str = "X-Regain-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Regain-Signature";

/// Larger gateway answers are not read: only the id is wanted.
const MAX_ANSWER_BYTES: usize = 4 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsConfigError {
    #[error("sms_gateway_url must be an https:// URL (http:// only for a loopback host)")]
    Url,
    #[error("sms_gateway_secret is required with sms_gateway_url, at least 16 characters")]
    Secret,
    #[error("the HTTP client could not be built")]
    Client,
}

/// `sha256=<hex>` over `"<timestamp>." + body`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch cannot run.
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Checks a gateway URL: https, or http to this machine (development, tests).
pub fn parse_gateway_url(text: &str) -> Result<reqwest::Url, SmsConfigError> {
    let url = reqwest::Url::parse(text).map_err(|_| SmsConfigError::Url)?;
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if super::smtp::is_loopback(host) => Ok(url),
        _ => Err(SmsConfigError::Url),
    }
}

pub struct SmsGateway {
    client: reqwest::Client,
    url: reqwest::Url,
    secret: SecretString,
}

impl SmsGateway {
    pub fn new(
        url: reqwest::Url,
        secret: SecretString,
        timeout: Duration,
    ) -> Result<Self, SmsConfigError> {
        if secret.expose().chars().count() < 16 {
            return Err(SmsConfigError::Secret);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            // A redirect would carry the message and its signature somewhere unconfigured.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| SmsConfigError::Client)?;
        Ok(Self {
            client,
            url,
            secret,
        })
    }
}

#[derive(serde::Serialize)]
struct Request<'a> {
    to: &'a str,
    text: &'a str,
    id: String,
}

impl Transport for SmsGateway {
    fn send<'a>(&'a self, message: &'a Outgoing, now: i64) -> SendFuture<'a> {
        Box::pin(async move {
            let body = serde_json::to_vec(&Request {
                to: &message.recipient,
                text: &message.body,
                id: message.id.to_string(),
            })
            .map_err(|_| TransportError::permanent("encoding the request failed"))?;
            let signature = signature(self.secret.expose().as_bytes(), now, &body);
            let mut answer = self
                .client
                .post(self.url.clone())
                .header("content-type", "application/json")
                .header(TIMESTAMP_HEADER, now.to_string())
                .header(SIGNATURE_HEADER, signature)
                .body(body)
                .send()
                .await
                // Without the URL: an operator may have put a token in it.
                .map_err(|e| {
                    TransportError::transient(format!("sms gateway: {}", e.without_url()))
                })?;
            let status = answer.status();
            if !status.is_success() {
                let detail = format!("sms gateway answered {}", status.as_u16());
                let retry =
                    status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429;
                return Err(if retry {
                    TransportError::transient(detail)
                } else {
                    TransportError::permanent(detail)
                });
            }
            let mut bytes = Vec::new();
            while let Ok(Some(chunk)) = answer.chunk().await {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > MAX_ANSWER_BYTES {
                    return Ok(None);
                }
            }
            Ok(serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_owned)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_computation() {
        // echo -n '1800000000.{"to":"+39","text":"hi","id":"1"}' |
        //   openssl dgst -sha256 -hmac 'a-secret-of-16-chars'
        let body = br#"{"to":"+39","text":"hi","id":"1"}"#;
        assert_eq!(
            signature(b"a-secret-of-16-chars", 1_800_000_000, body),
            "sha256=4f17e53efb045ada111a892a6919e5709c61ec876a35ef490c5423f7cdcefb03"
        );
    }

    #[test]
    fn gateway_urls() {
        assert!(parse_gateway_url("https://sms.example.com/send").is_ok());
        assert!(parse_gateway_url("http://127.0.0.1:8080/send").is_ok());
        assert!(parse_gateway_url("http://[::1]:8080/send").is_ok());
        assert_eq!(
            parse_gateway_url("http://sms.example.com/send"),
            Err(SmsConfigError::Url)
        );
        assert_eq!(
            parse_gateway_url("ftp://sms.example.com"),
            Err(SmsConfigError::Url)
        );
        assert_eq!(parse_gateway_url("not a url"), Err(SmsConfigError::Url));
    }

    #[test]
    fn a_short_secret_is_refused() {
        let url = parse_gateway_url("https://sms.example.com").unwrap();
        let short = SmsGateway::new(url, SecretString::new("short"), Duration::from_secs(5));
        assert!(matches!(short, Err(SmsConfigError::Secret)));
    }
}
