//! Spark's JSON source (`spark.read.json`, `spark.readStream.json`), JSON
//! Lines by default: one JSON value per line.
//!
//! The parser is Jackson as Spark configures it, not serde_json: Spark reads
//! single-quoted strings (`{'a':1}`), `NaN`/`Infinity`/`+INF`/`-INF`
//! numbers, keeps a number's exact text (a decimal column rounds the text
//! `1.255`, a string column gets `1.50` as written) and copies nested values
//! into string columns as their raw text; it refuses leading zeros, `+1`,
//! `.5`, `1.`, unquoted names, comments, trailing commas and raw control
//! characters in strings.
//!
//! What Spark 4.0.1 does, checked with pyspark:
//! - The value at the start of a line is read and whatever follows it on
//!   the line is ignored (the seed's lines end in `},`). Blank lines give no
//!   row. A line that is not JSON, or a JSON scalar, gives a row of NULLs; a
//!   top-level array of objects gives one row per object (`[]` gives none).
//! - Field names match case-sensitively; the last of repeated keys wins;
//!   missing fields are NULL.
//! - A field whose value does not fit its type is NULL, the rest of the row
//!   is kept (the record counts as malformed for DROPMALFORMED, FAILFAST and
//!   `_corrupt_record`). Integers must be JSON integers in range (`"5"`,
//!   `5.0` are NULL; a tinyint takes -128..255 like Jackson, 200 reading as
//!   -56); floating point columns take numbers and the strings `NaN`,
//!   `Infinity`, `+Infinity`, `+INF`, `-Infinity`, `-INF`; booleans only
//!   `true`/`false`; decimals numbers or numeric strings (`,` removed),
//!   rounded half up; dates and timestamps strings parsed as casts (or with
//!   `dateFormat`/`timestampFormat`), timestamps also integer seconds; a
//!   string column takes any value, non-strings as their JSON text.
//! - In arrays and maps a bad element makes the whole array or map NULL,
//!   except a struct element with a bad field, which is kept with that field
//!   NULL; structs nest the same way.
//! - A line with invalid UTF-8 in what is read is malformed.

use std::borrow::Cow;
use std::collections::HashMap;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Fields, Schema, TimeUnit};

use super::csv::corrupt_only_error;
use super::{
    java_parse_long, malformed_record, parse_date_value, parse_timestamp_value, split_lines, strip_bom, BigDec, Cell, Mode,
    ReadOptions, RowSink, CORRUPT_RECORD,
};
use crate::error::{EngineError, Result};
use crate::types;
use crate::zone::SessionZone;

// ---------------------------------------------------------------------------
// Parsing

/// A parsed JSON value, keeping the text Spark needs.
#[derive(Debug, PartialEq)]
enum JVal<'a> {
    Null,
    Bool(bool),
    /// A number as written; `int` when Jackson sees an integer token
    /// (no fraction, no exponent). `NaN` and the infinities are non-int.
    Num { text: &'a str, int: bool },
    Str(Cow<'a, str>),
    /// Elements and the raw text of the whole array.
    Arr(Vec<JVal<'a>>, &'a str),
    /// Members and the raw text of the whole object.
    Obj(Vec<(Cow<'a, str>, JVal<'a>)>, &'a str),
}

/// Jackson's default nesting limit.
const MAX_DEPTH: u32 = 1000;
/// Jackson's default limit on a number's length.
const MAX_NUMBER_LEN: usize = 1000;

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> Parser<'a> {
        Parser { s, b: s.as_bytes(), pos: 0, depth: 0 }
    }

    fn ws(&mut self) {
        while self.pos < self.b.len() && matches!(self.b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn value(&mut self) -> Option<JVal<'a>> {
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' | b'\'' => self.string().map(JVal::Str),
            b't' => self.literal("true", JVal::Bool(true)),
            b'f' => self.literal("false", JVal::Bool(false)),
            b'n' => self.literal("null", JVal::Null),
            b'N' => self.special("NaN"),
            b'I' => self.special("Infinity"),
            b'+' => self.special("+Infinity").or_else(|| self.special("+INF")),
            b'-' if self.b.get(self.pos + 1) == Some(&b'I') => {
                self.special("-Infinity").or_else(|| self.special("-INF"))
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A keyword, not followed by more identifier characters.
    fn keyword(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        if self.b[self.pos..].starts_with(word.as_bytes())
            && !matches!(self.b.get(end), Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, v: JVal<'a>) -> Option<JVal<'a>> {
        self.keyword(word).then_some(v)
    }

    fn special(&mut self, word: &'static str) -> Option<JVal<'a>> {
        self.keyword(word).then_some(JVal::Num { text: word, int: false })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<JVal<'a>> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        let mut int = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
            int = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
            int = false;
        }
        if self.pos - start > MAX_NUMBER_LEN {
            return None;
        }
        Some(JVal::Num { text: &self.s[start..self.pos], int })
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(h, 16).ok()
    }

    /// A string in double or single quotes (the current byte).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let q = self.b[self.pos];
        self.pos += 1;
        let start = self.pos;
        loop {
            let c = *self.b.get(self.pos)?;
            if c == q {
                let s = &self.s[start..self.pos];
                self.pos += 1;
                return Some(Cow::Borrowed(s));
            }
            if c == b'\\' {
                break;
            }
            if c < 0x20 {
                return None;
            }
            self.pos += 1;
        }
        let mut out = String::from(&self.s[start..self.pos]);
        loop {
            let c = *self.b.get(self.pos)?;
            if c == q {
                self.pos += 1;
                return Some(Cow::Owned(out));
            }
            if c < 0x20 {
                return None;
            }
            if c == b'\\' {
                self.pos += 1;
                let e = *self.b.get(self.pos)?;
                self.pos += 1;
                match e {
                    b'"' => out.push('"'),
                    b'\\' => out.push('\\'),
                    b'/' => out.push('/'),
                    b'\'' => out.push('\''),
                    b'b' => out.push('\u{8}'),
                    b'f' => out.push('\u{c}'),
                    b'n' => out.push('\n'),
                    b'r' => out.push('\r'),
                    b't' => out.push('\t'),
                    b'u' => {
                        let u = self.hex4()?;
                        if (0xD800..0xDC00).contains(&u) {
                            // a high surrogate: a pair, or a lone one
                            let save = self.pos;
                            if self.b[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                match self.hex4() {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        let cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                        out.push(char::from_u32(cp).unwrap_or('?'));
                                        continue;
                                    }
                                    _ => self.pos = save,
                                }
                            }
                            // Java writes a lone surrogate to UTF-8 as '?'
                            out.push('?');
                        } else {
                            out.push(char::from_u32(u).unwrap_or('?'));
                        }
                    }
                    _ => return None,
                }
                continue;
            }
            let run = self.pos;
            while self.pos < self.b.len() {
                let c = self.b[self.pos];
                if c == q || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.s[run..self.pos]);
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn object(&mut self) -> Option<JVal<'a>> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut fields = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                if !matches!(self.peek()?, b'"' | b'\'') {
                    return None;
                }
                let k = self.string()?;
                self.ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                self.ws();
                let v = self.value()?;
                fields.push((k, v));
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.ws();
                    }
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(JVal::Obj(fields, &self.s[start..self.pos]))
    }

    fn array(&mut self) -> Option<JVal<'a>> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.pos += 1;
                        self.ws();
                    }
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(JVal::Arr(items, &self.s[start..self.pos]))
    }
}

/// What one record (line) holds.
enum Parsed<'a> {
    /// Blank: no row.
    Blank,
    /// Not JSON.
    Bad,
    Value(JVal<'a>),
}

