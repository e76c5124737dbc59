//! Authorization of the console, and proof that no route or server function lets anyone
//! change another user's password or answers.
