//! The dependent's own reqwest clients, built the usual ways, make a plain
//! HTTP call to a loopback server, with upheal-provider-users in the build.

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

#[tokio::main]
async fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                .await;
        }
    });
    let url = format!("http://{address}/health");
    // Both used to panic with "No rustls crypto provider is configured".
    let clients = [
        reqwest::Client::new(),
        reqwest::Client::builder().build().unwrap(),
    ];
    for client in clients {
        let body = client.get(&url).send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "ok");
    }
    // And the crate's own client builds beside them.
    upheal_provider_users::Client::builder()
        .api_key("key")
        .build()
        .unwrap();
    println!("downstream with a TLS-less reqwest: plain HTTP calls work");
}