/// Parses the value at the start of `text`; `truncated` when invalid UTF-8
/// followed `text` in the record (reading into it is an error).
fn parse_record(text: &str, truncated: bool) -> Parsed<'_> {
    let mut p = Parser::new(text);
    p.ws();
    if p.pos >= text.len() {
        return if truncated { Parsed::Bad } else { Parsed::Blank };
    }
    match p.value() {
        Some(v) => Parsed::Value(v),
        None => Parsed::Bad,
    }
}

/// Runs `f(record text, parsed)` over the records of a file: each line, or
/// the whole file with `multi_line`.
fn for_each_record(bytes: &[u8], multi_line: bool, mut f: impl FnMut(&str, Parsed) -> Result<()>) -> Result<()> {
    let bytes = strip_bom(bytes);
    let mut one = |rec: &[u8]| -> Result<()> {
        match std::str::from_utf8(rec) {
            Ok(s) => f(s, parse_record(s, false)),
            Err(e) => {
                // Jackson fails on invalid UTF-8 only where it reads.
                let valid = std::str::from_utf8(&rec[..e.valid_up_to()]).unwrap_or("");
                let raw = String::from_utf8_lossy(rec);
                f(&raw, parse_record(valid, true))
            }
        }
    };
    if multi_line {
        return one(bytes);
    }
    match std::str::from_utf8(bytes) {
        // the common case: the whole file is valid
        Ok(text) => {
            for (s, e) in split_lines(bytes) {
                let line = &text[s..e];
                f(line, parse_record(line, false))?;
            }
            Ok(())
        }
        Err(_) => {
            for (s, e) in split_lines(bytes) {
                one(&bytes[s..e])?;
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Reading with a schema

enum Conv {
    Null,
    Str,
    Bool,
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
    Dec(u8, i8),
    Date,
    Ts { utc: bool },
    List(Box<Conv>),
    Struct(StructConv),
    Map(Box<Conv>),
}

struct StructConv {
    index: HashMap<String, usize>,
    convs: Vec<Conv>,
}

impl StructConv {
    fn new(fields: &Fields, skip: Option<usize>) -> Result<StructConv> {
        let mut index = HashMap::with_capacity(fields.len());
        let mut convs = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            convs.push(if Some(i) == skip { Conv::Null } else { conv_for(f.data_type())? });
            if Some(i) != skip {
                // the first of repeated names, as Spark's fieldIndex
                index.entry(f.name().clone()).or_insert(i);
            }
        }
        Ok(StructConv { index, convs })
    }
}

fn conv_for(dt: &DataType) -> Result<Conv> {
    Ok(match dt {
        DataType::Null => Conv::Null,
        DataType::Utf8 => Conv::Str,
        DataType::Boolean => Conv::Bool,
        DataType::Int8 => Conv::I8,
        DataType::Int16 => Conv::I16,
        DataType::Int32 => Conv::I32,
        DataType::Int64 => Conv::I64,
        DataType::Float32 => Conv::F32,
        DataType::Float64 => Conv::F64,
        DataType::Decimal128(p, s) => Conv::Dec(*p, *s),
        DataType::Date32 => Conv::Date,
        DataType::Timestamp(TimeUnit::Microsecond, tz) => Conv::Ts { utc: tz.is_some() },
        DataType::List(f) => Conv::List(Box::new(conv_for(f.data_type())?)),
        DataType::Struct(fs) => Conv::Struct(StructConv::new(fs, None)?),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 && kv[0].data_type() == &DataType::Utf8 => {
                Conv::Map(Box::new(conv_for(kv[1].data_type())?))
            }
            _ => return Err(EngineError::unsupported(format!("reading JSON into {}", types::sql_name(dt)))),
        },
        other => return Err(EngineError::unsupported(format!("reading JSON into {}", types::sql_name(other)))),
    })
}

struct Cx<'o> {
    zone: &'o SessionZone,
    date_format: Option<&'o str>,
    timestamp_format: Option<&'o str>,
}

/// Why a value did not convert: outright, or only in part (a struct with
/// bad fields, or an array/map holding such structs), keeping the part.
enum Bad<'a> {
    Fail,
    Partial(Cell<'a>),
}

fn float_token(text: &str) -> Option<f64> {
    Some(match text {
        "NaN" => f64::NAN,
        "Infinity" | "+Infinity" | "+INF" => f64::INFINITY,
        "-Infinity" | "-INF" => f64::NEG_INFINITY,
        _ => text.parse::<f64>().ok()?,
    })
}

/// The strings Spark reads into float and double columns.
fn float_string(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+INF" | "+Infinity" | "Infinity" => Some(f64::INFINITY),
        "-INF" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn convert<'a>(v: &JVal<'a>, conv: &Conv, cx: &Cx) -> Result<Cell<'a>, Bad<'a>> {
    use Bad::Fail;
    if matches!(v, JVal::Null) {
        return Ok(Cell::Null);
    }
    let int_token = |v: &JVal| -> Result<i64, Bad<'a>> {
        match v {
            JVal::Num { text, int: true } => text.parse::<i64>().map_err(|_| Fail),
            _ => Err(Fail),
        }
    };
    let in_range = |x: i64, lo: i64, hi: i64| if (lo..=hi).contains(&x) { Ok(Cell::Int(x)) } else { Err(Fail) };
    match conv {
        Conv::Null => Ok(Cell::Null),
        Conv::Str => Ok(Cell::Str(match v {
            JVal::Str(s) => s.clone(),
            JVal::Num { text, .. } => Cow::Borrowed(text),
            JVal::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            JVal::Arr(_, raw) | JVal::Obj(_, raw) => Cow::Borrowed(raw),
            JVal::Null => return Ok(Cell::Null),
        })),
        Conv::Bool => match v {
            JVal::Bool(b) => Ok(Cell::Bool(*b)),
            _ => Err(Fail),
        },
        // Jackson's getByteValue takes -128..255 (unsigned bytes wrap).
        Conv::I8 => int_token(v).and_then(|x| in_range(x, -128, 255)).map(|c| match c {
            Cell::Int(x) => Cell::Int(x as u8 as i8 as i64),
            c => c,
        }),
        Conv::I16 => int_token(v).and_then(|x| in_range(x, i16::MIN as i64, i16::MAX as i64)),
        Conv::I32 => int_token(v).and_then(|x| in_range(x, i32::MIN as i64, i32::MAX as i64)),
        Conv::I64 => int_token(v).map(Cell::Int),
        Conv::F64 => match v {
            JVal::Num { text, .. } => float_token(text).map(Cell::F64).ok_or(Fail),
            JVal::Str(s) => float_string(s).map(Cell::F64).ok_or(Fail),
            _ => Err(Fail),
        },
        Conv::F32 => match v {
            JVal::Num { text, .. } => match float_token(text) {
                Some(x) if x.is_finite() => text.parse::<f32>().map(Cell::F32).map_err(|_| Fail),
                Some(x) => Ok(Cell::F32(x as f32)),
                None => Err(Fail),
            },
            JVal::Str(s) => float_string(s).map(|x| Cell::F32(x as f32)).ok_or(Fail),
            _ => Err(Fail),
        },
        Conv::Dec(p, s) => {
            let d = match v {
                JVal::Num { text, .. } => BigDec::parse(text).and_then(|d| d.to_decimal(*p, *s)),
                JVal::Str(t) => {
                    let cleaned = t.replace(',', "");
                    BigDec::parse(&cleaned).and_then(|d| d.to_decimal(*p, *s))
                }
                _ => None,
            };
            d.map(Cell::Dec).ok_or(Fail)
        }
        Conv::Date => match v {
            JVal::Str(t) if !t.is_empty() => match parse_date_value(t, cx.date_format) {
                Some(d) => Ok(Cell::Date(d)),
                // Spark 1.5 stored days since the epoch as text; still read
                None if cx.date_format.is_none() => java_parse_long(t)
                    .and_then(|d| i32::try_from(d).ok())
                    .map(Cell::Date)
                    .ok_or(Fail),
                None => Err(Fail),
            },
            _ => Err(Fail),
        },
        Conv::Ts { utc } => match v {
            JVal::Str(t) if !t.is_empty() => {
                parse_timestamp_value(t, cx.timestamp_format, cx.zone, *utc).map(Cell::Ts).ok_or(Fail)
            }
            // integer seconds; Spark multiplies without overflow checks
            JVal::Num { text, int: true } if *utc => {
                text.parse::<i64>().map(|x| Cell::Ts(x.wrapping_mul(1_000_000))).map_err(|_| Fail)
            }
            _ => Err(Fail),
        },
        Conv::List(elem) => match v {
            JVal::Arr(items, _) => {
                let mut out = Vec::with_capacity(items.len());
                let mut partial = false;
                for it in items {
                    match convert(it, elem, cx) {
                        Ok(c) => out.push(c),
                        Err(Bad::Partial(c)) => {
                            out.push(c);
                            partial = true;
                        }
                        Err(Fail) => return Err(Fail),
                    }
                }
                if partial {
                    Err(Bad::Partial(Cell::List(out)))
                } else {
                    Ok(Cell::List(out))
                }
            }
            _ => Err(Fail),
        },
        Conv::Map(val) => match v {
            JVal::Obj(members, _) => {
                let mut out = Vec::with_capacity(members.len());
                let mut partial = false;
                for (k, it) in members {
                    match convert(it, val, cx) {
                        Ok(c) => out.push((k.clone(), c)),
                        Err(Bad::Partial(c)) => {
                            out.push((k.clone(), c));
                            partial = true;
                        }
                        Err(Fail) => return Err(Fail),
                    }
                }
                if partial {
                    Err(Bad::Partial(Cell::Map(out)))
                } else {
                    Ok(Cell::Map(out))
                }
            }
            _ => Err(Fail),
        },
        Conv::Struct(sc) => convert_struct(v, sc, cx),
    }
}

