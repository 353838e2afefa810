//! Spark's CSV source (`spark.read.csv`, `spark.readStream.csv`), which
//! tokenises with univocity-parsers. The tokenizer here reproduces
//! univocity's behaviour under Spark's settings rather than RFC 4180 (which
//! is why it is not the `csv` crate's): a backslash escapes only a quote or
//! itself inside quotes; a quoted value followed by anything but spaces and
//! the delimiter is taken raw up to the next delimiter
//! (`STOP_AT_DELIMITER`); spaces around values are kept; delimiters may be
//! several characters long.
//!
//! What Spark 4.0.1 does, checked with pyspark:
//! - Lines end at `\n`, `\r\n` or `\r`; lines that are blank after trimming
//!   are skipped; `header` skips the first remaining line of each file.
//! - An empty unquoted field, and any field equal to `nullValue`, is NULL;
//!   with the default `nullValue` (empty) a quoted `""` is NULL too.
//! - Fields convert as Spark's `UnivocityParser` does: integers with
//!   `Long.parseLong` rules (`+5`, `07` read; ` 5` does not), floating point
//!   with `Double.parseDouble` (spaces and `d`/`f` suffixes allowed; `NaN`,
//!   `Inf`, `-Inf` special), booleans `true`/`false` in any case only,
//!   decimals as `BigDecimal` after removing `,` and rounding half up, dates
//!   and timestamps as casts (or with `dateFormat`/`timestampFormat`).
//! - A field that does not convert, or a record with too few or too many
//!   fields, makes the record malformed: PERMISSIVE keeps it with NULLs for
//!   what did not convert (extra fields ignored), DROPMALFORMED drops it,
//!   FAILFAST fails.

use std::borrow::Cow;
use std::cmp::Reverse;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use super::{
    java_parse_double, java_parse_float, java_parse_long, java_trim, parse_date_value, parse_timestamp_value,
    split_lines, strip_bom, BigDec, Cell, ReadOptions, RowSink,
};
use crate::error::{EngineError, Result};
use crate::types;
use crate::zone::SessionZone;

type Tokens<'a> = Vec<Option<Cow<'a, str>>>;

/// Splits records into fields the way univocity does under Spark's settings.
struct Tokenizer {
    delim: Vec<u8>,
    /// Empty when quoting is off.
    quote: Vec<u8>,
    /// Empty when escaping is off, or when it is the quote itself (then a
    /// doubled quote inside quotes is one quote).
    escape: Vec<u8>,
    doubled_quote: bool,
}

fn char_bytes(c: char) -> Vec<u8> {
    if c == '\0' {
        Vec::new()
    } else {
        c.to_string().into_bytes()
    }
}

impl Tokenizer {
    fn new(opts: &ReadOptions) -> Tokenizer {
        let quote = char_bytes(opts.quote);
        let doubled_quote = !quote.is_empty() && opts.escape == opts.quote;
        let escape = if doubled_quote { Vec::new() } else { char_bytes(opts.escape) };
        let delim = if opts.delimiter.is_empty() { b",".to_vec() } else { opts.delimiter.as_bytes().to_vec() };
        Tokenizer { delim, quote, escape, doubled_quote }
    }

    #[inline]
    fn at_delim(&self, b: &[u8], i: usize) -> bool {
        b[i] == self.delim[0] && b[i..].starts_with(&self.delim)
    }

    /// Where an unquoted value starting at `i` ends: the delimiter, a line
    /// end, or the end of the text.
    #[inline]
    fn unquoted_end(&self, b: &[u8], mut i: usize) -> usize {
        while i < b.len() {
            let c = b[i];
            if c == b'\n' || c == b'\r' || self.at_delim(b, i) {
                break;
            }
            i += 1;
        }
        i
    }

    /// Reads one record from `text` at `pos` into `out`; returns where the
    /// record's text ends and where the next record starts.
    fn record<'a>(&self, text: &'a str, mut pos: usize, out: &mut Tokens<'a>) -> (usize, usize) {
        out.clear();
        let b = text.as_bytes();
        loop {
            let (value, p) = if !self.quote.is_empty() && b[pos..].starts_with(&self.quote) {
                self.quoted(text, pos + self.quote.len())
            } else {
                let end = self.unquoted_end(b, pos);
                let v = if end == pos { None } else { Some(Cow::Borrowed(sub(text, pos, end))) };
                (v, end)
            };
            out.push(value);
            pos = p;
            if pos < b.len() && self.at_delim(b, pos) {
                pos += self.delim.len();
                continue;
            }
            let next = if pos >= b.len() {
                pos
            } else if b[pos] == b'\r' && b.get(pos + 1) == Some(&b'\n') {
                pos + 2
            } else {
                pos + 1
            };
            return (pos, next);
        }
    }

    /// A value that starts with a quote; `start` is just after it.
    fn quoted<'a>(&self, text: &'a str, start: usize) -> (Option<Cow<'a, str>>, usize) {
        let b = text.as_bytes();
        let q = &self.quote;
        let mut owned: Option<String> = None;
        let mut seg = start;
        let mut i = start;
        let content = |owned: Option<String>, seg: usize, end: usize| -> Cow<'a, str> {
            match owned {
                None => Cow::Borrowed(sub(text, seg, end)),
                Some(mut s) => {
                    s.push_str(sub(text, seg, end));
                    Cow::Owned(s)
                }
            }
        };
        loop {
            if i >= b.len() {
                // unterminated: the value runs to the end
                return (Some(content(owned, seg, b.len())), b.len());
            }
            if !self.escape.is_empty() && b[i..].starts_with(&self.escape) {
                let after = i + self.escape.len();
                let escaped = if b[after..].starts_with(q) {
                    Some(q.len())
                } else if b[after..].starts_with(&self.escape) {
                    Some(self.escape.len())
                } else {
                    None
                };
                if let Some(n) = escaped {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(sub(text, seg, i));
                    s.push_str(sub(text, after, after + n));
                    i = after + n;
                    seg = i;
                    continue;
                }
            }
            if b[i..].starts_with(q) {
                let after_q = i + q.len();
                if self.doubled_quote && b[after_q..].starts_with(q) {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(sub(text, seg, after_q));
                    i = after_q + q.len();
                    seg = i;
                    continue;
                }
                // the closing quote: spaces, then a delimiter or a line end
                let mut j = after_q;
                loop {
                    if j >= b.len() || self.at_delim(b, j) || b[j] == b'\n' || b[j] == b'\r' {
                        return (Some(content(owned, seg, i)), j);
                    }
                    if b[j] <= b' ' {
                        j += 1;
                        continue;
                    }
                    break;
                }
                // Anything else: an unescaped quote. The value is the quoted
                // part, quotes included, and the raw text up to the delimiter.
                let end = self.unquoted_end(b, after_q);
                let inner = content(owned, seg, i);
                let quote = sub(text, i, after_q);
                let mut v = String::with_capacity(inner.len() + 2 * quote.len() + end - after_q);
                v.push_str(quote);
                v.push_str(&inner);
                v.push_str(quote);
                v.push_str(sub(text, after_q, end));
                return (Some(Cow::Owned(v)), end);
            }
            i += 1;
        }
    }
}

