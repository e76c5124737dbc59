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

pub fn clear_cookie(secure: bool) -> String {
    let secure_attr = if secure { "; Secure" } else { "" };
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure_attr}",
        cookie_name(secure)
    )
}

/// The signed-in user of this request and the hash of their session, if any.
pub async fn current_session(
    state: &AppState,
    parts: &Parts,
) -> Result<Option<(User, String)>, AppError> {
    let Some(token) = cookie(parts, cookie_name(state.settings.secure_cookies())) else {
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
