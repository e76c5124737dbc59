//! The console's users area.
