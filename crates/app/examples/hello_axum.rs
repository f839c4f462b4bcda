//! The reference for `docs/PERFORMANCE.md`: the smallest axum server, on the same runtime settings as
//! `kindling serve`, so the cost of Kindling's own work per request can be read off beside it.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8081".into());
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    eprintln!("listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await
}
