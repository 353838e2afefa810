//! PySpark highlighting for the editor: a small Python tokenizer that
//! covers the whole text (so the highlighted layer lines up with the
//! textarea above it character for character).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Keyword,
    Constant,
    Builtin,
    String,
    Comment,
    Number,
    Call,
    Decorator,
}

impl Kind {
    pub fn class(self) -> &'static str {
        match self {
            Kind::Plain => "",
            Kind::Keyword => "tk-kw",
            Kind::Constant => "tk-const",
            Kind::Builtin => "tk-bi",
            Kind::String => "tk-str",
            Kind::Comment => "tk-com",
            Kind::Number => "tk-num",
            Kind::Call => "tk-call",
            Kind::Decorator => "tk-dec",
        }
    }
}

const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];
const CONSTANTS: &[&str] = &["True", "False", "None"];
const BUILTINS: &[&str] = &[
    "print",
    "len",
    "range",
    "str",
    "int",
    "float",
    "list",
    "dict",
    "tuple",
    "set",
    "spark",
    "SparkSession",
    "F",
    "col",
    "lit",
    "expr",
    "window",
    "split",
    "explode",
    "StructType",
    "StructField",
    "StringType",
    "IntegerType",
    "LongType",
    "DoubleType",
    "TimestampType",
];

/// Tokens covering `src` exactly, in order.
pub fn tokens<'a>(src: &'a str) -> Vec<(Kind, &'a str)> {
    let b = src.as_bytes();
    let mut out: Vec<(Kind, &str)> = Vec::new();
    let mut i = 0;
    let mut plain_from = 0;
    // Every slice boundary is at an ASCII byte or the end of the text.
    fn flush<'a>(out: &mut Vec<(Kind, &'a str)>, from: usize, to: usize, src: &'a str) {
        if to > from {
            out.push((Kind::Plain, &src[from..to]));
        }
    }
    let push = |out: &mut Vec<(Kind, &'a str)>,
                kind: Kind,
                from: usize,
                to: usize,
                plain_from: &mut usize| {
        flush(out, *plain_from, from, src);
        out.push((kind, &src[from..to]));
        *plain_from = to;
    };
    while i < b.len() {
        let c = b[i];
        if c == b'#' {
            let end = src[i..].find('\n').map(|n| i + n).unwrap_or(b.len());
            push(&mut out, Kind::Comment, i, end, &mut plain_from);
            i = end;
        } else if c == b'"' || c == b'\'' {
            let end = string_end(b, i);
            push(&mut out, Kind::String, i, end, &mut plain_from);
            i = end;
        } else if c.is_ascii_digit() && (i == 0 || !is_ident(b[i - 1])) {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_') {
                j += 1;
            }
            push(&mut out, Kind::Number, i, j, &mut plain_from);
            i = j;
        } else if c == b'@' && (i == 0 || b[i - 1] == b'\n' || b[i - 1] == b' ') {
            let mut j = i + 1;
            while j < b.len() && (is_ident(b[j]) || b[j] == b'.') {
                j += 1;
            }
            push(&mut out, Kind::Decorator, i, j, &mut plain_from);
            i = j;
        } else if is_ident_start(c) {
            let mut j = i + 1;
            while j < b.len() && is_ident(b[j]) {
                j += 1;
            }
            // String prefixes: r"..", f'..', b"..", rb"..".
            if j < b.len()
                && (b[j] == b'"' || b[j] == b'\'')
                && j - i <= 2
                && src[i..j].chars().all(|ch| "rRbBfFuU".contains(ch))
            {
                let end = string_end(b, j);
                push(&mut out, Kind::String, i, end, &mut plain_from);
                i = end;
                continue;
            }
            let word = &src[i..j];
            let mut k = j;
            while k < b.len() && b[k] == b' ' {
                k += 1;
            }
            let kind = if KEYWORDS.contains(&word) {
                Kind::Keyword
            } else if CONSTANTS.contains(&word) {
                Kind::Constant
            } else if BUILTINS.contains(&word) && !(i > 0 && b[i - 1] == b'.') {
                Kind::Builtin
            } else if k < b.len() && b[k] == b'(' {
                Kind::Call
            } else {
                Kind::Plain
            };
            if kind != Kind::Plain {
                push(&mut out, kind, i, j, &mut plain_from);
            }
            i = j;
        } else {
            // Any other byte, including the parts of a multi-byte character.
            i += 1;
        }
    }
    flush(&mut out, plain_from, b.len(), src);
    out
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// End (exclusive) of the string literal whose quote is at `i`.
fn string_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let triple = i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if j + 2 < b.len() && b[j + 1] == q && b[j + 2] == q {
                    return j + 3;
                }
                j += 1;
            }
            b'\n' if !triple => return j,
            _ => j += 1,
        }
    }
    b.len()
}

/// The on-screen column (0-based, tabs expanded to `tab` stops) of the
/// 1-based character column `col` of `line`.
pub fn visual_column(line: &str, col: u32, tab: usize) -> usize {
    let mut x = 0;
    for (n, ch) in line.chars().enumerate() {
        if n + 1 >= col as usize {
            break;
        }
        if ch == '\t' {
            x = (x / tab + 1) * tab;
        } else {
            x += 1;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_text() {
        let src = "from pyspark.sql import SparkSession  # hi\nq = df.writeStream.format(\"console\").option('port', 12345)\ns = \"\"\"a\nb\"\"\" + r'x' + 'ü'\n@udf\ndef f(x): return None\n'unterminated";
        let t = tokens(src);
        let joined: String = t.iter().map(|(_, s)| *s).collect();
        assert_eq!(joined, src);
        assert!(t.contains(&(Kind::Keyword, "from")));
        assert!(t.contains(&(Kind::String, "\"console\"")));
        assert!(t.contains(&(Kind::Number, "12345")));
        assert!(t.contains(&(Kind::Comment, "# hi")));
        assert!(t.contains(&(Kind::Call, "format")));
        assert!(t.contains(&(Kind::String, "\"\"\"a\nb\"\"\"")));
        assert!(t.contains(&(Kind::Constant, "None")));
    }

    #[test]
    fn columns() {
        assert_eq!(visual_column("\t.x", 2, 4), 4);
        assert_eq!(visual_column("abc", 3, 4), 2);
        assert_eq!(visual_column("abc", 1, 4), 0);
    }
}
