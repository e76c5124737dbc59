//! The console's terms area, on the server.
