//! The console's insights area.
