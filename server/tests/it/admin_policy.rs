//! The console's policy area.
