//! streamlab relay: carries lines from TCP sockets (`nc`) to the streamlab
//! page over WebSockets, and serves the page.
//!
//! ```text
//!  nc -lk 12345  <--connect--  ┐
//!                              ├─ hub (per-source line logs) ── session ── /ws ── page
//!  nc localhost P --listen-->  ┘
//! ```
//!
//! Modules, one concept each: [`config`] (what to do), [`http`] (the
//! page's files and the `/ws` upgrade), [`files`] (those files, cached and
//! gzipped), [`protocol`] (JSON frames),
//! [`hub`] (line logs, fan-out, back-pressure), [`lines`] (bytes to lines),
//! [`tcp_listen`] and [`tcp_connect`] (the two ways lines come in),
//! [`session`] (one page).

pub mod config;
pub mod files;
pub mod http;
pub mod hub;
pub mod lines;
pub mod protocol;
pub mod session;
pub mod tcp_connect;
pub mod tcp_listen;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{Config, Limits};
pub use protocol::SourceStats;

/// A running relay. Dropping it stops it.
pub struct Relay {
    /// Where the page and `/ws` are served.
    pub addr: SocketAddr,
    /// The `--listen` ports, in the order given, after binding.
    pub listen_addrs: Vec<SocketAddr>,
    hub: Arc<hub::Hub>,
    tasks: Vec<JoinHandle<()>>,
}

impl Relay {
    /// `http://127.0.0.1:PORT/` (with `?token=` when one is set): what to open.
    pub fn url(&self) -> String {
        let host = match self.addr {
            SocketAddr::V4(a) if a.ip().is_unspecified() => format!("127.0.0.1:{}", a.port()),
            SocketAddr::V6(a) if a.ip().is_unspecified() => format!("[::1]:{}", a.port()),
            a => a.to_string(),
        };
        match &self.hub.config.token {
            Some(t) => format!("http://{host}/?token={t}"),
            None => format!("http://{host}/"),
        }
    }

    /// Counters for every source, e.g. to check memory stays bounded.
    pub fn stats(&self) -> Vec<SourceStats> {
        self.hub.stats()
    }

    /// Wait until the relay stops (it does not, unless its tasks fail).
    pub async fn wait(mut self) {
        if let Some(t) = self.tasks.pop() {
            let _ = t.await;
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.hub.shut();
    }
}

/// Bind every port and start serving. Fails (without serving anything) if
/// the configuration is invalid or a port cannot be bound.
pub async fn serve(config: Config) -> io::Result<Relay> {
    config
        .validate()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let web = TcpListener::bind((config.bind, config.port))
        .await
        .map_err(|e| bind_error(config.port, e))?;
    let addr = web.local_addr()?;
    let mut listeners = Vec::new();
    for &p in &config.listen {
        let l = TcpListener::bind((config.bind, p))
            .await
            .map_err(|e| bind_error(p, e))?;
        listeners.push(l);
    }

    let origins = config.allowed_origins(addr);
    let config = Arc::new(config);
    let hub = hub::Hub::new(config.clone());
    let mut tasks = Vec::new();
    let mut listen_addrs = Vec::new();
    for l in listeners {
        let a = l.local_addr()?;
        listen_addrs.push(a);
        let source = hub.add_listen(a.port());
        tasks.push(tokio::spawn(tcp_listen::run(l, source)));
    }

    let files = Arc::new(files::Files::default());
    {
        let (files, dir) = (files.clone(), config.static_dir.clone());
        tokio::task::spawn_blocking(move || files.warm(&dir));
    }
    let site = Arc::new(http::Site {
        hub: hub.clone(),
        static_dir: config.static_dir.clone(),
        origins,
        token: config.token.clone(),
        own_origin: format!("http://127.0.0.1:{}", addr.port()),
        files,
    });
    tasks.push(tokio::spawn(async move {
        loop {
            match web.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(http::handle(stream, site.clone()));
                }
                Err(e) => {
                    eprintln!("streamlab relay: accepting a page connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }));
    Ok(Relay {
        addr,
        listen_addrs,
        hub,
        tasks,
    })
}

fn bind_error(port: u16, e: io::Error) -> io::Error {
    let hint = if e.kind() == io::ErrorKind::AddrInUse {
        format!("port {port} is already in use (another relay or nc?); pick another")
    } else {
        format!("cannot open port {port}")
    };
    io::Error::new(e.kind(), format!("{hint}: {e}"))
}
