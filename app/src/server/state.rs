//! The one state every handler and server function shares.
use super::clock::Clock;
use super::hashing::PasswordHasher;
use super::keys::Keys;
use super::pow::PowSettings;
use super::store::sessions::SessionLimits;
use super::store::Store;
use crate::error::AppError;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Settings that shape behaviour at run time (read once from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Development mode: demo data and the development mailbox exist only then.
    pub dev: bool,
    /// The public base URL, e.g. `https://regain.example.com`. Links in messages are
    /// built from it, never from request headers.
    pub public_url: String,
    pub sessions: SessionLimits,
    /// Limits and timing of self-service recovery.
    pub recovery: super::recovery::limits::RecoveryLimits,
    /// How hard the anti-bot proof of work is.
    pub pow: PowSettings,
    /// What a scraper of `/metrics` from elsewhere than this machine must send as its
    /// bearer token; without one, only loopback requests are answered.
    pub metrics_token: Option<crate::domain::secret::SecretString>,
}

impl Settings {
    /// Cookies get `Secure` and the `__Host-` prefix when the portal is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub hasher: PasswordHasher,
    pub keys: Arc<Keys>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}

/// The state, from inside a server function or a server-rendered component.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