fn convert_struct<'a>(v: &JVal<'a>, sc: &StructConv, cx: &Cx) -> Result<Cell<'a>, Bad<'a>> {
    let JVal::Obj(members, _) = v else { return Err(Bad::Fail) };
    let mut cells = vec![Cell::Null; sc.convs.len()];
    let mut bad = false;
    for (k, it) in members {
        let Some(&i) = sc.index.get(k.as_ref()) else { continue };
        match convert(it, &sc.convs[i], cx) {
            Ok(c) => cells[i] = c,
            Err(Bad::Partial(c)) => {
                cells[i] = c;
                bad = true;
            }
            Err(Bad::Fail) => {
                cells[i] = Cell::Null;
                bad = true;
            }
        }
    }
    if bad {
        Err(Bad::Partial(Cell::Struct(cells)))
    } else {
        Ok(Cell::Struct(cells))
    }
}

/// The rows of one record, and whether it is malformed; None when the
/// record fails as a whole.
fn record_rows<'a>(v: &JVal<'a>, root: &StructConv, cx: &Cx) -> Option<(Vec<Vec<Cell<'a>>>, bool)> {
    let one = |v: &JVal<'a>| -> Option<(Vec<Cell<'a>>, bool)> {
        match convert_struct(v, root, cx) {
            Ok(Cell::Struct(c)) => Some((c, false)),
            Err(Bad::Partial(Cell::Struct(c))) => Some((c, true)),
            _ => None,
        }
    };
    match v {
        JVal::Obj(..) => one(v).map(|(c, bad)| (vec![c], bad)),
        // a top-level array: one row per object
        JVal::Arr(items, _) => {
            let mut rows = Vec::with_capacity(items.len());
            let mut bad = false;
            for it in items {
                if !matches!(it, JVal::Obj(..)) {
                    return None;
                }
                let (c, b) = one(it)?;
                rows.push(c);
                bad |= b;
            }
            Some((rows, bad))
        }
        _ => None,
    }
}

/// Reads one JSON Lines file (or, with `multiLine`, one JSON document).
/// Without a schema, the schema is [`infer_json_schema`] over this file.
pub fn read_json(bytes: &[u8], schema: Option<&Schema>, opts: &ReadOptions, zone: &SessionZone) -> Result<RecordBatch> {
    let inferred;
    let schema = match schema {
        Some(s) => s,
        None => {
            inferred = infer_json_schema(&[bytes], opts)?;
            &inferred
        }
    };
    let mut sink = RowSink::new(schema, opts.mode, (bytes.len() / 64).min(1 << 16))?;
    let root = StructConv::new(schema.fields(), sink.corrupt)?;
    if sink.corrupt.is_some() && schema.fields().len() == 1 {
        return Err(corrupt_only_error());
    }
    let width = sink.width();
    let cx = Cx { zone, date_format: opts.date_format.as_deref(), timestamp_format: opts.timestamp_format.as_deref() };
    for_each_record(bytes, opts.multi_line, |raw, parsed| {
        let v = match parsed {
            Parsed::Blank => return Ok(()),
            Parsed::Bad => None,
            Parsed::Value(v) => Some(v),
        };
        match v.as_ref().and_then(|v| record_rows(v, &root, &cx)) {
            Some((mut rows, bad)) => sink.push(&mut rows, bad, raw),
            None => sink.push(&mut [vec![Cell::Null; width]], true, raw),
        }
    })?;
    sink.finish()
}

// ---------------------------------------------------------------------------
// Schema inference (Spark's JsonInferSchema)

#[derive(Clone, Debug, PartialEq, Default)]
enum Ty {
    #[default]
    Null,
    Bool,
    Long,
    Double,
    Dec(u8, i8),
    Str,
    Arr(Box<Ty>),
    /// Fields sorted by name (stable; repeated names kept).
    Struct(Vec<(String, Ty)>),
}

fn infer_value(v: &JVal) -> Ty {
    match v {
        JVal::Null => Ty::Null,
        JVal::Bool(_) => Ty::Bool,
        JVal::Str(_) => Ty::Str,
        JVal::Num { text, int: true } => {
            if text.parse::<i64>().is_ok() {
                Ty::Long
            } else {
                // Jackson's BIG_INTEGER: a decimal when it fits
                let digits = text.trim_start_matches('-').len();
                if digits <= 38 {
                    Ty::Dec(digits as u8, 0)
                } else {
                    Ty::Double
                }
            }
        }
        JVal::Num { .. } => Ty::Double,
        JVal::Arr(items, _) => Ty::Arr(Box::new(items.iter().fold(Ty::Null, |acc, it| compatible(acc, infer_value(it))))),
        JVal::Obj(members, _) => {
            let mut fields: Vec<(String, Ty)> = members.iter().map(|(k, v)| (k.to_string(), infer_value(v))).collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Ty::Struct(fields)
        }
    }
}

fn merge_decimals(p1: u8, s1: i8, p2: u8, s2: i8) -> Ty {
    let scale = s1.max(s2) as i32;
    let range = (p1 as i32 - s1 as i32).max(p2 as i32 - s2 as i32);
    if range + scale > 38 {
        Ty::Double
    } else {
        Ty::Dec((range + scale) as u8, scale as i8)
    }
}

