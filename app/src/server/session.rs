//! Session cookies. The token is 256 random bits; only its SHA-256 is stored, so a
//! database leak yields no usable session.
use super::request::cookie;
use super::state::AppState;
use super::store::User;
use crate::error::AppError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::request::Parts;
use rand::RngCore;
use sha2::{Digest, Sha256};

const PLAIN_NAME: &str = "regain_session";
const HOST_NAME: &str = "__Host-regain_session";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_NAME
    } else {
        PLAIN_NAME
    }
}

/// A fresh token and the hash the database keeps.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    super::keys::hex(&Sha256::digest(token.as_bytes()))
}

pub fn set_cookie(token: &str, secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax{secure_attr}",
        cookie_name(secure)
    )
}

const TYPED_USER_ID: &str = "regain_typed_uid";
pub const CLEAR_TYPED_USER_ID: &str =
    "regain_typed_uid=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0";

/// What the user typed as user ID, kept five minutes for the sign-in form to show again.
/// Not a secret, but personal: HttpOnly, this path only, never sent cross-site.
pub fn typed_user_id_cookie(typed: &str) -> String {
    let value: String = typed
        .chars()
        .take(crate::domain::identifier::MAX_EMAIL_LEN)
        .flat_map(|c| {
            let mut buf = [0u8; 4];
            c.encode_utf8(&mut buf)
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"@.-_+".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    format!("{TYPED_USER_ID}={value}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=300")
}

/// The user ID typed before the last failed sign-in, if the browser still has it.
pub fn typed_user_id(parts: &Parts) -> Option<String> {
    let raw = cookie(parts, TYPED_USER_ID)?;
    let mut bytes = Vec::with_capacity(raw.len());
    let mut iter = raw.bytes();
    while let Some(b) = iter.next() {
        if b == b'%' {
            let hex: String = iter.by_ref().take(2).map(char::from).collect();
            bytes.push(u8::from_str_radix(&hex, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok().filter(|s| !s.is_empty())
}

pub fn clear_cookie(secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure_attr}",
        cookie_name(secure)
    )
}

/// A native client's session token: `Authorization: Bearer …` (the JSON API). A browser
/// never sends one to another site without that site's consent (CORS), which Regain
/// never gives, so it needs no same-origin check; cookies keep theirs.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The signed-in user of this request and the hash of their session, if any.
pub async fn current_session(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(User, String)>, AppError> {
    let Some(token) =
        bearer(parts).or_else(|| cookie(parts, cookie_name(state.settings.secure_cookies())))
    else {
        return Ok(None);
    };
    let hash = token_hash(token);
    let now = state.now();
    let Some(session) = state
        .store
        .use_session(&hash, state.settings.sessions, now)
        .await?
    else {
        return Ok(None);
    };
    let user = state.store.find_user(session.user_id).await?;
    Ok(user
        .filter(|u| u.status == super::store::UserStatus::Active)
        .map(|u| (u, hash)))
}

/// The signed-in user of the current server-function call, with their session's hash and
/// the request, or `NotSignedIn`.
pub async fn require_user(state: &AppState) -> Result<(User, String, Parts), AppError> {
    let parts = super::request::current_parts().ok_or(AppError::Internal)?;
    let (user, hash) = current_session(state, &parts)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    Ok((user, hash, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_user_id_round_trips_through_its_cookie() {
        for typed in [
            "anna@example.com",
            "Anna Rossi; x=1",
            "李伟@例子.中国",
            "a%b",
        ] {
            let set = typed_user_id_cookie(typed);
            let pair = set.split(';').next().unwrap().to_owned();
            let (parts, _) = http::Request::builder()
                .header("cookie", pair)
                .body(())
                .unwrap()
                .into_parts();
            assert_eq!(typed_user_id(&parts).as_deref(), Some(typed));
        }
    }
}
