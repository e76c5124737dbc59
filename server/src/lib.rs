//! Wiring only: configuration → store → migrations → router → serve, plus the operator
//! command line. Behaviour lives in the `app` crate.
pub mod cli;
pub mod config;
pub mod demo;
pub mod guard;
pub mod health;
pub mod metrics;
pub mod router;

pub use router::{route_list, router};
