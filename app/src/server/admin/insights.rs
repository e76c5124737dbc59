//! The console's insights area, on the server.