/// A slice at positions the tokenizer found (always character boundaries).
#[inline]
fn sub(text: &str, a: usize, b: usize) -> &str {
    text.get(a..b).unwrap_or("")
}

/// Calls `f(raw record, fields)` for each record of `text`, skipping blank
/// lines; `f` returns false to stop.
fn for_each_record<'a>(
    text: &'a str,
    multi_line: bool,
    tok: &Tokenizer,
    mut f: impl FnMut(&'a str, &[Option<Cow<'a, str>>]) -> Result<bool>,
) -> Result<()> {
    let mut fields: Tokens<'a> = Vec::new();
    if multi_line {
        let b = text.as_bytes();
        let mut pos = 0;
        while pos < b.len() {
            if b[pos] == b'\n' || b[pos] == b'\r' {
                pos += 1;
                continue;
            }
            let (end, next) = tok.record(text, pos, &mut fields);
            if !f(sub(text, pos, end), &fields)? {
                return Ok(());
            }
            pos = next.max(pos + 1);
        }
    } else {
        for (s, e) in split_lines(text.as_bytes()) {
            let line = sub(text, s, e);
            if java_trim(line).is_empty() {
                continue;
            }
            tok.record(line, 0, &mut fields);
            if !f(line, &fields)? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// How one column's text converts.
#[derive(Clone, Copy, Debug)]
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
}

fn conv_for(f: &Field) -> Result<Conv> {
    Ok(match f.data_type() {
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
        other => {
            return Err(EngineError::analysis(
                "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                format!(
                    "The CSV datasource doesn't support the column `{}` of the type \"{}\".",
                    f.name(),
                    types::sql_name(other)
                ),
                "0A000",
            ))
        }
    })
}

struct ConvCtx<'o> {
    null_value: &'o str,
    date_format: Option<&'o str>,
    timestamp_format: Option<&'o str>,
    zone: &'o SessionZone,
}

/// One field's value, or Err when it does not convert (the record is then
/// malformed).
fn convert<'a>(tok: Option<&Cow<'a, str>>, conv: Conv, cx: &ConvCtx) -> Result<Cell<'a>, ()> {
    let Some(s) = tok else { return Ok(Cell::Null) };
    if s.as_ref() == cx.null_value {
        return Ok(Cell::Null);
    }
    let t: &str = s;
    let int = |lo: i64, hi: i64| java_parse_long(t).filter(|v| (lo..=hi).contains(v)).map(Cell::Int).ok_or(());
    match conv {
        Conv::Null => Ok(Cell::Null),
        Conv::Str => Ok(Cell::Str(s.clone())),
        Conv::Bool => {
            if t.eq_ignore_ascii_case("true") {
                Ok(Cell::Bool(true))
            } else if t.eq_ignore_ascii_case("false") {
                Ok(Cell::Bool(false))
            } else {
                Err(())
            }
        }
        Conv::I8 => int(i8::MIN as i64, i8::MAX as i64),
        Conv::I16 => int(i16::MIN as i64, i16::MAX as i64),
        Conv::I32 => int(i32::MIN as i64, i32::MAX as i64),
        Conv::I64 => int(i64::MIN, i64::MAX),
        Conv::F64 => match t {
            "NaN" => Ok(Cell::F64(f64::NAN)),
            "Inf" => Ok(Cell::F64(f64::INFINITY)),
            "-Inf" => Ok(Cell::F64(f64::NEG_INFINITY)),
            _ => java_parse_double(t).map(Cell::F64).ok_or(()),
        },
        Conv::F32 => match t {
            "NaN" => Ok(Cell::F32(f32::NAN)),
            "Inf" => Ok(Cell::F32(f32::INFINITY)),
            "-Inf" => Ok(Cell::F32(f32::NEG_INFINITY)),
            _ => java_parse_float(t).map(Cell::F32).ok_or(()),
        },
        Conv::Dec(p, sc) => {
            let cleaned: Cow<str> = if t.contains(',') { Cow::Owned(t.replace(',', "")) } else { Cow::Borrowed(t) };
            BigDec::parse(&cleaned).and_then(|d| d.to_decimal(p, sc)).map(Cell::Dec).ok_or(())
        }
        Conv::Date => parse_date_value(t, cx.date_format).map(Cell::Date).ok_or(()),
        Conv::Ts { utc } => parse_timestamp_value(t, cx.timestamp_format, cx.zone, utc).map(Cell::Ts).ok_or(()),
    }
}

pub(crate) fn corrupt_only_error() -> EngineError {
    EngineError::analysis(
        "UNSUPPORTED_FEATURE.QUERY_ONLY_CORRUPT_RECORD_COLUMN",
        "The feature is not supported: Queries from raw JSON/CSV/XML files are disallowed when the\nreferenced columns only include the internal corrupt record column\n(named `_corrupt_record` by default). For example:\n`spark.read.schema(schema).json(file).filter($\"_corrupt_record\".isNotNull).count()`\nand `spark.read.schema(schema).json(file).select(\"_corrupt_record\").show()`.\nInstead, you can cache or save the parsed results and then send the same query.\nFor example, `val df = spark.read.schema(schema).json(file).cache()` and then\n`df.filter($\"_corrupt_record\".isNotNull).count()`.",
        "0A000",
    )
}

