//! Connections and streams: TLS, the h2 handshake with the configured settings, one task per
//! request.

use crate::answer::{self, Answer};
use crate::record::Record;
use crate::Options;
use bytes::Bytes;
use h2::server::SendResponse;
use h2::RecvStream;
use http::{Request, Response};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use tokio::net::TcpListener;

pub async fn accept_loop(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    options: Options,
    record: Arc<Record>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    while let Ok((sock, _)) = listener.accept().await {
        let _ = sock.set_nodelay(true);
        let (acceptor, options, record) = (acceptor.clone(), options.clone(), record.clone());
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(sock).await else {
                return;
            };
            let handshake = h2::server::Builder::new()
                .max_concurrent_streams(options.max_concurrent_streams)
                .initial_window_size(options.initial_window_size)
                .initial_connection_window_size(options.connection_window_size)
                .handshake::<_, Bytes>(tls)
                .await;
            let Ok(mut conn) = handshake else {
                return;
            };
            record.connections.fetch_add(1, Relaxed);
            while let Some(Ok((request, respond))) = conn.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let _ = handle(request, respond, &record).await;
                });
            }
        });
    }
}

async fn handle(
    request: Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
    record: &Record,
) -> Result<(), h2::Error> {
    let (parts, mut body) = request.into_parts();
    let mut body_len = 0;
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        body_len += chunk.len();
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    if !parts
        .headers
        .get("authorization")
        .is_some_and(|v| v.as_bytes().starts_with(b"bearer "))
    {
        record.without_authorization.fetch_add(1, Relaxed);
    }
    let path = parts.uri.path();
    let token = answer::token(path).unwrap_or(path);
    let apns_id = match parts.headers.get("apns-id") {
        Some(id) => id.clone(),
        None => {
            let n = record.apns_ids_generated.fetch_add(1, Relaxed);
            http::HeaderValue::from_str(&answer::apns_id(n)).expect("ASCII")
        }
    };
    let response = |status: u16| {
        Response::builder()
            .status(status)
            .header("apns-id", apns_id.clone())
            .body(())
            .expect("valid response")
    };
    match answer::answer(parts.method.as_str(), path, body_len) {
        Answer::Accepted => {
            record.accept(token);
            respond.send_response(response(200), true)?;
        }
        Answer::Rejected { status, reason } => {
            record.reject(token, status, reason);
            let mut stream = respond.send_response(response(status), false)?;
            let json = format!("{{\"reason\":\"{reason}\"}}");
            stream.send_data(Bytes::from(json), true)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::answer::{answer, apns_id, Answer};

    #[test]
    fn answers_like_apns() {
        let t = "3c".repeat(32);
        let path = format!("/3/device/{t}");
        assert_eq!(answer("POST", &path, 10), Answer::Accepted);
        let rejected = |status, reason| Answer::Rejected { status, reason };
        let bad = format!("/3/device/bd{}", "00".repeat(31));
        assert_eq!(answer("POST", &bad, 10), rejected(400, "BadDeviceToken"));
        assert_eq!(
            answer("POST", "/3/device/xyz0", 10),
            rejected(400, "BadDeviceToken")
        );
        assert_eq!(answer("POST", &path, 0), rejected(400, "PayloadEmpty"));
        assert_eq!(
            answer("POST", &path, 4097),
            rejected(413, "PayloadTooLarge")
        );
        assert_eq!(answer("GET", &path, 10), rejected(405, "MethodNotAllowed"));
        assert_eq!(answer("POST", "/2/device/00", 10), rejected(404, "BadPath"));
        assert_eq!(apns_id(7).len(), 36);
        assert_ne!(apns_id(7), apns_id(8));
    }
}
