//! The page's files as the relay serves them: read once, kept in memory
//! with a gzip encoding (the page's WebAssembly shrinks to about a
//! quarter) and an ETag, and read again when a file changes on disk (a
//! rebuild while the relay runs).
//!
//! Compression happens here, with `flate2`, rather than at build time, so
//! that a fresh checkout needs no extra tool and `dist/` holds only what
//! the build writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use flate2::write::GzEncoder;
use flate2::Compression;

/// Files above this are streamed from disk as they are (not cached).
pub const MAX_CACHED: u64 = 64 << 20;
/// Smaller files are not worth compressing.
const MIN_COMPRESS: usize = 512;

/// One file, ready to send.
pub struct Entry {
    pub plain: Vec<u8>,
    /// The gzip encoding, when the type compresses and it came out smaller.
    pub gzip: Option<Vec<u8>>,
    /// Strong ETag of the plain bytes (quoted); the gzip encoding's is
    /// the same with `-gz` before the closing quote.
    pub etag: String,
    pub content_type: &'static str,
    stamp: Stamp,
}

impl Entry {
    pub fn gzip_etag(&self) -> String {
        format!("{}-gz\"", self.etag.trim_end_matches('"'))
    }
}

/// What tells a file changed: its size and modification time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

/// The cache, keyed by canonical path.
#[derive(Default)]
pub struct Files {
    cache: Mutex<HashMap<PathBuf, Arc<Entry>>>,
    /// Held while a file is read and compressed: a request that comes
    /// during the startup warm-up waits for it instead of compressing the
    /// same file a second time.
    loading: Mutex<()>,
}

impl Files {
    /// The file at `path` (canonical, checked to be inside the static
    /// directory), from the cache if it did not change. None when it
    /// cannot be read or is too large to keep (stream it instead).
    pub async fn get(self: &Arc<Self>, path: &Path) -> Option<Arc<Entry>> {
        let meta = tokio::fs::metadata(path).await.ok()?;
        if !meta.is_file() || meta.len() > MAX_CACHED {
            return None;
        }
        let stamp = Stamp::of(&meta);
        if let Some(e) = self.cache.lock().ok()?.get(path) {
            if e.stamp == stamp {
                return Some(e.clone());
            }
        }
        let me = self.clone();
        let p = path.to_path_buf();
        tokio::task::spawn_blocking(move || me.load(&p))
            .await
            .ok()
            .flatten()
    }

    /// Reads and compresses one file now (blocking) and caches it.
    fn load(&self, path: &Path) -> Option<Arc<Entry>> {
        let _one = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        let meta = std::fs::metadata(path).ok()?;
        let stamp = Stamp::of(&meta);
        if let Some(e) = self.cache.lock().ok()?.get(path) {
            if e.stamp == stamp {
                return Some(e.clone());
            }
        }
        let plain = std::fs::read(path).ok()?;
        // The file may have changed between the two looks; the stamp then
        // is stale and the next request reads it again.
        let content_type = content_type(path);
        let gzip = if compressible(content_type) && plain.len() >= MIN_COMPRESS {
            gzip(&plain).filter(|z| z.len() < plain.len())
        } else {
            None
        };
        let etag = format!("\"{:016x}-{:x}\"", fnv1a(&plain), plain.len());
        let entry = Arc::new(Entry {
            plain,
            gzip,
            etag,
            content_type,
            stamp,
        });
        if let Ok(mut c) = self.cache.lock() {
            c.insert(path.to_path_buf(), entry.clone());
        }
        Some(entry)
    }

    /// Loads every file under `dir` (at startup, so the first page load
    /// does not wait for the compression).
    pub fn warm(&self, dir: &Path) {
        let Ok(root) = dir.canonicalize() else { return };
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(p) = e.path().canonicalize() else {
                    continue;
                };
                if !p.starts_with(&root) {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else if p.metadata().is_ok_and(|m| m.len() <= MAX_CACHED) {
                    self.load(&p);
                }
            }
        }
    }
}

fn gzip(data: &[u8]) -> Option<Vec<u8>> {
    let mut z = GzEncoder::new(Vec::with_capacity(data.len() / 3), Compression::best());
    z.write_all(data).ok()?;
    z.finish().ok()
}

/// FNV-1a, 64 bits: enough to tell versions of a file apart.
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn compressible(ctype: &str) -> bool {
    ctype.starts_with("text/")
        || matches!(
            ctype,
            "application/wasm" | "application/json" | "image/svg+xml" | "application/octet-stream"
        )
}

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "py" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip`, `x-gzip` or
/// `*`, with a q-value above 0; an explicit `gzip;q=0` refuses it).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().unwrap_or(0.0))
            })
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => return q > 0.0,
            "*" => star = Some(q > 0.0),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

/// Whether an `If-None-Match` value names `etag` (weak comparison, as
/// RFC 9110 asks for this header; `*` matches any).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip("gzip, deflate, br, zstd"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
        assert!(accepts_gzip("*"));
        assert!(accepts_gzip("X-GZIP"));
        assert!(!accepts_gzip(""));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip("br"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("gzip;q=0, *"));
        assert!(!accepts_gzip("*;q=0"));
    }

    #[test]
    fn etags() {
        assert!(none_match("\"abc\"", "\"abc\""));
        assert!(none_match("W/\"abc\"", "\"abc\""));
        assert!(none_match("\"x\", \"abc\"", "\"abc\""));
        assert!(none_match("*", "\"abc\""));
        assert!(!none_match("\"abd\"", "\"abc\""));
    }
}