fn compatible(a: Ty, b: Ty) -> Ty {
    use Ty::*;
    if a == b {
        return a;
    }
    match (a, b) {
        (Null, x) | (x, Null) => x,
        (Long, Double) | (Double, Long) => Double,
        (Long, Dec(p, s)) | (Dec(p, s), Long) => merge_decimals(20, 0, p, s),
        (Double, Dec(..)) | (Dec(..), Double) => Double,
        (Dec(p1, s1), Dec(p2, s2)) => merge_decimals(p1, s1, p2, s2),
        (Arr(x), Arr(y)) => Arr(Box::new(compatible(*x, *y))),
        (Struct(f1), Struct(f2)) => {
            // both sorted: merge
            let mut out = Vec::with_capacity(f1.len().max(f2.len()));
            let mut i1 = f1.into_iter().peekable();
            let mut i2 = f2.into_iter().peekable();
            loop {
                let ord = match (i1.peek(), i2.peek()) {
                    (Some(a), Some(b)) => a.0.cmp(&b.0),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => break,
                };
                match ord {
                    std::cmp::Ordering::Equal => {
                        let (n, t1) = i1.next().unwrap_or_default();
                        let (_, t2) = i2.next().unwrap_or_default();
                        out.push((n, compatible(t1, t2)));
                    }
                    std::cmp::Ordering::Less => out.extend(i1.next()),
                    std::cmp::Ordering::Greater => out.extend(i2.next()),
                }
            }
            Struct(out)
        }
        _ => Str,
    }
}

fn with_corrupt(fields: Vec<(String, Ty)>, other: &Ty, mode: Mode) -> Result<Ty> {
    match mode {
        Mode::Permissive => {
            let mut fields = fields;
            if !fields.iter().any(|(n, _)| n == CORRUPT_RECORD) {
                fields.push((CORRUPT_RECORD.to_string(), Ty::Str));
                fields.sort_by(|a, b| a.0.cmp(&b.0));
            }
            Ok(Ty::Struct(fields))
        }
        Mode::DropMalformed => Ok(Ty::Struct(fields)),
        Mode::FailFast => Err(EngineError::execution(
            "INVALID_JSON_RECORD_TYPE",
            format!(
                "Detected an invalid type of a JSON record while inferring a common schema in the mode FAILFAST. Expected a STRUCT type, but found \"{}\".",
                canonical(other.clone()).map(|t| types::sql_name(&t)).unwrap_or_else(|| "STRING".into())
            ),
            "22023",
        )),
    }
}

/// How records' types combine at the top level (Spark's
/// `compatibleRootType`): arrays stand for their elements, nulls are
/// dropped, and anything but an object makes a corrupt record.
fn compatible_root(a: Ty, b: Ty, mode: Mode) -> Result<Ty> {
    Ok(match (a, b) {
        (Ty::Arr(e), b) => compatible_root(*e, b, mode)?,
        (a, Ty::Arr(e)) => compatible_root(a, *e, mode)?,
        (s @ Ty::Struct(_), Ty::Null) | (Ty::Null, s @ Ty::Struct(_)) => s,
        (Ty::Struct(f), o) | (o, Ty::Struct(f)) if !matches!(o, Ty::Struct(_)) => with_corrupt(f, &o, mode)?,
        (a, b) => compatible(a, b),
    })
}

/// Nulls become strings; empty structs, and fields with blank names, go.
fn canonical(t: Ty) -> Option<DataType> {
    Some(match t {
        Ty::Null | Ty::Str => DataType::Utf8,
        Ty::Bool => DataType::Boolean,
        Ty::Long => DataType::Int64,
        Ty::Double => DataType::Float64,
        Ty::Dec(p, s) => DataType::Decimal128(p, s),
        Ty::Arr(e) => types::array_of(canonical(*e)?),
        Ty::Struct(fields) => {
            let fs: Vec<(String, DataType)> = fields
                .into_iter()
                .filter(|(n, _)| !super::java_trim(n).is_empty())
                .filter_map(|(n, t)| canonical(t).map(|d| (n, d)))
                .collect();
            if fs.is_empty() {
                return None;
            }
            types::struct_of(fs)
        }
    })
}

/// Spark refuses names repeated ignoring case, at any struct level.
fn check_duplicates(fields: &Fields) -> Result<()> {
    let mut seen: HashMap<String, ()> = HashMap::new();
    for f in fields.iter() {
        let l = f.name().to_lowercase();
        if seen.insert(l.clone(), ()).is_some() {
            return Err(EngineError::analysis(
                "COLUMN_ALREADY_EXISTS",
                format!("The column `{l}` already exists. Choose another name or rename the existing column."),
                "42711",
            ));
        }
    }
    for f in fields.iter() {
        let mut dt = f.data_type();
        while let DataType::List(e) = dt {
            dt = e.data_type();
        }
        if let DataType::Struct(inner) = dt {
            check_duplicates(inner)?;
        }
    }
    Ok(())
}

