//! Server-only code: storage, hashing, sessions, keys, audit, outbox delivery. Compiled only with `ssr`.
pub mod admin;
pub mod audit;
pub mod auth;
pub mod base32;
pub mod clock;
pub mod counters;
pub mod delivery;
pub mod hashing;
pub mod keys;
pub mod outbox;
pub mod passkey;
pub mod password;
pub mod phone;
pub mod pow;
pub mod recovery;
pub mod recovery_codes;
pub mod request;
pub mod sealed;
pub mod security_info;
pub mod session;
pub mod state;
pub mod store;
pub mod strength;
pub mod sweeper;
pub mod totp;

pub use state::{app_state, AppState};
