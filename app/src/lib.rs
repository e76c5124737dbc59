//! Regain: the Leptos application. Pages, server functions and the pure domain rules
//! that both the browser (wasm) and the server need. Server-only code lives in
//! [`server`] behind the `ssr` feature, so sqlx and argon2 never reach the wasm.
#![recursion_limit = "256"]

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

pub mod api;
pub mod components;
pub mod domain;
pub mod error;
#[cfg(test)]
mod layers;
pub mod pages;
pub mod routes;
mod shell;
pub mod texts;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "ssr")]
pub use shell::page_csp;
pub use shell::{shell, App};
