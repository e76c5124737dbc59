//! Pieces shared by the pages.
pub mod form_error;
pub mod layout;
pub mod new_password;
pub mod passkey;
pub mod proof_of_work;

pub use form_error::FormError;
pub use layout::Layout;
pub use new_password::NewPasswordFields;
pub use proof_of_work::ProofOfWork;
