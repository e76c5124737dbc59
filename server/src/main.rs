//! `regain`: the portal's one binary (server and operator commands).
#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::cli::main().await
}