/// Reads one CSV file. Without a schema, the columns are those of
/// [`infer_csv_schema`] over this file: strings named `_c0`, `_c1`... (or
/// by the header), or inferred types with `inferSchema`.
pub fn read_csv(bytes: &[u8], schema: Option<&Schema>, opts: &ReadOptions, zone: &SessionZone) -> Result<RecordBatch> {
    let inferred;
    let schema = match schema {
        Some(s) => s,
        None => {
            inferred = infer_csv_schema(&[bytes], opts)?;
            &inferred
        }
    };
    let mut sink = RowSink::new(schema, opts.mode, (bytes.len() / 32).min(1 << 16))?;
    let mut convs: Vec<(usize, Conv)> = Vec::with_capacity(schema.fields().len());
    for (i, f) in schema.fields().iter().enumerate() {
        if Some(i) != sink.corrupt {
            convs.push((i, conv_for(f)?));
        }
    }
    if convs.is_empty() && sink.corrupt.is_some() {
        return Err(corrupt_only_error());
    }
    let width = sink.width();
    let cx = ConvCtx {
        null_value: &opts.null_value,
        date_format: opts.date_format.as_deref(),
        timestamp_format: opts.timestamp_format.as_deref(),
        zone,
    };
    let tok = Tokenizer::new(opts);
    let text = String::from_utf8_lossy(strip_bom(bytes));
    let mut skip_header = opts.header;
    let mut row_buf: Vec<Vec<Cell>> = vec![Vec::new()];
    for_each_record(&text, opts.multi_line, &tok, |raw, fields| {
        if skip_header {
            skip_header = false;
            return Ok(true);
        }
        let row = &mut row_buf[0];
        row.clear();
        row.resize(width, Cell::Null);
        let mut bad = !convs.is_empty() && fields.len() != convs.len();
        for (k, (out, conv)) in convs.iter().enumerate() {
            match convert(fields.get(k).and_then(|t| t.as_ref()), *conv, &cx) {
                Ok(c) => row[*out] = c,
                Err(()) => bad = true,
            }
        }
        sink.push(&mut row_buf, bad, raw)?;
        Ok(true)
    })?;
    drop(row_buf);
    sink.finish()
}

// ---------------------------------------------------------------------------
// Schema

/// Spark's `CSVUtils.makeSafeHeader`: empty (or `nullValue`) names become
/// `_c<i>`; names repeated (ignoring case) get their index appended.
fn safe_header(fields: &[Option<Cow<str>>], null_value: &str) -> Vec<String> {
    let lower: Vec<Option<String>> = fields.iter().map(|f| f.as_ref().map(|s| s.to_lowercase())).collect();
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| match f {
            None => format!("_c{i}"),
            Some(v) if v.is_empty() || v.as_ref() == null_value => format!("_c{i}"),
            Some(v) => {
                let l = lower[i].as_deref().unwrap_or("");
                if lower.iter().filter(|o| o.as_deref() == Some(l)).count() > 1 {
                    format!("{v}{i}")
                } else {
                    v.to_string()
                }
            }
        })
        .collect()
}

/// The types CSV inference moves through (Spark's `CSVInferSchema`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    Null,
    Int,
    Long,
    Dec(u8, i8),
    Double,
    Date,
    Ts,
    Bool,
    Str,
}

struct Inferrer<'o> {
    null_value: &'o str,
    date_format: Option<&'o str>,
    timestamp_format: Option<&'o str>,
}

impl Inferrer<'_> {
    fn field(&self, so_far: Ty, field: Option<&Cow<str>>) -> Ty {
        let Some(f) = field else { return so_far };
        let f: &str = f;
        if f.is_empty() || f == self.null_value {
            return so_far;
        }
        let t = match so_far {
            Ty::Null | Ty::Int => self.try_int(f),
            Ty::Long => self.try_long(f),
            Ty::Dec(..) => self.try_dec(f),
            Ty::Double => self.try_double(f),
            Ty::Date => self.try_date(f),
            Ty::Ts => self.try_ts(f),
            Ty::Bool => self.try_bool(f),
            Ty::Str => Ty::Str,
        };
        compatible(so_far, t).unwrap_or(Ty::Str)
    }

    fn try_int(&self, f: &str) -> Ty {
        match java_parse_long(f) {
            Some(v) if i32::try_from(v).is_ok() => Ty::Int,
            _ => self.try_long(f),
        }
    }

    fn try_long(&self, f: &str) -> Ty {
        if java_parse_long(f).is_some() {
            Ty::Long
        } else {
            self.try_dec(f)
        }
    }

    /// Only integral values (scale 0) beyond a long become decimals.
    fn try_dec(&self, f: &str) -> Ty {
        match BigDec::parse(f) {
            Some(d) if d.scale == 0 && d.precision() <= 38 => Ty::Dec(d.precision() as u8, 0),
            _ => self.try_double(f),
        }
    }

    fn try_double(&self, f: &str) -> Ty {
        if java_parse_double(f).is_some() || f == "NaN" || f == "Inf" || f == "-Inf" {
            Ty::Double
        } else {
            self.try_date(f)
        }
    }

    fn try_date(&self, f: &str) -> Ty {
        let is_date = match self.date_format {
            Some(p) => crate::datetime::parse_with_pattern(f, p).is_some(),
            None => strict_iso_date(f),
        };
        if is_date {
            Ty::Date
        } else {
            self.try_ts(f)
        }
    }

    fn try_ts(&self, f: &str) -> Ty {
        let is_ts = match self.timestamp_format {
            Some(p) => crate::datetime::parse_with_pattern(f, p).is_some(),
            None => super::cast_timestamp(f).is_some(),
        };
        if is_ts {
            Ty::Ts
        } else {
            self.try_bool(f)
        }
    }

    fn try_bool(&self, f: &str) -> Ty {
        if f.eq_ignore_ascii_case("true") || f.eq_ignore_ascii_case("false") {
            Ty::Bool
        } else {
            Ty::Str
        }
    }
}

