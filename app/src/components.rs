//! Pieces shared by the pages.
pub mod form_error;
pub mod layout;
pub mod new_password;

pub use form_error::FormError;
pub use layout::Layout;
pub use new_password::NewPasswordFields;
