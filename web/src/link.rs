//! Lab links: `#lab=NAME` (a built-in lab) and `#v1=DATA` (any lab, DATA =
//! base64url without padding of the raw DEFLATE of the lab's JSON), each
//! optionally followed by `&play` (replay the lab's steps on open).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use streamlab_engine::lab::Lab;

/// Largest lab JSON a link may inflate to.
const MAX_LAB_BYTES: usize = 8 << 20;

/// What the page's `#...` asks for.
#[derive(Clone, Debug)]
pub enum Target {
    /// No fragment (or one that is not ours, such as `#top`): the saved session.
    None,
    Builtin(String),
    Shared(Box<Lab>),
}

#[derive(Clone, Debug)]
pub struct Request {
    pub target: Target,
    pub play: bool,
}

/// Parses `location.hash`. `Err` carries the message the page shows.
pub fn parse_hash(hash: &str) -> Result<Request, String> {
    let h = hash.strip_prefix('#').unwrap_or(hash);
    if h.is_empty() {
        return Ok(Request {
            target: Target::None,
            play: false,
        });
    }
    let mut parts = h.split('&');
    let head = parts.next().unwrap_or("");
    let play = parts
        .clone()
        .any(|p| p == "play" || p == "play=1" || p == "play=true");
    let (key, value) = match head.split_once('=') {
        Some(kv) => kv,
        None => {
            if head == "play" {
                return Ok(Request {
                    target: Target::None,
                    play: false,
                });
            }
            return Ok(Request {
                target: Target::None,
                play: false,
            });
        }
    };
    match key {
        "lab" => {
            let name = percent_decode(value);
            if name.is_empty() {
                return Err("This link names no lab (#lab= is empty).".into());
            }
            Ok(Request { target: Target::Builtin(name), play })
        }
        "v1" => {
            let lab = decode_v1(value)?;
            Ok(Request { target: Target::Shared(Box::new(lab)), play })
        }
        k if k.len() >= 2 && k.starts_with('v') && k[1..].chars().all(|c| c.is_ascii_digit()) => Err(format!(
            "This link was made by another version of streamlab (format {k}); this page reads v1 links only."
        )),
        _ => Ok(Request { target: Target::None, play: false }),
    }
}

/// `#v1=` data for a lab.
pub fn encode_v1(lab: &Lab) -> String {
    let json = serde_json::to_string(&share_shape(lab)).unwrap_or_default();
    let packed = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9);
    URL_SAFE_NO_PAD.encode(packed)
}

/// The lab as a link carries it: without `expect`.
fn share_shape(lab: &Lab) -> Lab {
    let mut l = lab.clone();
    l.expect = None;
    l
}

pub fn decode_v1(data: &str) -> Result<Lab, String> {
    let lenient = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let data = percent_decode(data);
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = lenient.decode(cleaned.as_bytes()).map_err(|e| {
        format!("This lab link is broken: its data is not base64url ({e}). It may have been cut short when copied.")
    })?;
    let json = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_LAB_BYTES).map_err(|e| {
        format!(
            "This lab link is broken: its data does not unpack ({:?}). It may have been cut short when copied.",
            e.status
        )
    })?;
    let text = String::from_utf8(json)
        .map_err(|_| "This lab link is broken: it does not hold text.".to_string())?;
    let lab: Lab = serde_json::from_str(&text)
        .map_err(|e| format!("This lab link does not hold a lab: {e}."))?;
    Ok(lab)
}

/// `%XX` decoding for names typed into the address bar.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use streamlab_engine::lab::Step;

    fn lab() -> Lab {
        let mut lines = BTreeMap::new();
        lines.insert(
            "12345".to_string(),
            vec!["a b".to_string(), "ü ✓".to_string()],
        );
        Lab {
            name: "mine".into(),
            about: "x".into(),
            query: "print(1)\n".into(),
            steps: vec![Step {
                lines,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn round_trip() {
        let l = lab();
        let data = encode_v1(&l);
        assert!(!data.contains('=') && !data.contains('+') && !data.contains('/'));
        let r = parse_hash(&format!("#v1={data}&play")).unwrap();
        assert!(r.play);
        match r.target {
            Target::Shared(got) => {
                assert_eq!(got.query, l.query);
                assert_eq!(got.steps, l.steps);
                assert_eq!(got.name, "mine");
            }
            t => panic!("{t:?}"),
        }
    }

    #[test]
    fn builtin_and_foreign() {
        assert!(matches!(
            parse_hash("#lab=seed/read-from-socket").unwrap(),
            Request { target: Target::Builtin(n), play: false } if n == "seed/read-from-socket"
        ));
        assert!(matches!(
            parse_hash("#lab=seed%2Fx&play").unwrap(),
            Request { target: Target::Builtin(n), play: true } if n == "seed/x"
        ));
        assert!(parse_hash("#v2=abc").unwrap_err().contains("v1"));
        assert!(parse_hash("#v1=!!!").unwrap_err().contains("broken"));
        assert!(parse_hash("#v1=AAAA").is_err());
        assert!(matches!(parse_hash("").unwrap().target, Target::None));
        assert!(matches!(parse_hash("#top").unwrap().target, Target::None));
        let not_a_lab =
            URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(b"{\"x\":1}", 6));
        assert!(parse_hash(&format!("#v1={not_a_lab}"))
            .unwrap_err()
            .contains("does not hold a lab"));
    }
}
