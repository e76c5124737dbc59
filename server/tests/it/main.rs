#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Integration tests of the whole portal: one binary, modules by area. Every test that
//! touches the database runs twice, on a real SQLite file and on a real PostgreSQL
//! server (`POSTGRES_TEST_URL`, which `./dev test` starts).
mod support;

mod admin_access;
mod admin_audit;
mod admin_insights;
mod admin_policy;
mod admin_terms;
mod admin_users;
mod api_v1;
mod api_v1_admin;
mod api_v1_security;
mod cli;
mod config;
mod decoys;
mod delivery;
mod forms;
mod headers;
mod health;
mod i18n;
mod logs;
mod metrics;
mod passkeys;
mod password_policy;
mod pow;
mod recovery;
mod recovery_alike;
mod recovery_timing;
mod security_info;
mod signin;
mod store;
mod sweep;
mod temporary_password;
