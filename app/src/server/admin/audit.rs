//! The console's audit area, on the server.
