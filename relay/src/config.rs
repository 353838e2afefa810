//! What the relay was asked to do: addresses, limits and the security policy.
//!
//! `main.rs` fills this from the command line; tests build it directly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Everything `serve` needs. `Config::default()` is what `streamlab-relay`
/// runs with when given no flags (except the port: 0 here, 8000 on the CLI).
#[derive(Clone, Debug)]
pub struct Config {
    /// Address for the page, `/ws` and every `--listen` port.
    pub bind: IpAddr,
    /// Port for the page and `/ws`; 0 picks a free one.
    pub port: u16,
    /// Directory holding the built page (`index.html` at its top).
    pub static_dir: PathBuf,
    /// TCP ports that `nc localhost P` can write lines into; 0 picks a free one.
    pub listen: Vec<u16>,
    /// Extra origins (e.g. `http://myhost:8000`) allowed to open `/ws`.
    pub allow_origins: Vec<String>,
    /// Extra `HOST:PORT` targets the page may ask the relay to connect to.
    pub allow_connect: Vec<String>,
    /// When set, `/ws?token=...` must carry it.
    pub token: Option<String>,
    pub limits: Limits,
    /// How long a connect source stays open after its last page left, so a
    /// reloaded page resumes instead of losing the connection.
    pub linger: Duration,
}

/// Bounds that keep memory flat whatever the writers and pages do.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A longer line is refused with an error frame and skipped.
    pub max_line_bytes: usize,
    /// Lines kept per source (unacknowledged + replay history).
    pub buffer_lines: usize,
    /// Bytes of line text kept per source.
    pub buffer_bytes: usize,
    /// Lines sent to one subscription and not yet acknowledged.
    pub window_lines: usize,
    /// Most lines in one `lines` frame.
    pub batch_lines: usize,
    /// Most bytes of line text in one `lines` frame (a single longer line
    /// still goes alone).
    pub batch_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 1 << 20,
            buffer_lines: 100_000,
            buffer_bytes: 16 << 20,
            window_lines: 10_000,
            batch_lines: 1_000,
            batch_bytes: 256 << 10,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            static_dir: PathBuf::from("dist"),
            listen: Vec::new(),
            allow_origins: Vec::new(),
            allow_connect: Vec::new(),
            token: None,
            limits: Limits::default(),
            linger: Duration::from_secs(30),
        }
    }
}

impl Config {
    /// Refuse settings that would make the relay misbehave, in plain words.
    pub fn validate(&self) -> Result<(), String> {
        let l = &self.limits;
        if l.max_line_bytes == 0 {
            return Err("--max-line-bytes must be at least 1".into());
        }
        if l.buffer_bytes < l.max_line_bytes {
            return Err(format!(
                "--buffer-bytes ({}) must be at least --max-line-bytes ({}), or a long line could never be buffered",
                l.buffer_bytes, l.max_line_bytes
            ));
        }
        if l.window_lines == 0 || l.buffer_lines == 0 || l.batch_lines == 0 {
            return Err("--window-lines and --buffer-lines must be at least 1".into());
        }
        if l.window_lines > l.buffer_lines {
            return Err(format!(
                "--window-lines ({}) must not exceed --buffer-lines ({})",
                l.window_lines, l.buffer_lines
            ));
        }
        for o in &self.allow_origins {
            if !(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with('/') {
                return Err(format!(
                    "--allow-origin {o:?} is not an origin; write it like http://myhost:8000 (scheme, host, port, no path)"
                ));
            }
        }
        for t in &self.allow_connect {
            if split_host_port(t).is_none() {
                return Err(format!("--allow-connect {t:?} must look like HOST:PORT"));
            }
        }
        let mut seen = Vec::new();
        for &p in &self.listen {
            if p != 0 && (seen.contains(&p) || p == self.port) {
                return Err(format!("port {p} is given twice"));
            }
            seen.push(p);
        }
        Ok(())
    }

    /// Origins allowed to open `/ws` once the relay is bound to `addr`: the
    /// relay's own origin in every spelling a browser may use, plus
    /// `--allow-origin`. The request's Host header is deliberately not
    /// trusted: under DNS rebinding it names the attacker's site.
    pub fn allowed_origins(&self, addr: SocketAddr) -> Vec<String> {
        let port = addr.port();
        let mut out = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ];
        let ip = addr.ip();
        if !ip.is_unspecified() && !ip.is_loopback() {
            out.push(match ip {
                IpAddr::V4(v4) => format!("http://{v4}:{port}"),
                IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
            });
        }
        out.extend(self.allow_origins.iter().map(|o| o.to_ascii_lowercase()));
        out
    }

    /// May the page make the relay connect to `host:port`? Loopback only,
    /// unless `--allow-connect` names the exact target: otherwise any web
    /// page could use the relay to reach the user's network.
    pub fn connect_allowed(&self, host: &str, port: u16) -> bool {
        if is_loopback_host(host) {
            return true;
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.allow_connect.iter().any(|t| {
            split_host_port(t).is_some_and(|(h, p)| {
                h.trim_start_matches('[')
                    .trim_end_matches(']')
                    .eq_ignore_ascii_case(host)
                    && p == port
            })
        })
    }
}

/// `localhost`, 127.0.0.0/8 and ::1 (with or without brackets).
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `host:port`, `[v6]:port` -> (host, port).
pub fn split_host_port(s: &str) -> Option<(&str, u16)> {
    let (h, p) = s.rsplit_once(':')?;
    let port = p.parse().ok()?;
    (!h.is_empty()).then_some((h, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_only_unless_allowed() {
        let mut c = Config::default();
        for h in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "[::1]",
        ] {
            assert!(c.connect_allowed(h, 9999), "{h}");
        }
        for h in [
            "0.0.0.0",
            "10.0.0.1",
            "example.com",
            "localhost.evil.com",
            "::",
            "",
        ] {
            assert!(!c.connect_allowed(h, 9999), "{h}");
        }
        c.allow_connect = vec!["Example.com:9999".into(), "[fe80::1]:7".into()];
        assert!(c.connect_allowed("example.com", 9999));
        assert!(!c.connect_allowed("example.com", 9998));
        assert!(c.connect_allowed("fe80::1", 7));
        assert!(c.validate().is_ok());
    }

    #[test]
    fn own_origins() {
        let c = Config::default();
        let o = c.allowed_origins("127.0.0.1:8000".parse().unwrap());
        assert!(o.contains(&"http://localhost:8000".to_string()));
        assert!(o.contains(&"http://127.0.0.1:8000".to_string()));
        assert!(!o.iter().any(|x| x.contains("8001")));
    }

    #[test]
    fn validation_speaks_plainly() {
        let c = Config {
            allow_origins: vec!["http://x:1/".into()],
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("--allow-origin"));
        let mut c = Config::default();
        c.limits.buffer_bytes = 10;
        assert!(c.validate().unwrap_err().contains("--buffer-bytes"));
    }
}
