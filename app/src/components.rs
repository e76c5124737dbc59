//! Pieces shared by the pages.
pub mod form_error;
pub mod layout;

pub use form_error::FormError;
pub use layout::Layout;
