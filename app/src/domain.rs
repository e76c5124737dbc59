//! Pure rules shared by the browser and the server. Nothing here reads the clock,
//! the network or the database: time comes in as a parameter.
#[cfg(test)]
mod bench;
pub mod codes;
pub mod console;
pub mod identifier;
pub mod lockout;
pub mod mask;
pub mod methods;
pub mod passkeys;
pub mod password;
pub mod policy;
pub mod pow;
pub mod recovery;
pub mod secret;
pub mod strength;
