//! Listen mode: `--listen P` opens TCP port P so `nc localhost P` (or
//! `tail -f app.log | nc localhost P`) can write lines. Several writers may
//! be connected at once; their lines interleave whole, never mid-line.

use std::sync::Arc;

use tokio::net::TcpListener;

use crate::hub::Source;
use crate::protocol::State;

/// Accept writers forever.
pub async fn run(listener: TcpListener, source: Arc<Source>) {
    let port = source.key.port;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait, don't spin.
                eprintln!("streamlab relay: accepting on port {port}: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let source = source.clone();
        tokio::spawn(async move {
            let n = source.add_writer(1);
            source.set_status(
                State::Listening,
                format!("A writer connected to port {port} from {peer} ({n} connected)."),
            );
            let result = source.read_from(stream).await;
            let n = source.add_writer(-1);
            let how = match result {
                Ok(()) => "disconnected".to_string(),
                Err(e) => format!("was cut off ({e})"),
            };
            source.set_status(
                State::Listening,
                format!("The writer from {peer} {how}; still listening on port {port} ({n} connected). Feed it with: nc localhost {port}"),
            );
        });
    }
}
