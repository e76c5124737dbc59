//! The shapes the administrators' console passes from the server to its pages, and the
//! rules that read its forms: shared by the server functions (`api::admin`), the server
//! code that fills them (`server::admin`) and the pages.
pub mod audit;
pub mod insights;
pub mod terms;
pub mod users;
