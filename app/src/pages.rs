//! One module per screen.
pub mod account;
pub mod admin;
pub mod change_password;
pub mod login;
pub mod mailbox;
pub mod not_found;
pub mod recover;
pub mod security;
