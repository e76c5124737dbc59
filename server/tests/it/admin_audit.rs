//! The console's audit area.
