//! Texts shared across layers: words and sentences that more than one layer shows (a page
//! and a CSV export, a page and a form's error line). Below every other layer but the
//! domain: it reads translations and domain types, nothing else.
pub mod audit;
pub mod errors;
pub mod methods;
pub mod policy;
