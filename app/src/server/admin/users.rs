//! The console's users area, on the server.
