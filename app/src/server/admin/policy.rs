//! The console's policy area, on the server.
