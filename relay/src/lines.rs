//! Turning a TCP byte stream into lines the way Spark's socket source reads
//! them: split on `\n`, drop a `\r` before it, decode invalid UTF-8 with
//! U+FFFD, and give back an unterminated last line at end of stream.
//!
//! A line longer than the limit is never held whole: once it passes the
//! limit its bytes are counted and dropped until the next `\n`.

/// What the splitter found in the bytes fed to it.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Line(String),
    /// A line of `len` bytes (without its `\r\n`) was skipped.
    TooLong {
        len: u64,
    },
}

pub struct LineSplitter {
    max: usize,
    /// Start of the current line, never longer than `max + 1` bytes (the
    /// extra byte is a `\r` that may turn out to precede `\n`).
    partial: Vec<u8>,
    /// Bytes of the current line when it is over the limit and being dropped.
    skipping: Option<u64>,
    /// While skipping: did the last byte seen end in `\r`?
    skipped_cr: bool,
}

impl LineSplitter {
    pub fn new(max_line_bytes: usize) -> Self {
        LineSplitter {
            max: max_line_bytes,
            partial: Vec::new(),
            skipping: None,
            skipped_cr: false,
        }
    }

    /// Split `buf`, appending what it completes to `out`.
    pub fn feed(&mut self, mut buf: &[u8], out: &mut Vec<Piece>) {
        while !buf.is_empty() {
            let (chunk, ended) = match memchr::memchr(b'\n', buf) {
                Some(i) => (&buf[..i], true),
                None => (buf, false),
            };
            buf = if ended { &buf[chunk.len() + 1..] } else { &[] };

            if let Some(n) = self.skipping.as_mut() {
                *n += chunk.len() as u64;
                if let Some(&last) = chunk.last() {
                    self.skipped_cr = last == b'\r';
                }
            } else if self.partial.is_empty() && ended && chunk.len() <= self.max + 1 {
                // Fast path: the whole line is in this read.
                push_line(chunk, self.max, out);
                continue;
            } else if self.partial.len() + chunk.len() <= self.max + 1 {
                self.partial.extend_from_slice(chunk);
            } else {
                self.skipping = Some((self.partial.len() + chunk.len()) as u64);
                self.skipped_cr = chunk.last().or(self.partial.last()) == Some(&b'\r');
                self.partial.clear();
            }
            if ended {
                self.end_line(out);
            }
        }
    }

    /// The stream ended: an unterminated last line still counts.
    pub fn finish(&mut self, out: &mut Vec<Piece>) {
        if self.skipping.is_some() || !self.partial.is_empty() {
            self.end_line(out);
        }
    }

    fn end_line(&mut self, out: &mut Vec<Piece>) {
        if let Some(n) = self.skipping.take() {
            // A `\r` before the `\n` is not part of the line.
            let len = n - u64::from(self.skipped_cr);
            out.push(Piece::TooLong { len });
        } else {
            push_line(&self.partial, self.max, out);
            self.partial.clear();
        }
    }
}

fn push_line(bytes: &[u8], max: usize, out: &mut Vec<Piece>) {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.len() > max {
        out.push(Piece::TooLong {
            len: bytes.len() as u64,
        });
    } else {
        out.push(Piece::Line(String::from_utf8_lossy(bytes).into_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(max: usize, chunks: &[&[u8]]) -> Vec<Piece> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, &mut out);
        }
        s.finish(&mut out);
        out
    }

    fn line(s: &str) -> Piece {
        Piece::Line(s.into())
    }

    #[test]
    fn lf_crlf_and_unterminated_last_line() {
        assert_eq!(
            split(100, &[b"a\nb\r\n\nc"]),
            vec![line("a"), line("b"), line(""), line("c")]
        );
    }

    #[test]
    fn lines_split_across_reads_even_mid_character() {
        // "é" is 0xC3 0xA9; split between the two reads.
        assert_eq!(
            split(100, &[b"h\xC3", b"\xA9llo\r", b"\nx\n"]),
            vec![line("héllo"), line("x")]
        );
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(split(100, &[b"a\xFFb\n"]), vec![line("a\u{FFFD}b")]);
    }

    #[test]
    fn too_long_lines_are_skipped_not_buffered() {
        let long = [b'x'; 25];
        let out = split(10, &[b"ok\n", &long[..12], &long[12..], b"\nafter\n"]);
        assert_eq!(
            out,
            vec![line("ok"), Piece::TooLong { len: 25 }, line("after")]
        );
        // Exactly at the limit is fine, with or without \r.
        let out = split(3, &[b"abc\r\nabcd\nabc\n"]);
        assert_eq!(
            out,
            vec![line("abc"), Piece::TooLong { len: 4 }, line("abc")]
        );
        // A too-long line in a single read, and one cut off by end of stream.
        assert_eq!(split(3, &[b"abcdefg\n"]), vec![Piece::TooLong { len: 7 }]);
        assert_eq!(split(3, &[b"abcdefg"]), vec![Piece::TooLong { len: 7 }]);
        assert_eq!(
            split(3, &[b"abcde", b"fg\r", b"\n"]),
            vec![Piece::TooLong { len: 7 }]
        );
    }
}