/// The schema Spark infers for JSON files: integers `bigint` (a `decimal`
/// beyond a long), other numbers `double`, `boolean`, `string`, objects as
/// structs with fields sorted by name, arrays of the common element type;
/// types that disagree widen (bigint+double: double) or become strings;
/// fields only ever null are strings, empty objects vanish. Malformed
/// records add a `_corrupt_record` string column in PERMISSIVE mode, are
/// ignored in DROPMALFORMED and fail in FAILFAST.
pub fn infer_json_schema(files: &[&[u8]], opts: &ReadOptions) -> Result<Schema> {
    let mut root = Ty::Struct(Vec::new());
    for file in files {
        let mut err = None;
        for_each_record(file, opts.multi_line, |_, parsed| {
            let t = match parsed {
                Parsed::Blank => return Ok(()),
                Parsed::Bad => match opts.mode {
                    Mode::Permissive => Ty::Struct(vec![(CORRUPT_RECORD.to_string(), Ty::Str)]),
                    Mode::DropMalformed => return Ok(()),
                    Mode::FailFast => return Err(malformed_record(CORRUPT_RECORD)),
                },
                Parsed::Value(v) => infer_value(&v),
            };
            let r = std::mem::take(&mut root);
            match compatible_root(r, t, opts.mode) {
                Ok(r) => root = r,
                Err(e) => {
                    err.get_or_insert(e);
                }
            }
            Ok(())
        })?;
        if let Some(e) = err {
            return Err(e);
        }
    }
    let fields = match canonical(root) {
        Some(DataType::Struct(fields)) => fields,
        _ => Fields::empty(),
    };
    check_duplicates(&fields)?;
    Ok(Schema::new(fields.iter().map(|f| Field::new(f.name(), f.data_type().clone(), true)).collect::<Vec<_>>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::*;

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect::<Vec<_>>())
    }

    fn rows(b: &RecordBatch) -> Vec<Vec<String>> {
        let zone = SessionZone::default();
        let cols: Vec<_> = b.columns().iter().map(|c| crate::display::to_string_array(c.as_ref(), &zone)).collect();
        (0..b.num_rows())
            .map(|r| cols.iter().map(|c| if c.is_null(r) { "NULL".to_string() } else { c.value(r).to_string() }).collect())
            .collect()
    }

    fn read(text: &str, s: &Schema) -> Vec<Vec<String>> {
        read_opts(text, s, &ReadOptions::default())
    }

    fn read_opts(text: &str, s: &Schema, o: &ReadOptions) -> Vec<Vec<String>> {
        rows(&read_json(text.as_bytes(), Some(s), o, &SessionZone::default()).unwrap())
    }

    fn r(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn ab() -> Schema {
        schema(&[("a", DataType::Int32), ("b", DataType::Utf8)])
    }

    #[test]
    fn seed_log_lines_end_in_commas() {
        let s = schema(&[
            ("activity_type", DataType::Utf8),
            ("activity_time", types::timestamp()),
            ("activity_count", DataType::Int32),
        ]);
        let text = "{\"activity_type\":\"CPU\",\"activity_time\":\"2020-08-15T05:34:45\",\"activity_count\":5},\n{\"activity_type\":\"Memory\",\"activity_time\":\"2020-08-15T05:48:05\",\"activity_count\":2},\n{\"activity_type\":\"CPU\",\"activity_time\":\"2020-08-15T05:54:41\",\"activity_count\":8},\n";
        let b = read_json(text.as_bytes(), Some(&s), &ReadOptions::default(), &SessionZone::default()).unwrap();
        assert_eq!(
            rows(&b),
            vec![
                r(&["CPU", "2020-08-15 05:34:45", "5"]),
                r(&["Memory", "2020-08-15 05:48:05", "2"]),
                r(&["CPU", "2020-08-15 05:54:41", "8"]),
            ]
        );
        let ts = b.column(1).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), 1597469685000000);
        assert_eq!(b.schema().field(1).data_type(), &types::timestamp());
        // FAILFAST agrees that these lines are fine
        let ff = ReadOptions { mode: Mode::FailFast, ..Default::default() };
        assert_eq!(read_json(text.as_bytes(), Some(&s), &ff, &SessionZone::default()).unwrap().num_rows(), 3);
    }

    #[test]
    fn conformance_json_source() {
        let s = schema(&[("user", DataType::Utf8), ("action", DataType::Utf8), ("n", DataType::Int32)]);
        assert_eq!(
            read("{\"user\":\"ann\",\"action\":\"click\",\"n\":1}\n{\"user\":\"bob\",\"action\":\"view\",\"n\":3}\n", &s),
            vec![r(&["ann", "click", "1"]), r(&["bob", "view", "3"])]
        );
        assert_eq!(
            read("{\"user\":\"ann\",\"action\":\"buy\"}\n{\"user\":\"cy\",\"n\":\"oops\"}\nnot json\n", &s),
            vec![r(&["ann", "buy", "NULL"]), r(&["cy", "NULL", "NULL"]), r(&["NULL", "NULL", "NULL"])]
        );
        assert_eq!(read("{\"user\":\"a\",\"action\":\"x\",\"n\":1}\n", &s), vec![r(&["a", "x", "1"])]);
    }

    #[test]
    fn what_follows_the_value_and_odd_lines() {
        assert_eq!(
            read("{\"a\":1,\"b\":\"x\"},\n{\"a\":2,\"b\":\"y\"} trailing garbage\n", &ab()),
            vec![r(&["1", "x"]), r(&["2", "y"])]
        );
        // checked line by line against Spark 4.0.1
        let got = read(
            "not json\n{\"a\":1}\n\n   \n[1,2]\n[{\"a\":5},{\"a\":6}]\n5\n\"str\"\nnull\n{\"a\":1\n{\"a\":1} {\"a\":2}\n{\"a\":7,\"b\":\"z\"}x\n[]\n{}\n",
            &ab(),
        );
        assert_eq!(
            got,
            vec![
                r(&["NULL", "NULL"]),
                r(&["1", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["5", "NULL"]),
                r(&["6", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["1", "NULL"]),
                r(&["7", "z"]),
                r(&["NULL", "NULL"]),
            ]
        );
        assert_eq!(
            read("{\"a\":1}\r\n{\"a\":2}\r{\"a\":3}\n{\"a\":4}", &ab()),
            vec![r(&["1", "NULL"]), r(&["2", "NULL"]), r(&["3", "NULL"]), r(&["4", "NULL"])]
        );
    }

    #[test]
    fn jackson_syntax_as_spark_sets_it() {
        let got = read(
            "{'a':1}\n{a:2}\n{\"a\":01}\n{\"a\":NaN}\n{\"a\":1,}\n// c\n{\"b\":\"x\ty\"}\n{\"a\":1,\"b\":truex}\n{\"a\":1,\"b\":\"\\x\"}\n{\"a\":1,\"b\":[1,}\n",
            &ab(),
        );
        assert_eq!(got[0], r(&["1", "NULL"]));
        assert_eq!(got[3], r(&["NULL", "NULL"]));
        assert!(got.iter().skip(1).all(|row| row == &r(&["NULL", "NULL"])), "{got:?}");
        let b = schema(&[("b", DataType::Utf8)]);
        assert_eq!(
            read(
                "{\"b\":\"\\ud83d\\ude00\"}\n{\"b\":\"a\\/b\"}\n{\"b\":\"\\ud83d\"}\n{\"b\":'it\\'s'}\n{\"b\":\"tab\\tq\\\"bs\\\\\"}\n{\"b\":\"aé中\"}\n \t{\"b\" : \"x\" }  \n{\"a\\u0062\":1}\n",
                &b
            ),
            vec![
                r(&["😀"]),
                r(&["a/b"]),
                r(&["?"]),
                r(&["it's"]),
                r(&["tab\tq\"bs\\"]),
                r(&["aé中"]),
                r(&["x"]),
                r(&["NULL"]),
            ]
        );
        let k = schema(&[("ab", DataType::Int32)]);
        assert_eq!(read("{\"a\\u0062\":1}\n", &k), vec![r(&["1"])]);
    }

    #[test]
    fn field_types_like_spark() {
        let got = read(
            "{\"a\":\"5\"}\n{\"a\":\" 5\"}\n{\"a\":5.0}\n{\"a\":1.5}\n{\"a\":3000000000}\n{\"a\":true}\n{\"a\":null}\n{\"a\":-0}\n{\"a\":1e2}\n{\"a\":\"\",\"b\":\"\"}\n",
            &ab(),
        );
        let a: Vec<_> = got.iter().map(|row| row[0].as_str()).collect();
        assert_eq!(a, vec!["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "0", "NULL", "NULL"]);
        assert_eq!(got[9][1], "");
        // numbers and nested values into a string column: their JSON text
        let got = read(
            "{\"b\":5}\n{\"b\":1.50}\n{\"b\":1e3}\n{\"b\":1.0E+3}\n{\"b\":{\"x\": 1, \"y\" : [1, 2]}}\n{\"b\":true}\n{\"b\":null}\n{\"b\":[ \"q\" ,null]}\n{\"b\":12345678901234567890123}\n{\"b\":-0.0}\n{\"b\":NaN}\n",
            &ab(),
        );
        let b: Vec<_> = got.iter().map(|row| row[1].as_str()).collect();
        assert_eq!(
            b,
            vec![
                "5",
                "1.50",
                "1e3",
                "1.0E+3",
                "{\"x\": 1, \"y\" : [1, 2]}",
                "true",
                "NULL",
                "[ \"q\" ,null]",
                "12345678901234567890123",
                "-0.0",
                "NaN"
            ]
        );
        // names are case-sensitive; the last repeated key wins
        assert_eq!(read("{\"A\":1,\"B\":\"x\"}\n{\"a\":2,\"A\":3}\n{\"a\":1,\"a\":2}\n", &ab()), vec![
            r(&["NULL", "NULL"]),
            r(&["2", "NULL"]),
            r(&["2", "NULL"])
        ]);
    }

    #[test]
    fn numeric_columns() {
        let s = schema(&[
            ("x", DataType::Float64),
            ("f", DataType::Float32),
            ("bo", DataType::Boolean),
            ("l", DataType::Int64),
            ("de", DataType::Decimal128(5, 2)),
            ("sh", DataType::Int16),
            ("by", DataType::Int8),
        ]);
        let got = read(
            "{\"x\":\"NaN\",\"f\":\"Infinity\",\"bo\":\"true\",\"l\":\"7\",\"de\":1.255,\"sh\":40000,\"by\":5}\n{\"x\":\"1.5\",\"f\":\"-Infinity\",\"bo\":1,\"l\":7.0,\"de\":\"1.25\",\"sh\":5,\"by\":300}\n{\"x\":5,\"f\":1e40,\"bo\":true,\"l\":9223372036854775808,\"de\":1234.5}\n{\"x\":\"+INF\",\"f\":\"-INF\",\"bo\":false,\"de\":12.5}\n{\"x\":\"Inf\",\"f\":\"+Infinity\"}\n{\"x\":\"-Inf\",\"f\":\"nan\"}\n",
            &s,
        );
        assert_eq!(
            got,
            vec![
                r(&["NaN", "Infinity", "NULL", "NULL", "1.26", "NULL", "5"]),
                r(&["NULL", "-Infinity", "NULL", "NULL", "1.25", "5", "NULL"]),
                r(&["5.0", "Infinity", "true", "NULL", "NULL", "NULL", "NULL"]),
                r(&["Infinity", "-Infinity", "false", "NULL", "12.50", "NULL", "NULL"]),
                r(&["NULL", "Infinity", "NULL", "NULL", "NULL", "NULL", "NULL"]),
                r(&["NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"]),
            ]
        );
        let bytes = schema(&[("by", DataType::Int8), ("sh", DataType::Int16)]);
        assert_eq!(
            read("{\"by\":200}\n{\"by\":255}\n{\"by\":256}\n{\"by\":-128}\n{\"by\":-129}\n{\"sh\":32768}\n", &bytes)
                .into_iter()
                .map(|row| row[0].clone())
                .collect::<Vec<_>>(),
            r(&["-56", "-1", "NULL", "-128", "NULL", "NULL"])
        );
        let xy = schema(&[("x", DataType::Float64), ("y", DataType::Float64)]);
        assert_eq!(
            read(
                "{\"x\":NaN,\"y\":Infinity}\n{\"x\":-Infinity,\"y\":+Infinity}\n{\"x\":+1,\"y\":1}\n{\"x\":-NaN}\n{\"x\":1.,\"y\":.5}\n{\"x\":1e5,\"y\":-1E-2}\n{\"x\":0.1e,\"y\":1}\n{\"x\":INF}\n{\"x\":+INF,\"y\":-INF}\n",
                &xy
            ),
            vec![
                r(&["NaN", "Infinity"]),
                r(&["-Infinity", "Infinity"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["100000.0", "-0.01"]),
                r(&["NULL", "NULL"]),
                r(&["NULL", "NULL"]),
                r(&["Infinity", "-Infinity"]),
            ]
        );
        let d = schema(&[("d", DataType::Decimal128(10, 2))]);
        assert_eq!(
            read(
                "{\"d\":\"1,234.5\"}\n{\"d\":\" 1.5\"}\n{\"d\":\"1e2\"}\n{\"d\":1E2}\n{\"d\":true}\n{\"d\":1e400}\n{\"d\":NaN}\n{\"d\":-0.005}\n",
                &d
            ),
            vec![
                r(&["1234.50"]),
                r(&["NULL"]),
                r(&["100.00"]),
                r(&["100.00"]),
                r(&["NULL"]),
                r(&["NULL"]),
                r(&["NULL"]),
                r(&["-0.01"])
            ]
        );
    }

    #[test]
    fn dates_and_timestamps() {
        let s = schema(&[("t", types::timestamp()), ("d", DataType::Date32)]);
        let got = read(
            "{\"t\":\"2020-08-15T05:34:45\",\"d\":\"2020-08-15\"}\n{\"t\":\"2020-08-15 05:34:45\",\"d\":\"2020-08-15T10:00:00\"}\n{\"t\":\"2020-08-15\",\"d\":\"2020-8-5\"}\n{\"t\":\"2020-08-15T05:34:45Z\",\"d\":\"2020-08\"}\n{\"t\":\"2020-08-15T05:34:45.123+02:00\",\"d\":\"2020\"}\n{\"t\":1597469685,\"d\":18000}\n{\"t\":\" 2020-08-15 05:34 \",\"d\":\" 2020-08-15 \"}\n{\"t\":\"garbage\",\"d\":\"garbage\"}\n{\"t\":\"2020-08-15T05:34:45.1234567\",\"d\":\"2020-08-15 x\"}\n{\"t\":1.5}\n",
            &s,
        );
        assert_eq!(
            got,
            vec![
                r(&["2020-08-15 05:34:45", "2020-08-15"]),
                r(&["2020-08-15 05:34:45", "2020-08-15"]),
                r(&["2020-08-15 00:00:00", "2020-08-05"]),
                r(&["2020-08-15 05:34:45", "2020-08-01"]),
                r(&["2020-08-15 03:34:45.123", "2020-01-01"]),
                r(&["2020-08-15 05:34:45", "NULL"]),
                r(&["2020-08-15 05:34:00", "2020-08-15"]),
                r(&["NULL", "NULL"]),
                r(&["2020-08-15 05:34:45.123456", "2020-08-15"]),
                r(&["NULL", "NULL"]),
            ]
        );
        // a date string that is an integer: days since the epoch (after
        // trying it as a year of 4+ digits)
        let d = schema(&[("d", DataType::Date32)]);
        assert_eq!(
            read("{\"d\":\"5\"}\n{\"d\":\"-5\"}\n{\"d\":\"123\"}\n{\"d\":\"12345\"}\n{\"d\":\"5x\"}\n{\"d\":\"+5\"}\n", &d),
            vec![r(&["1970-01-06"]), r(&["1969-12-27"]), r(&["1970-05-04"]), r(&["+12345-01-01"]), r(&["NULL"]), r(&["1970-01-06"])]
        );
        let t = schema(&[("t", types::timestamp())]);
        assert_eq!(read("{\"t\":\"5\"}\n{\"t\":\"123\"}\n", &t), vec![r(&["NULL"]), r(&["NULL"])]);
        // wall-clock times are in the session zone
        let paris = SessionZone::parse("Europe/Paris").unwrap();
        let b = read_json(b"{\"t\":\"2020-08-15T05:34:45\"}\n", Some(&s), &ReadOptions::default(), &paris).unwrap();
        assert_eq!(b.column(0).as_primitive::<TimestampMicrosecondType>().value(0), 1597462485000000);
        // integer seconds multiply without overflow checks, as Spark's do
        let t = schema(&[("t", types::timestamp())]);
        let b = read_json(
            b"{\"t\":-1}\n{\"t\":99999999999999999}\n{\"t\":\"1597469685\"}\n{\"t\":9223372036854775807}\n{\"t\":9223372036854775808}\n",
            Some(&t),
            &ReadOptions::default(),
            &SessionZone::default(),
        )
        .unwrap();
        let ts = b.column(0).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), -1000000);
        assert_eq!(ts.value(1), 200376420519689664);
        assert!(ts.is_null(2) && ts.is_null(4));
        assert_eq!(ts.value(3), -1000000);
        // patterns, with no fallback
        let o = ReadOptions {
            timestamp_format: Some("dd/MM/yyyy HH:mm".into()),
            date_format: Some("dd/MM/yyyy".into()),
            ..Default::default()
        };
        assert_eq!(
            read_opts(
                "{\"t\":\"15/08/2020 05:34\",\"d\":\"15/08/2020\"}\n{\"t\":\"2020-08-15 05:34:45\",\"d\":\"2020-08-15\"}\n",
                &s,
                &o
            ),
            vec![r(&["2020-08-15 05:34:00", "2020-08-15"]), r(&["NULL", "NULL"])]
        );
        let ntz = schema(&[("t", types::timestamp_ntz()), ("u", types::timestamp_ntz())]);
        assert_eq!(
            read("{\"t\":\"2020-08-15T05:34:45+02:00\",\"u\":\"2020-08-15T05:34:45\"}\n", &ntz),
            vec![r(&["NULL", "2020-08-15 05:34:45"])]
        );
    }

    #[test]
    fn nested_values() {
        let s = schema(&[
            ("s", types::struct_of(vec![("x".into(), DataType::Int32), ("y".into(), DataType::Utf8)])),
            ("arr", types::array_of(DataType::Int32)),
            ("m", types::map_of(DataType::Utf8, DataType::Int32)),
        ]);
        assert_eq!(
            read(
                "{\"s\":{\"x\":1,\"y\":\"a\"},\"arr\":[1,2,3],\"m\":{\"k\":1,\"j\":2}}\n{\"s\":{\"x\":\"bad\",\"y\":2},\"arr\":[1,\"x\",3],\"m\":{\"k\":\"v\"}}\n{\"s\":5,\"arr\":5,\"m\":5}\n{\"s\":[{\"x\":1}],\"arr\":[[1]],\"m\":[]}\n{\"s\":null,\"arr\":[null,2],\"m\":{\"k\":null}}\n",
                &s
            ),
            vec![
                r(&["{1, a}", "[1, 2, 3]", "{k -> 1, j -> 2}"]),
                r(&["{null, 2}", "NULL", "NULL"]),
                r(&["NULL", "NULL", "NULL"]),
                r(&["NULL", "NULL", "NULL"]),
                r(&["NULL", "[null, 2]", "{k -> null}"]),
            ]
        );
        // a struct element with a bad field stays in its array
        let a = schema(&[
            ("arr", types::array_of(types::struct_of(vec![("x".into(), DataType::Int32)]))),
            ("k", DataType::Int32),
        ]);
        assert_eq!(
            read("{\"arr\":[{\"x\":1},{\"x\":\"bad\"}],\"k\":1}\n{\"arr\":[{\"x\":1},5],\"k\":2}\n{\"arr\":[],\"k\":3}\n", &a),
            vec![r(&["[{1}, {null}]", "1"]), r(&["NULL", "2"]), r(&["[]", "3"])]
        );
        let m = schema(&[("m", types::map_of(DataType::Utf8, types::struct_of(vec![("x".into(), DataType::Int32)])))]);
        assert_eq!(
            read("{\"m\":{\"k\":{\"x\":\"bad\"},\"j\":{\"x\":1}}}\n{\"m\":{\"k\":5}}\n", &m),
            vec![r(&["{k -> {null}, j -> {1}}"]), r(&["NULL"])]
        );
        // top-level arrays: partial objects are rows; a non-object fails all
        assert_eq!(
            read("[{\"a\":1},{\"a\":\"bad\"}]\n[{\"a\":1},5]\n[{\"a\":1}] junk\n[null]\n", &ab()),
            vec![r(&["1", "NULL"]), r(&["NULL", "NULL"]), r(&["NULL", "NULL"]), r(&["1", "NULL"]), r(&["NULL", "NULL"])]
        );
    }

    #[test]
    fn modes() {
        let drop = ReadOptions { mode: Mode::DropMalformed, ..Default::default() };
        assert_eq!(
            read_opts("{\"a\":1}\n{\"a\":\"oops\",\"b\":\"x\"}\nnot json\n{\"b\":\"z\"}\n[{\"a\":1},{\"a\":\"bad\"}]\n", &ab(), &drop),
            vec![r(&["1", "NULL"]), r(&["NULL", "z"])]
        );
        let ff = ReadOptions { mode: Mode::FailFast, ..Default::default() };
        let err = |t: &str| read_json(t.as_bytes(), Some(&ab()), &ff, &SessionZone::default()).unwrap_err();
        let e = err("{\"a\":1}\n{\"a\":\"oops\",\"b\":\"x\"}\n");
        assert_eq!(
            e.message,
            "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: [null,x].\nParse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
        );
        assert_eq!(e.python_type, "SparkException");
        assert!(err("{\"a\":1}\nnot json\n").message.contains("record parsing: [null,null]."));
        assert!(err("[1,2]\n").message.contains("record parsing: [null,null]."));
        let s = schema(&[
            ("t", types::timestamp()),
            ("d", DataType::Date32),
            ("x", DataType::Float64),
            ("y", DataType::Int32),
            ("arr", types::array_of(DataType::Int32)),
            ("s", types::struct_of(vec![("q".into(), DataType::Int32)])),
        ]);
        let e = read_json(
            b"{\"t\":\"2020-01-01\",\"d\":\"2020-01-02\",\"x\":1.5,\"y\":\"bad\",\"arr\":[1],\"s\":{\"q\":1}}\n",
            Some(&s),
            &ff,
            &SessionZone::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("record parsing: [1577836800000000,18263,1.5,null,[1],[1]]."), "{}", e.message);
    }

    #[test]
    fn corrupt_record_column() {
        let s = schema(&[("a", DataType::Int32), ("b", DataType::Utf8), ("_corrupt_record", DataType::Utf8)]);
        assert_eq!(
            read("{\"a\":1}\nnot json\n{\"a\":\"oops\",\"b\":\"x\"}\n", &s),
            vec![r(&["1", "NULL", "NULL"]), r(&["NULL", "NULL", "not json"]), r(&["NULL", "x", "{\"a\":\"oops\",\"b\":\"x\"}"])]
        );
        let s = schema(&[("a", DataType::Int32), ("_corrupt_record", DataType::Utf8)]);
        assert_eq!(
            read("[{\"a\":1},{\"a\":\"bad\"}]\n", &s),
            vec![r(&["1", "[{\"a\":1},{\"a\":\"bad\"}]"]), r(&["NULL", "[{\"a\":1},{\"a\":\"bad\"}]"])]
        );
    }

    #[test]
    fn bom_utf8_and_multi_line() {
        assert_eq!(read("\u{feff}{\"a\":1}\n{\"a\":2}\n", &ab()), vec![r(&["1", "NULL"]), r(&["2", "NULL"])]);
        let b = read_json(
            b"{\"a\":1,\"b\":\"x\xff\xfey\"}\n{\"a\":2,\"b\":\"ok\"}\n\xff\xfe\n{\"a\":3}\xff\n",
            Some(&ab()),
            &ReadOptions::default(),
            &SessionZone::default(),
        )
        .unwrap();
        assert_eq!(rows(&b), vec![r(&["NULL", "NULL"]), r(&["2", "ok"]), r(&["NULL", "NULL"]), r(&["3", "NULL"])]);
        let ml = ReadOptions { multi_line: true, ..Default::default() };
        assert_eq!(read_opts("{\n \"a\": 1,\n \"b\": \"x\"\n}\n", &ab(), &ml), vec![r(&["1", "x"])]);
        assert_eq!(read_opts("[\n{\"a\": 1},\n{\"a\": 2}\n]\n", &ab(), &ml), vec![r(&["1", "NULL"]), r(&["2", "NULL"])]);
        assert_eq!(read_opts("{\"a\": 1}\n{\"a\": 2}\n", &ab(), &ml), vec![r(&["1", "NULL"])]);
        assert_eq!(read_opts("{\"a\": 1\n", &ab(), &ml), vec![r(&["NULL", "NULL"])]);
        assert!(read_opts(" \n", &ab(), &ml).is_empty());
    }

    fn inferred(files: &[&str], o: &ReadOptions) -> Result<String> {
        let files: Vec<&[u8]> = files.iter().map(|f| f.as_bytes()).collect();
        let s = infer_json_schema(&files, o)?;
        Ok(types::simple_name(&DataType::Struct(s.fields().clone())))
    }

    fn inf(files: &[&str]) -> String {
        inferred(files, &ReadOptions::default()).unwrap()
    }

    #[test]
    fn schema_inference_like_spark() {
        assert_eq!(
            inf(&["{\"b\":1,\"a\":\"x\",\"c\":1.5,\"d\":true,\"e\":{\"z\":1,\"y\":[1,2]},\"f\":null,\"g\":[],\"h\":{}}\n"]),
            "struct<a:string,b:bigint,c:double,d:boolean,e:struct<y:array<bigint>,z:bigint>,f:string,g:array<string>>"
        );
        assert_eq!(
            inf(&["{\"a\":1}\n{\"a\":1.5}\n{\"b\":1}\n{\"b\":\"x\"}\n{\"c\":{\"x\":1}}\n{\"c\":{\"y\":2}}\n{\"d\":[1]}\n{\"d\":[1.5,null]}\n{\"e\":1}\n{\"e\":{\"q\":1}}\n{\"f\":true}\n{\"f\":1}\n{\"g\":[1]}\n{\"g\":1}\n"]),
            "struct<a:double,b:string,c:struct<x:bigint,y:bigint>,d:array<double>,e:string,f:string,g:string>"
        );
        assert_eq!(
            inf(&["{\"a\":12345678901234567890}\n{\"b\":12345678901234567890}\n{\"b\":1}\n{\"c\":12345678901234567890}\n{\"c\":1.5}\n{\"d\":1e400}\n{\"e\":123456789012345678901234567890123456789012}\n"]),
            "struct<a:decimal(20,0),b:decimal(20,0),c:double,d:double,e:double>"
        );
        assert_eq!(inf(&["{\"a\":1}\nnot json\n"]), "struct<_corrupt_record:string,a:bigint>");
        let drop = ReadOptions { mode: Mode::DropMalformed, ..Default::default() };
        assert_eq!(inferred(&["{\"a\":1}\nnot json\n"], &drop).unwrap(), "struct<a:bigint>");
        let ff = ReadOptions { mode: Mode::FailFast, ..Default::default() };
        assert!(inferred(&["{\"a\":1}\nnot json\n"], &ff)
            .unwrap_err()
            .message
            .contains("Malformed records are detected in record parsing: _corrupt_record."));
        assert_eq!(inf(&["[{\"a\":1},{\"b\":\"x\"}]\n5\n"]), "struct<_corrupt_record:string,a:bigint,b:string>");
        assert_eq!(
            inferred(&["{\"a\":1}\n5\n"], &ff).unwrap_err().message,
            "[INVALID_JSON_RECORD_TYPE] Detected an invalid type of a JSON record while inferring a common schema in the mode FAILFAST. Expected a STRUCT type, but found \"BIGINT\". SQLSTATE: 22023"
        );
        assert_eq!(inf(&[""]), "struct<>");
        assert_eq!(inf(&["[]\n"]), "struct<>");
        assert_eq!(inf(&["{\"\":1,\"a\":{}}\n{\"a\":{\"\":2}}\n"]), "struct<>");
        assert_eq!(inf(&["{\"a\":\"2020-08-15T05:34:45\",\"b\":\"2020-08-15\"}\n"]), "struct<a:string,b:string>");
        assert_eq!(
            inf(&["{\"a\":[1,\"x\"]}\n{\"b\":[{\"x\":1},{\"y\":\"q\"}]}\n{\"c\":[[1],[2.5]]}\n"]),
            "struct<a:array<string>,b:array<struct<x:bigint,y:string>>,c:array<array<double>>>"
        );
        assert_eq!(inf(&["{\"a\":null}\n"]), "struct<a:string>");
        assert_eq!(inf(&["{\"a\":-0}\n{\"b\":1.0}\n{\"c\":1E2}\n"]), "struct<a:bigint,b:double,c:double>");
        assert_eq!(inf(&["{\"a\":{\"x\":1}}\n{\"a\":null}\n{\"a\":[1]}\n"]), "struct<a:string>");
        assert_eq!(inf(&["null\n{\"a\":1}\n"]), "struct<a:bigint>");
        assert_eq!(inf(&["{\"a\":1}\n", "{\"a\":\"x\",\"b\":1}\n"]), "struct<a:string,b:bigint>");
        let ml = ReadOptions { multi_line: true, ..Default::default() };
        assert_eq!(inferred(&["[{\"a\": 1},\n{\"b\": 2}]"], &ml).unwrap(), "struct<a:bigint,b:bigint>");
        for dup in ["{\"a\":1,\"A\":2}\n", "{\"a\":1,\"a\":\"x\"}\n"] {
            let e = inferred(&[dup], &ReadOptions::default()).unwrap_err();
            assert_eq!(
                e.message,
                "[COLUMN_ALREADY_EXISTS] The column `a` already exists. Choose another name or rename the existing column. SQLSTATE: 42711"
            );
        }
        assert!(inferred(&["{\"s\":{\"x\":1,\"X\":2}}\n"], &ReadOptions::default()).unwrap_err().message.contains("`x`"));
    }

    #[test]
    fn reading_without_a_schema() {
        let zone = SessionZone::default();
        let b = read_json(b"{\"a\":1}\n{\"a\":\"x\",\"b\":2.5}\n", None, &ReadOptions::default(), &zone).unwrap();
        assert_eq!(types::simple_name(&DataType::Struct(b.schema().fields().clone())), "struct<a:string,b:double>");
        assert_eq!(rows(&b), vec![r(&["1", "NULL"]), r(&["x", "2.5"])]);
        let b = read_json(b"{\"a\":1}\nnot json\n", None, &ReadOptions::default(), &zone).unwrap();
        assert_eq!(rows(&b), vec![r(&["NULL", "1"]), r(&["not json", "NULL"])]);
        let e = read_json(b"5\n\"x\"\n", None, &ReadOptions::default(), &zone).unwrap_err();
        assert_eq!(e.class.as_deref(), Some("UNSUPPORTED_FEATURE.QUERY_ONLY_CORRUPT_RECORD_COLUMN"));
        assert_eq!(read_json(b"", None, &ReadOptions::default(), &zone).unwrap().num_rows(), 0);
    }

    #[test]
    fn garbage_never_panics() {
        let zone = SessionZone::default();
        let s = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("c", types::array_of(types::struct_of(vec![("x".into(), DataType::Float32)]))),
            ("d", types::map_of(DataType::Utf8, DataType::Decimal128(5, 1))),
            ("e", types::timestamp()),
            ("f", DataType::Int8),
            ("_corrupt_record", DataType::Utf8),
        ]);
        let mut seed = 0x2545F4914F6CDD1Du64;
        let alphabet = b"{}[]:,\"'\\u0123456789.eE-+ \n\rabcdefnlrtuINF\xff\xc3\xa9";
        for round in 0..400 {
            let len = (round * 13) % 300;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    if round % 4 == 0 {
                        (seed >> 32) as u8
                    } else {
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            for multi_line in [false, true] {
                let o = ReadOptions { multi_line, ..Default::default() };
                let _ = read_json(&bytes, Some(&s), &o, &zone).unwrap();
                let _ = read_json(&bytes, None, &o, &zone);
                let _ = infer_json_schema(&[&bytes], &o);
                let ff = ReadOptions { mode: Mode::FailFast, ..o };
                let _ = read_json(&bytes, Some(&s), &ff, &zone);
            }
        }
        // deep nesting stays within Jackson's limit instead of the stack
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        let b = read_json(deep.as_bytes(), Some(&s), &ReadOptions::default(), &zone).unwrap();
        assert_eq!(b.num_rows(), 1);
        let deep_obj = "{\"b\":".repeat(50_000) + "1" + &"}".repeat(50_000);
        assert_eq!(read_json(deep_obj.as_bytes(), Some(&s), &ReadOptions::default(), &zone).unwrap().num_rows(), 1);
        let _ = infer_json_schema(&[deep.as_bytes()], &ReadOptions::default());
    }
}
