//! Connect mode: the relay dials `host:port` like Spark's socket source
//! does, where the user runs `nc -lk PORT`, and reads lines until the
//! connection ends. Every outcome becomes a status the page can show.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::hub::Source;
use crate::protocol::State;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection attempt and, if it works, the reading that follows.
/// The page asks again (`retry`, or a new `subscribe`) for another.
pub async fn run(source: Arc<Source>) {
    let (host, port) = (source.key.host.clone(), source.key.port);
    let hint = if crate::config::is_loopback_host(&host) {
        format!("Run: nc -lk {port} — then retry.")
    } else {
        format!("Run nc -lk {port} on {host}, then retry.")
    };
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, dial(&host, port)).await {
        Err(_) => {
            let msg = format!(
                "Connecting to {host}:{port} timed out after {} s. {hint}",
                CONNECT_TIMEOUT.as_secs()
            );
            return source.end_connect(State::Error, msg);
        }
        Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
            let msg = format!("Nothing is listening on {host}:{port}. {hint}");
            return source.end_connect(State::Refused, msg);
        }
        Ok(Err(e)) => {
            let msg = format!("Could not connect to {host}:{port}: {e}. {hint}");
            return source.end_connect(State::Error, msg);
        }
        Ok(Ok(s)) => s,
    };
    source.set_status(
        State::Connected,
        format!("Connected to {host}:{port}. Lines typed into nc -lk {port} arrive here."),
    );
    match source.read_from(stream).await {
        Ok(()) => source.end_connect(
            State::Closed,
            format!("{host}:{port} closed the connection (did nc stop?). {hint}"),
        ),
        Err(e) => source.end_connect(
            State::Error,
            format!("The connection to {host}:{port} was lost: {e}. {hint}"),
        ),
    }
}

/// `localhost` is dialled as 127.0.0.1 then ::1, without asking the
/// resolver, so /etc/hosts cannot point it elsewhere. Other names were
/// allowed by `--allow-connect` and resolve normally.
async fn dial(host: &str, port: u16) -> io::Result<TcpStream> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        let v4 = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
        let v6 = SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port);
        return match TcpStream::connect(v4).await {
            Ok(s) => Ok(s),
            Err(e4) => TcpStream::connect(v6).await.map_err(|_| e4),
        };
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return TcpStream::connect(SocketAddr::new(ip, port)).await;
    }
    TcpStream::connect((bare, port)).await
}