/// `yyyy-MM-dd`, strictly (inference's default date pattern).
fn strict_iso_date(f: &str) -> bool {
    let b = f.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && super::cast_date(f).is_some()
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

/// `findTightestCommonType`, then CSV's own widening; None is "no common
/// type" (a string).
fn compatible(a: Ty, b: Ty) -> Option<Ty> {
    use Ty::*;
    Some(match (a, b) {
        _ if a == b => a,
        (Null, x) | (x, Null) => x,
        (Int, Long) | (Long, Int) => Long,
        (Int | Long, Double) | (Double, Int | Long) => Double,
        (Date, Ts) | (Ts, Date) => Ts,
        (Str, _) | (_, Str) => Str,
        (Int, Dec(p, s)) | (Dec(p, s), Int) => merge_decimals(10, 0, p, s),
        (Long, Dec(p, s)) | (Dec(p, s), Long) => merge_decimals(20, 0, p, s),
        (Double, Dec(..)) | (Dec(..), Double) => Double,
        (Dec(p1, s1), Dec(p2, s2)) => merge_decimals(p1, s1, p2, s2),
        _ => return None,
    })
}

fn ty_to_arrow(t: Ty) -> DataType {
    match t {
        Ty::Null | Ty::Str => DataType::Utf8,
        Ty::Int => DataType::Int32,
        Ty::Long => DataType::Int64,
        Ty::Dec(p, s) => DataType::Decimal128(p, s),
        Ty::Double => DataType::Float64,
        Ty::Date => DataType::Date32,
        Ty::Ts => types::timestamp(),
        Ty::Bool => DataType::Boolean,
    }
}

/// The schema Spark gives CSV files read without a schema. Columns come
/// from the first record of the first file (Spark lists the largest file
/// first: files are taken by decreasing size, ties in the given order),
/// named by it with `header`, else `_c0`, `_c1`... Without `inferSchema`
/// every column is a string; with it, each column's type is inferred over
/// every record of every file (with `header`, lines equal to the header line
/// are left out, as Spark does). No records: an empty schema.
pub fn infer_csv_schema(files: &[&[u8]], opts: &ReadOptions) -> Result<Schema> {
    let mut order: Vec<&[u8]> = files.iter().map(|f| strip_bom(f)).collect();
    order.sort_by_key(|f| Reverse(f.len()));
    let texts: Vec<Cow<str>> = order.iter().map(|f| String::from_utf8_lossy(f)).collect();
    let tok = Tokenizer::new(opts);

    let mut first: Option<(String, Vec<Option<String>>)> = None;
    for text in &texts {
        for_each_record(text, opts.multi_line, &tok, |raw, fields| {
            first = Some((raw.to_string(), fields.iter().map(|f| f.as_ref().map(|s| s.to_string())).collect()));
            Ok(false)
        })?;
        if first.is_some() {
            break;
        }
    }
    let Some((first_raw, first_fields)) = first else { return Ok(Schema::empty()) };
    let n = first_fields.len();
    let names: Vec<String> = if opts.header {
        let cows: Vec<Option<Cow<str>>> = first_fields.iter().map(|f| f.as_deref().map(Cow::Borrowed)).collect();
        safe_header(&cows, &opts.null_value)
    } else {
        (0..n).map(|i| format!("_c{i}")).collect()
    };
    if !opts.infer_schema {
        return Ok(Schema::new(names.into_iter().map(|n| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>()));
    }
    let inf = Inferrer {
        null_value: &opts.null_value,
        date_format: opts.date_format.as_deref(),
        timestamp_format: opts.timestamp_format.as_deref(),
    };
    let mut tys = vec![Ty::Null; n];
    for text in &texts {
        let mut first_of_file = true;
        for_each_record(text, opts.multi_line, &tok, |raw, fields| {
            let is_header = opts.header && if opts.multi_line { first_of_file } else { raw == first_raw };
            first_of_file = false;
            if !is_header {
                for (i, t) in tys.iter_mut().enumerate().take(fields.len()) {
                    *t = inf.field(*t, fields[i].as_ref());
                }
            }
            Ok(true)
        })?;
    }
    Ok(Schema::new(
        names
            .into_iter()
            .zip(tys)
            .map(|(n, t)| Field::new(n, ty_to_arrow(t), true))
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Mode;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::*;

    fn schema(fields: &[(&str, DataType)]) -> Schema {
        Schema::new(fields.iter().map(|(n, t)| Field::new(*n, t.clone(), true)).collect::<Vec<_>>())
    }

    /// Every cell as text (`NULL` for nulls), row by row.
    fn rows(b: &RecordBatch) -> Vec<Vec<String>> {
        let zone = SessionZone::default();
        let cols: Vec<_> = b.columns().iter().map(|c| crate::display::to_string_array(c.as_ref(), &zone)).collect();
        (0..b.num_rows())
            .map(|r| cols.iter().map(|c| if c.is_null(r) { "NULL".to_string() } else { c.value(r).to_string() }).collect())
            .collect()
    }

    fn read(text: &str, s: &Schema, opts: &ReadOptions) -> Vec<Vec<String>> {
        rows(&read_csv(text.as_bytes(), Some(s), opts, &SessionZone::default()).unwrap())
    }

    fn r(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn tokens(line: &str, opts: &ReadOptions) -> Vec<Option<String>> {
        let t = Tokenizer::new(opts);
        let mut out = Vec::new();
        t.record(line, 0, &mut out);
        out.into_iter().map(|o| o.map(|c| c.into_owned())).collect()
    }

    fn abc() -> Schema {
        schema(&[("a", DataType::Int32), ("b", DataType::Utf8), ("c", DataType::Float64)])
    }

    #[test]
    fn seed_join_static_players() {
        let opts = ReadOptions { delimiter: ";".into(), ..Default::default() };
        let s = schema(&[("name", DataType::Utf8), ("age", DataType::Int32)]);
        let b = read_csv(b"rahul;23\nravi;25\nvirat;26\nshikhar;28\nzaheer;31\n", Some(&s), &opts, &SessionZone::default())
            .unwrap();
        assert_eq!(b.num_rows(), 5);
        assert_eq!(b.schema().field(1).data_type(), &DataType::Int32);
        assert_eq!(rows(&b)[2], r(&["virat", "26"]));
        assert_eq!(rows(&b)[4], r(&["zaheer", "31"]));
    }

    #[test]
    fn conformance_csv_source_with_header() {
        let opts = ReadOptions { header: true, ..Default::default() };
        let s = schema(&[("user", DataType::Utf8), ("action", DataType::Utf8), ("n", DataType::Int32)]);
        assert_eq!(
            read("user,action,n\nann,click,1\nbob,view,3\nann,view,2\n", &s, &opts),
            vec![r(&["ann", "click", "1"]), r(&["bob", "view", "3"]), r(&["ann", "view", "2"])]
        );
        assert_eq!(read("user,action,n\nbob,buy,10\n", &s, &opts), vec![r(&["bob", "buy", "10"])]);
        // header only; header after blank lines
        assert!(read("user,action,n\n", &s, &opts).is_empty());
        assert_eq!(read("\n\nq,r,s\n1,x,2\n", &s, &opts), vec![r(&["1", "x", "2"])]);
    }

    #[test]
    fn permissive_rows() {
        // checked against Spark 4.0.1
        let got = read(
            "1,x,2.5\n2,,\n,,\n3\n4,y,5,extra\n\n   \n\" 5\",z,1\n 6 ,  w  , 7.5 \n7,\"\",8\n8,\"a,b\",9\n",
            &abc(),
            &ReadOptions::default(),
        );
        assert_eq!(
            got,
            vec![
                r(&["1", "x", "2.5"]),
                r(&["2", "NULL", "NULL"]),
                r(&["NULL", "NULL", "NULL"]),
                r(&["3", "NULL", "NULL"]),
                r(&["4", "y", "5.0"]),
                r(&["NULL", "z", "1.0"]),
                r(&["NULL", "  w  ", "7.5"]),
                r(&["7", "NULL", "8.0"]),
                r(&["8", "a,b", "9.0"]),
            ]
        );
    }

    #[test]
    fn quotes_and_escapes_like_univocity() {
        let o = ReadOptions::default();
        let t = |l: &str| tokens(l, &o);
        let s = |v: &str| Some(v.to_string());
        assert_eq!(t("1,\"a\"\"b\",1"), vec![s("1"), s("\"a\"\"b\""), s("1")]);
        assert_eq!(t("2,\"a\\\"b\",2"), vec![s("2"), s("a\"b"), s("2")]);
        assert_eq!(t("3,a\"b,3"), vec![s("3"), s("a\"b"), s("3")]);
        assert_eq!(t("4,\"ab\"c,4"), vec![s("4"), s("\"ab\"c"), s("4")]);
        assert_eq!(t("5,\"unterminated"), vec![s("5"), s("unterminated")]);
        assert_eq!(t("6,'q',6"), vec![s("6"), s("'q'"), s("6")]);
        assert_eq!(t("7,\"x\"  ,7"), vec![s("7"), s("x"), s("7")]);
        assert_eq!(t("8,  \"x\",8"), vec![s("8"), s("  \"x\""), s("8")]);
        assert_eq!(t("\"a\"b,c\",1"), vec![s("\"a\"b"), s("c\""), s("1")]);
        assert_eq!(t("\"a\\\"b\"x,1"), vec![s("\"a\"b\"x"), s("1")]);
        assert_eq!(t("\"a,b\"x,1"), vec![s("\"a,b\"x"), s("1")]);
        assert_eq!(t("\"a\"\"b\"\"c\",1"), vec![s("\"a\"\"b\"\"c\""), s("1")]);
        assert_eq!(t("\"\"x,1"), vec![s("\"\"x"), s("1")]);
        assert_eq!(t("\"a\"  x,1"), vec![s("\"a\"  x"), s("1")]);
        assert_eq!(t("\"a\" ,1"), vec![s("a"), s("1")]);
        assert_eq!(t("\"a\\\\\",1"), vec![s("a\\"), s("1")]);
        assert_eq!(t("\"a\\\",1"), vec![s("a\",1")]);
        assert_eq!(t("\"\\\"\",1"), vec![s("\""), s("1")]);
        assert_eq!(t("\"a\\\\\"b,1"), vec![s("\"a\\\"b"), s("1")]);
        assert_eq!(t("\"a\\b\",1"), vec![s("a\\b"), s("1")]);
        assert_eq!(t("\\\"x,1"), vec![s("\\\"x"), s("1")]);
        assert_eq!(t("a,\"\",b"), vec![s("a"), s(""), s("b")]);
        assert_eq!(t("a,"), vec![s("a"), None]);
        // escape = quote: a doubled quote is a quote
        let eq = ReadOptions { escape: '"', ..Default::default() };
        assert_eq!(tokens("\"a\"\"b\",1", &eq), vec![s("a\"b"), s("1")]);
        assert_eq!(tokens("\"a\\\"b\",1", &eq), vec![s("\"a\\\"b\""), s("1")]);
        // quoting off
        let nq = ReadOptions { quote: '\0', ..Default::default() };
        assert_eq!(tokens("\"a,b\",1", &nq), vec![s("\"a"), s("b\""), s("1")]);
        // another quote character
        let sq = ReadOptions { quote: '\'', ..Default::default() };
        assert_eq!(tokens("1,'a,b',1", &sq), vec![s("1"), s("a,b"), s("1")]);
    }

    #[test]
    fn multi_line_records() {
        let o = ReadOptions { multi_line: true, header: true, ..Default::default() };
        let b = read_csv(b"h1,h2\n\n   \n\"a\nb\",1\n\n2,\"x\"\r\n3,4", None, &o, &SessionZone::default()).unwrap();
        assert_eq!(b.schema().field(0).name(), "h1");
        assert_eq!(rows(&b), vec![r(&["   ", "NULL"]), r(&["a\nb", "1"]), r(&["2", "x"]), r(&["3", "4"])]);
        let s3 = schema(&[("x", DataType::Utf8), ("y", DataType::Utf8), ("z", DataType::Utf8)]);
        let o = ReadOptions { multi_line: true, ..Default::default() };
        assert_eq!(read("a,\"x\ny\",b\n\"p\r\nq\",1,2\n", &s3, &o), vec![r(&["a", "x\ny", "b"]), r(&["p\r\nq", "1", "2"])]);
        // without multiLine a quoted line break splits the record
        let s3i = schema(&[("a", DataType::Int32), ("b", DataType::Utf8), ("c", DataType::Utf8)]);
        assert_eq!(
            read("9,\"multi\nline\",9\n", &s3i, &ReadOptions::default()),
            vec![r(&["9", "multi", "NULL"]), r(&["NULL", "9", "NULL"])]
        );
    }

    #[test]
    fn null_value_and_empty_strings() {
        let s = schema(&[("a", DataType::Int32), ("b", DataType::Utf8), ("c", DataType::Float64)]);
        let o = ReadOptions { null_value: "NA".into(), ..Default::default() };
        assert_eq!(
            read("1,NA,2\nNA,x,NA\n1,,3\n", &s, &o),
            vec![r(&["1", "NULL", "2.0"]), r(&["NULL", "x", "NULL"]), r(&["1", "NULL", "3.0"])]
        );
        let ss = schema(&[("x", DataType::Utf8), ("y", DataType::Utf8), ("z", DataType::Utf8)]);
        assert_eq!(read("a,\"\",b\n\"\",,\n", &ss, &o), vec![r(&["a", "", "b"]), r(&["", "NULL", "NULL"])]);
        assert_eq!(read("\"NA\",x,y\n", &ss, &o), vec![r(&["NULL", "x", "y"])]);
        let s2 = schema(&[("a", DataType::Utf8), ("b", DataType::Utf8)]);
        assert_eq!(
            read(",\n\"\",\"\"\n\" \",\n", &s2, &ReadOptions::default()),
            vec![r(&["NULL", "NULL"]), r(&["NULL", "NULL"]), r(&[" ", "NULL"])]
        );
    }

    #[test]
    fn numbers_like_java() {
        let s = abc();
        let got = read(
            "3000000000,x,1e400\n+5,x,1.5d\n0x10,x,0x1p3\n-0,x,Inf\n1.0,x,-Inf\n07,x,NaN\n5,x,Infinity\n5,x,nan\n",
            &s,
            &ReadOptions::default(),
        );
        let col = |i: usize| got.iter().map(|row| row[i].clone()).collect::<Vec<_>>();
        assert_eq!(col(0), r(&["NULL", "5", "NULL", "0", "NULL", "7", "5", "5"]));
        assert_eq!(col(2), r(&["Infinity", "1.5", "8.0", "Infinity", "-Infinity", "NaN", "Infinity", "NULL"]));
        let f = schema(&[("f", DataType::Float32), ("d", DataType::Float64)]);
        assert_eq!(
            read("1e40,1e400\n 1.5 ,1.5f\n-Inf,+Inf\n+Infinity,-Infinity\n+NaN,NaN\n", &f, &ReadOptions::default()),
            vec![
                r(&["Infinity", "Infinity"]),
                r(&["1.5", "1.5"]),
                r(&["-Infinity", "NULL"]),
                r(&["Infinity", "-Infinity"]),
                r(&["NaN", "NaN"])
            ]
        );
        let m = schema(&[
            ("bo", DataType::Boolean),
            ("l", DataType::Int64),
            ("de", DataType::Decimal128(5, 2)),
            ("by", DataType::Int8),
        ]);
        assert_eq!(
            read("true,1,1.255,200\nTRUE,1,12.5,-200\nt,1,x,100\n1,1,1234.5,1\nyes,1,1e1,x\n", &m, &ReadOptions::default()),
            vec![
                r(&["true", "1", "1.26", "NULL"]),
                r(&["true", "1", "12.50", "NULL"]),
                r(&["NULL", "1", "NULL", "100"]),
                r(&["NULL", "1", "NULL", "1"]),
                r(&["NULL", "1", "10.00", "NULL"]),
            ]
        );
        let d = schema(&[("d", DataType::Decimal128(10, 2))]);
        assert_eq!(
            read("\"1,234.5\"\n 1.5\n1.5 \n.5\n5.\n1E2\n-0.001\n", &d, &ReadOptions::default()),
            vec![r(&["1234.50"]), r(&["NULL"]), r(&["NULL"]), r(&["0.50"]), r(&["5.00"]), r(&["100.00"]), r(&["0.00"])]
        );
    }

    #[test]
    fn dates_and_timestamps() {
        let s = schema(&[("t", types::timestamp()), ("d", DataType::Date32)]);
        let got = read(
            "2020-08-15T05:34:45,2020-08-15\n2020-08-15 05:34:45,2020-8-5\n 2020-08-15 05:34:45 , 2020-08-15 \n2020-08-15T05:34:45Z,2020-08-15T10:00\n2020-08-15,2020\n2020-08-15 05:34:45.1234567,2020-08\n1597469685,x\n",
            &s,
            &ReadOptions::default(),
        );
        assert_eq!(
            got,
            vec![
                r(&["2020-08-15 05:34:45", "2020-08-15"]),
                r(&["2020-08-15 05:34:45", "2020-08-05"]),
                r(&["2020-08-15 05:34:45", "2020-08-15"]),
                r(&["2020-08-15 05:34:45", "2020-08-15"]),
                r(&["2020-08-15 00:00:00", "2020-01-01"]),
                r(&["2020-08-15 05:34:45.123456", "2020-08-01"]),
                    r(&["NULL", "NULL"]),
            ]
        );
        // short years are not dates; no days-since-epoch fallback in CSV
        let d = schema(&[("d", DataType::Date32)]);
        assert_eq!(read("5\n123\n12345\n-5\n", &d, &ReadOptions::default()), vec![
            r(&["NULL"]),
            r(&["NULL"]),
            r(&["+12345-01-01"]),
            r(&["NULL"])
        ]);
        let o = ReadOptions {
            timestamp_format: Some("dd/MM/yyyy HH:mm".into()),
            date_format: Some("dd/MM/yyyy".into()),
            ..Default::default()
        };
        assert_eq!(
            read("15/08/2020 05:34,15/08/2020\n2020-08-15 05:34:45,2020-08-15\n", &s, &o),
            vec![r(&["2020-08-15 05:34:00", "2020-08-15"]), r(&["NULL", "NULL"])]
        );
        // wall-clock times are in the session zone
        let paris = SessionZone::parse("Europe/Paris").unwrap();
        let tt = schema(&[("t", types::timestamp()), ("u", types::timestamp())]);
        let b = read_csv(b"2020-08-15 05:34:45,2020-08-15T05:34:45Z\n", Some(&tt), &ReadOptions::default(), &paris).unwrap();
        let ts = b.column(0).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(ts.value(0), 1597462485000000); // 03:34:45 UTC
        assert_eq!(b.column(1).as_primitive::<TimestampMicrosecondType>().value(0), 1597469685000000);
        // timestamp_ntz refuses an explicit offset
        let ntz = schema(&[("t", types::timestamp_ntz()), ("u", types::timestamp_ntz())]);
        assert_eq!(
            read("2020-08-15T05:34:45+02:00,2020-08-15T05:34:45\n", &ntz, &ReadOptions::default()),
            vec![r(&["NULL", "2020-08-15 05:34:45"])]
        );
    }

    #[test]
    fn delimiters() {
        let s = schema(&[("n", DataType::Utf8), ("a", DataType::Int32), ("b", DataType::Utf8)]);
        let o = ReadOptions { delimiter: "||".into(), ..Default::default() };
        assert_eq!(read("a||1||x\nb||2\n", &s, &o), vec![r(&["a", "1", "x"]), r(&["b", "2", "NULL"])]);
        let o = ReadOptions { delimiter: "\t".into(), ..Default::default() };
        assert_eq!(read("a\t1\tz\n", &s, &o), vec![r(&["a", "1", "z"])]);
        let o = ReadOptions { delimiter: "þ".into(), ..Default::default() };
        assert_eq!(read("aþ1þ\"xþy\"\n", &s, &o), vec![r(&["a", "1", "xþy"])]);
        let s2 = schema(&[("a", DataType::Int32), ("b", DataType::Utf8)]);
        assert_eq!(
            read("1,x\r\n2,y\r3,z\n4,w", &s2, &ReadOptions::default()),
            vec![r(&["1", "x"]), r(&["2", "y"]), r(&["3", "z"]), r(&["4", "w"])]
        );
    }

    #[test]
    fn drop_malformed_and_fail_fast() {
        let o = ReadOptions { mode: Mode::DropMalformed, ..Default::default() };
        assert_eq!(
            read("1,x,1\nbad,x,1\n2,y\n3,z,3,4\n4,w,4\n", &abc(), &o),
            vec![r(&["1", "x", "1.0"]), r(&["4", "w", "4.0"])]
        );
        let o = ReadOptions { mode: Mode::FailFast, ..Default::default() };
        let err = |text: &str| read_csv(text.as_bytes(), Some(&abc()), &o, &SessionZone::default()).unwrap_err();
        let e = err("1,x,1\nbad,x,1\n");
        assert_eq!(e.class.as_deref(), Some("MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION"));
        assert_eq!(
            e.message,
            "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: [null,x,1.0].\nParse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'.  SQLSTATE: 22023"
        );
        assert!(err("1,x,1\n2,y\n").message.contains("record parsing: [2,y,null]."));
        assert!(err("1,x,1\n2,y,2,3\n").message.contains("record parsing: [2,y,2.0]."));
        let ts = schema(&[
            ("t", types::timestamp()),
            ("d", DataType::Date32),
            ("x", DataType::Float64),
            ("y", DataType::Int32),
            ("de", DataType::Decimal128(5, 2)),
        ]);
        let e = read_csv(b"2020-01-01,2020-01-02,1.5,bad,1.50\n", Some(&ts), &o, &SessionZone::default()).unwrap_err();
        assert!(e.message.contains("record parsing: [1577836800000000,18263,1.5,null,1.50]."), "{}", e.message);
    }

    #[test]
    fn corrupt_record_column() {
        let s = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("c", DataType::Float64),
            ("_corrupt_record", DataType::Utf8),
        ]);
        assert_eq!(
            read("1,x,1\nbad,x,1\n2,y\n", &s, &ReadOptions::default()),
            vec![r(&["1", "x", "1.0", "NULL"]), r(&["NULL", "x", "1.0", "bad,x,1"]), r(&["2", "y", "NULL", "2,y"])]
        );
        let only = schema(&[("_corrupt_record", DataType::Utf8)]);
        let e = read_csv(b"a\n", Some(&only), &ReadOptions::default(), &SessionZone::default()).unwrap_err();
        assert_eq!(e.class.as_deref(), Some("UNSUPPORTED_FEATURE.QUERY_ONLY_CORRUPT_RECORD_COLUMN"));
    }

    #[test]
    fn without_a_schema() {
        let zone = SessionZone::default();
        let o = ReadOptions { header: true, ..Default::default() };
        let b = read_csv(b"q,r,q,,Q\n1,x,2,3,4\n5\n", None, &o, &zone).unwrap();
        let names: Vec<_> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, vec!["q0", "r", "q2", "_c3", "Q4"]);
        assert_eq!(rows(&b), vec![r(&["1", "x", "2", "3", "4"]), r(&["5", "NULL", "NULL", "NULL", "NULL"])]);
        let b = read_csv(b"1,x,2\n3,y\n4,z,5,6\n", None, &ReadOptions::default(), &zone).unwrap();
        let names: Vec<_> = b.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, vec!["_c0", "_c1", "_c2"]);
        assert_eq!(rows(&b), vec![r(&["1", "x", "2"]), r(&["3", "y", "NULL"]), r(&["4", "z", "5"])]);
        let o = ReadOptions { header: true, null_value: "NA".into(), ..Default::default() };
        let s = infer_csv_schema(&[b"a,NA,\n1,2,3\n"], &o).unwrap();
        let names: Vec<_> = s.fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names, vec!["a", "_c1", "_c2"]);
        // BOM before the header
        let b = read_csv(b"\xEF\xBB\xBFa,b\n1,2\n", None, &ReadOptions { header: true, ..Default::default() }, &zone).unwrap();
        assert_eq!(b.schema().field(0).name(), "a");
        assert_eq!(infer_csv_schema(&[b""], &ReadOptions::default()).unwrap().fields().len(), 0);
    }

    fn inferred(files: &[&str], extra: ReadOptions) -> String {
        let o = ReadOptions { infer_schema: true, ..extra };
        let files: Vec<&[u8]> = files.iter().map(|f| f.as_bytes()).collect();
        let s = infer_csv_schema(&files, &o).unwrap();
        s.fields()
            .iter()
            .map(|f| format!("{}:{}", f.name(), types::simple_name(f.data_type())))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn schema_inference_like_spark() {
        let h = ReadOptions { header: true, ..Default::default() };
        assert_eq!(
            inferred(
                &["a,b,c,d,e,f,g,h,i,j,k\n1,3000000000,12345678901234567890,1.5,2020-08-15,2020-08-15 05:34:45,true,x,,NaN, 5\n2,1,1,1,2020-08-16,2020-08-16T05:34:45Z,FALSE,1,,Inf,6\n"],
                h.clone()
            ),
            "a:int,b:bigint,c:decimal(20,0),d:double,e:date,f:timestamp,g:boolean,h:string,i:string,j:double,k:double"
        );
        let d = ReadOptions::default();
        assert_eq!(
            inferred(&["1,1.5,2020-08-15,true,1,2020-08\n1.5,1,2020-08-15 10:00:00,1,x,2020-08-15\n"], d.clone()),
            "_c0:double,_c1:double,_c2:timestamp,_c3:string,_c4:string,_c5:timestamp"
        );
        assert_eq!(inferred(&["5,2020-08-15,true\ntrue,5,2020-08-15\n"], d.clone()), "_c0:string,_c1:string,_c2:string");
        assert_eq!(inferred(&["2020-08-15,1\n5,2\n"], d.clone()), "_c0:string,_c1:int");
        assert_eq!(
            inferred(&["1.5d,0x10,1e5,+5,-0,07\n"], d.clone()),
            "_c0:double,_c1:string,_c2:double,_c3:int,_c4:int,_c5:int"
        );
        assert_eq!(
            inferred(
                &["2020-8-5,2020-08-15T05:34,2020-08-15 05:34:45.123,2020-08-15T05:34:45+02:00,2020,1597469685\n"],
                d.clone()
            ),
            "_c0:timestamp,_c1:timestamp,_c2:timestamp,_c3:timestamp,_c4:int,_c5:int"
        );
        let f = ReadOptions {
            date_format: Some("dd/MM/yyyy".into()),
            timestamp_format: Some("dd/MM/yyyy HH:mm".into()),
            ..Default::default()
        };
        assert_eq!(inferred(&["15/08/2020,15/08/2020 10:00,2020-08-15\n"], f), "_c0:date,_c1:timestamp,_c2:string");
        assert_eq!(inferred(&["1,2\n3,4,5\n6\n"], d.clone()), "_c0:int,_c1:int");
        assert_eq!(inferred(&[""], d.clone()), "");
        assert_eq!(inferred(&["a,b\n"], h.clone()), "a:string,b:string");
        let na = ReadOptions { null_value: "NA".into(), ..Default::default() };
        assert_eq!(inferred(&["1,NA\nNA,2\n"], na), "_c0:int,_c1:int");
        assert_eq!(inferred(&["\"1\",\"x\"\n\"2\",\"\"\n"], d.clone()), "_c0:int,_c1:string");
        assert_eq!(inferred(&["1.5,1\n12345678901234567890,12345678901234567890\n"], d.clone()), "_c0:double,_c1:decimal(20,0)");
        assert_eq!(inferred(&["2020-08-15,1\n2020-08-15 10:00:00,2\n"], d.clone()), "_c0:timestamp,_c1:int");
        assert_eq!(inferred(&["true\nfalse\n"], d.clone()), "_c0:boolean");
        assert_eq!(inferred(&["a,b\n1\n"], h.clone()), "a:int,b:string");
        assert_eq!(
            inferred(&["\"1,000\",1.0e1,1e1,00012345678901234567890\n"], d.clone()),
            "_c0:string,_c1:decimal(2,0),_c2:double,_c3:decimal(20,0)"
        );
        // several files: the largest file's first line names the columns;
        // lines equal to it are not data for inference
        assert_eq!(inferred(&["a,b\n1,2\na,b\n3,4\n", "a,b\n5,x\n", "c,d\n7,8\n"], h.clone()), "a:string,b:string");
        assert_eq!(inferred(&["a,b\n1,2\n", "c,d,e\n7,8,9\n"], h.clone()), "c:string,d:string,e:int");
        let plain = infer_csv_schema(&[b"a,b\n1,2\n", b"c,d,e\n7,8,9\n"], &h).unwrap();
        let names: Vec<_> = plain.fields().iter().map(|f| format!("{}:{}", f.name(), types::simple_name(f.data_type()))).collect();
        assert_eq!(names, vec!["c:string", "d:string", "e:string"]);
    }

    #[test]
    fn inferred_schema_reads() {
        let o = ReadOptions { infer_schema: true, header: true, ..Default::default() };
        let b = read_csv(b"n,x\n1,1.5\n2,\n", None, &o, &SessionZone::default()).unwrap();
        assert_eq!(b.schema().field(0).data_type(), &DataType::Int32);
        assert_eq!(b.schema().field(1).data_type(), &DataType::Float64);
        assert_eq!(rows(&b), vec![r(&["1", "1.5"]), r(&["2", "NULL"])]);
    }

    #[test]
    fn unsupported_types() {
        let s = Schema::new(vec![Field::new("s", types::struct_of(vec![("x".into(), DataType::Int32)]), true)]);
        let e = read_csv(b"a\n", Some(&s), &ReadOptions::default(), &SessionZone::default()).unwrap_err();
        assert_eq!(
            e.message,
            "[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The CSV datasource doesn't support the column `s` of the type \"STRUCT<x: INT>\". SQLSTATE: 0A000"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let mut seed = 0x9E3779B97F4A7C15u64;
        let alphabet = b",;\"\\'\n\r \t0123456789.eE-+xyz\xff\xfe\xc3\xa9";
        let all = schema(&[
            ("a", DataType::Int32),
            ("b", DataType::Utf8),
            ("c", DataType::Float64),
            ("d", DataType::Decimal128(10, 2)),
            ("e", types::timestamp()),
            ("f", DataType::Date32),
            ("g", DataType::Boolean),
            ("_corrupt_record", DataType::Utf8),
        ]);
        for round in 0..300 {
            let len = (round * 7) % 200;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    if round % 3 == 0 {
                        (seed >> 24) as u8
                    } else {
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            for multi_line in [false, true] {
                for header in [false, true] {
                    for delimiter in [",", ";;", "é"] {
                        let o = ReadOptions { multi_line, header, delimiter: delimiter.into(), ..Default::default() };
                        let zone = SessionZone::default();
                        let _ = read_csv(&bytes, Some(&all), &o, &zone).unwrap();
                        let _ = read_csv(&bytes, None, &o, &zone).unwrap();
                        let io = ReadOptions { infer_schema: true, ..o.clone() };
                        let _ = read_csv(&bytes, None, &io, &zone).unwrap();
                        let ff = ReadOptions { mode: Mode::FailFast, ..o };
                        let _ = read_csv(&bytes, Some(&all), &ff, &zone);
                    }
                }
            }
        }
    }
}
