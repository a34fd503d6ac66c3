//! A server that answers every request with a counter, and a client that
//! asks it once: the shape of a typical tokio + hyper program.
use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Client, Request, Response, Server, StatusCode};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Mutex;

struct State {
    hits: AtomicUsize,
    log: Mutex<Vec<String>>,
}

async fn handle(state: Arc<State>, req: Request<Body>) -> Result<Response<Body>, Infallible> {
    let n = state.hits.fetch_add(1, Ordering::SeqCst);
    state.log.lock().await.push(req.uri().path().to_string());
    let body = hyper::body::to_bytes(req.into_body()).await.unwrap_or_default();
    let mut resp = Response::new(Body::from(format!("{} {}", n, body.len())));
    *resp.status_mut() = StatusCode::OK;
    Ok(resp)
}

async fn ask(addr: SocketAddr) -> hyper::Result<String> {
    let client = Client::new();
    let uri = format!("http://{}/x", addr).parse().expect("uri");
    let resp = client.get(uri).await?;
    let bytes = hyper::body::to_bytes(resp.into_body()).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[tokio::main]
async fn main() {
    let state = Arc::new(State { hits: AtomicUsize::new(0), log: Mutex::new(Vec::new()) });
    let make = make_service_fn(move |_conn| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(service_fn(move |req| handle(state.clone(), req))) }
    });
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = Server::bind(&addr).serve(make);
    let local = server.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.with_graceful_shutdown(async {
        rx.await.ok();
    }));
    match tokio::time::timeout(std::time::Duration::from_secs(5), ask(local)).await {
        Ok(Ok(text)) => println!("{}", text),
        Ok(Err(e)) => eprintln!("client: {}", e),
        Err(_) => eprintln!("timeout"),
    }
    let _ = tx.send(());
    let _ = task.await;
}
