//! The console's terms area.
