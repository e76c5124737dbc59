//! Server functions, one per file, grouped by domain. Each has a stable URL under `/api`
//! and answers with [`crate::error::AppError`] on failure.
pub mod account;
pub mod auth;
pub mod dev;
pub mod site;
