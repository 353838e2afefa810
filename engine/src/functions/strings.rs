//! String functions: formatting, searching, splitting, encoding, hashing.
//!
//! Patterns are Java regular expressions in Spark; they run here on the
//! `regex` crate, which agrees on the common syntax (classes, groups,
//! quantifiers, anchors) but has no backreferences or look-around (such a
//! pattern is refused with Spark's invalid-pattern error).

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::*;

use super::math::unexpected_type;
use crate::plan::functions::need;
use super::PyArg;
use crate::error::{EngineError, Result};
use crate::eval::EvalCtx;
use crate::plan::expr::{Lit, PExpr};
use crate::types;

pub mod format;
pub mod hash;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrFn {
    Md5,
    Sha1,
    Sha2,
    Crc32,
    Murmur3,
    XxHash64,
    Base64,
    UnBase64,
    Encode,
    Decode,
    BitLength,
    OctetLength,
    BTrim,
    Chr,
    Elt,
    FindInSet,
    FormatNumber,
    FormatString,
    Levenshtein,
    Mask,
    Overlay,
    RegexpLike,
    RegexpCount,
    RegexpExtractAll,
    RegexpInstr,
    RegexpSubstr,
    Replace,
    Sentences,
    Soundex,
    SplitPart,
    SubstringIndex,
    ToChar,
    /// `to_number`; `try_` gives NULL where the text does not fit.
    ToNumber { try_: bool },
    UrlEncode,
    UrlDecode,
    ParseUrl,
    LuhnCheck,
    Quote,
}

const NAMES: &[&str] = &[
    "md5", "sha1", "sha", "sha2", "crc32", "hash", "xxhash64", "base64", "unbase64", "encode", "decode",
    "bit_length", "octet_length", "btrim", "chr", "char", "elt", "find_in_set", "format_number", "format_string",
    "printf", "levenshtein", "mask", "overlay", "regexp_like", "rlike", "regexp", "regexp_count",
    "regexp_extract_all", "regexp_instr", "regexp_substr", "replace", "sentences", "soundex", "split_part",
    "substring_index", "to_char", "to_varchar", "to_number", "try_to_number", "url_encode", "url_decode",
    "parse_url", "luhn_check",
];

pub fn knows(name: &str) -> bool {
    NAMES.contains(&name)
}

pub fn python_signature(name: &str) -> Option<&'static [(&'static str, PyArg)]> {
    Some(match name {
        "format_string" => &[("format", PyArg::Lit), ("cols", PyArg::Cols)],
        "encode" | "decode" => &[("col", PyArg::Col), ("charset", PyArg::Lit)],
        "substring_index" => &[("str", PyArg::Col), ("delim", PyArg::Lit), ("count", PyArg::Lit)],
        _ => return None,
    })
}

pub fn pretty(name: &str, args: &[String]) -> Option<String> {
    let list = args.join(", ");
    Some(match (name, args.len()) {
        ("regexp_extract_all", 2) => format!("regexp_extract_all({list}, 1)"),
        ("regexp_instr", 2) => format!("regexp_instr({list}, 0)"),
        ("overlay", 3) => format!("overlay({list}, -1)"),
        ("mask", 1..=4) => {
            let defaults = ["X", "x", "n", "NULL"];
            let mut all: Vec<String> = args.to_vec();
            for d in &defaults[args.len() - 1..] {
                all.push(d.to_string());
            }
            format!("mask({})", all.join(", "))
        }
        ("replace", 2) => format!("replace({list}, )"),
        ("sentences", 1) => format!("sentences({list}, , )"),
        ("sentences", 2) => format!("sentences({list}, )"),
        ("to_varchar", _) => format!("to_char({list})"),
        ("regexp_like", _) => format!("REGEXP_LIKE({list})"),
        ("rlike", _) => format!("RLIKE({list})"),
        ("regexp", _) => format!("REGEXP({list})"),
        _ => return None,
    })
}

fn string(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    match &e.ty {
        DataType::Utf8 => Ok(e),
        DataType::List(_) | DataType::Struct(_) | DataType::Map(..) | DataType::Binary => {
            Err(unexpected_type(pretty, i, "\"STRING\"", &e.ty))
        }
        _ => Ok(e.cast(DataType::Utf8)),
    }
}

/// A string or binary argument (functions over bytes take both).
fn bytes(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    match &e.ty {
        DataType::Utf8 | DataType::Binary => Ok(e),
        DataType::Null => Ok(e.cast(DataType::Binary)),
        t => Err(unexpected_type(pretty, i, "\"BINARY\"", t)),
    }
}

fn int(pretty: &str, i: usize, e: PExpr) -> Result<PExpr> {
    match &e.ty {
        DataType::Int32 => Ok(e),
        t if types::is_numeric(t) || matches!(t, DataType::Null | DataType::Utf8) => Ok(e.cast(DataType::Int32)),
        t => Err(unexpected_type(pretty, i, "\"INT\"", t)),
    }
}

fn lib(f: StrFn, args: Vec<PExpr>, ty: DataType) -> PExpr {
    super::call(super::LibFn::Str(f), args, ty)
}

fn lit_int(v: i32) -> PExpr {
    PExpr::literal(Lit::Int(v))
}

fn lit_str(v: &str) -> PExpr {
    PExpr::literal(Lit::Str(v.to_string()))
}

fn non_foldable(pretty: &str, name: &str, param: &str) -> EngineError {
    let _ = pretty;
    EngineError::analysis(
        "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
        format!("Cannot resolve \"{pretty}\" due to data type mismatch: the input {param} should be a foldable \"STRING\" expression; however, got \"{name}\"."),
        "42K09",
    )
}

pub fn resolve(name: &str, mut args: Vec<PExpr>, pretty: &str) -> Result<PExpr> {
    let s = DataType::Utf8;
    Ok(match name {
        "md5" | "sha1" | "sha" | "crc32" => {
            need(name, &args, 1, 1)?;
            let x = bytes(pretty, 0, args.remove(0))?;
            let (f, ty) = match name {
                "md5" => (StrFn::Md5, s),
                "crc32" => (StrFn::Crc32, DataType::Int64),
                _ => (StrFn::Sha1, s),
            };
            lib(f, vec![x], ty)
        }
        "sha2" => {
            need(name, &args, 2, 2)?;
            let bits = int(pretty, 1, args.remove(1))?;
            let x = bytes(pretty, 0, args.remove(0))?;
            lib(StrFn::Sha2, vec![x, bits], s)
        }
        "hash" | "xxhash64" => {
            if args.is_empty() {
                return Err(EngineError::analysis(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    format!("The `{name}` requires > 0 parameters but the actual number is 0. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."),
                    "42605",
                ));
            }
            for (i, a) in args.iter().enumerate() {
                if !hash::supported(&a.ty) {
                    return Err(unexpected_type(pretty, i, "hashable", &a.ty));
                }
            }
            if name == "hash" {
                lib(StrFn::Murmur3, args, DataType::Int32)
            } else {
                lib(StrFn::XxHash64, args, DataType::Int64)
            }
        }
        "base64" => {
            need(name, &args, 1, 1)?;
            let x = bytes(pretty, 0, args.remove(0))?;
            lib(StrFn::Base64, vec![x], s)
        }
        "unbase64" => {
            need(name, &args, 1, 1)?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::UnBase64, vec![x], DataType::Binary)
        }
        "encode" => {
            need(name, &args, 2, 2)?;
            let cs = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::Encode, vec![x, cs], DataType::Binary)
        }
        "decode" => {
            if args.len() != 2 {
                return Err(EngineError::unsupported("decode(expr, search, result, ...): the CASE form of decode"));
            }
            let cs = string(pretty, 1, args.remove(1))?;
            let x = bytes(pretty, 0, args.remove(0))?;
            lib(StrFn::Decode, vec![x, cs], s)
        }
        "bit_length" | "octet_length" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            let x = match x.ty {
                DataType::Binary | DataType::Utf8 => x,
                _ => string(pretty, 0, x)?,
            };
            lib(if name == "bit_length" { StrFn::BitLength } else { StrFn::OctetLength }, vec![x], DataType::Int32)
        }
        "btrim" => {
            need(name, &args, 1, 2)?;
            let mut out = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                out.push(string(pretty, i, a)?);
            }
            lib(StrFn::BTrim, out, s)
        }
        "chr" | "char" => {
            need(name, &args, 1, 1)?;
            let x = args.remove(0);
            let x = match &x.ty {
                t if types::is_numeric(t) || matches!(t, DataType::Null | DataType::Utf8) => x.cast(DataType::Int64),
                t => return Err(unexpected_type(pretty, 0, "\"BIGINT\"", t)),
            };
            lib(StrFn::Chr, vec![x], s)
        }
        "elt" => {
            if args.len() < 2 {
                return Err(EngineError::analysis(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    format!("The `elt` requires > 1 parameters but the actual number is {}. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.", args.len()),
                    "42605",
                ));
            }
            let idx = int(pretty, 0, args.remove(0))?;
            let mut out = vec![idx];
            for (i, a) in args.into_iter().enumerate() {
                out.push(string(pretty, i + 1, a)?);
            }
            lib(StrFn::Elt, out, s)
        }
        "find_in_set" => {
            need(name, &args, 2, 2)?;
            let set = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::FindInSet, vec![x, set], DataType::Int32)
        }
        "format_number" => {
            need(name, &args, 2, 2)?;
            let d = args.remove(1);
            let d = match &d.ty {
                DataType::Utf8 => d,
                t if types::is_integral(t) || *t == DataType::Null => d.cast(DataType::Int32),
                t => return Err(unexpected_type(pretty, 1, "(\"INT\" or \"STRING\")", t)),
            };
            let x = args.remove(0);
            let x = match &x.ty {
                t if types::is_numeric(t) => x,
                DataType::Null => x.cast(DataType::Float64),
                DataType::Utf8 => x.cast(DataType::Float64),
                t => return Err(unexpected_type(pretty, 0, "\"NUMERIC\"", t)),
            };
            lib(StrFn::FormatNumber, vec![x, d], s)
        }
        "format_string" | "printf" => {
            if args.is_empty() {
                return Err(EngineError::analysis(
                    "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                    format!("The `{name}` requires > 0 parameters but the actual number is 0. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."),
                    "42605",
                ));
            }
            let fmt = string(pretty, 0, args.remove(0))?;
            let mut out = vec![fmt];
            out.extend(args);
            lib(StrFn::FormatString, out, s)
        }
        "levenshtein" => {
            need(name, &args, 2, 3)?;
            let th = if args.len() == 3 { Some(int(pretty, 2, args.remove(2))?) } else { None };
            let r = string(pretty, 1, args.remove(1))?;
            let l = string(pretty, 0, args.remove(0))?;
            let mut out = vec![l, r];
            out.extend(th);
            lib(StrFn::Levenshtein, out, DataType::Int32)
        }
        "mask" => {
            need(name, &args, 1, 5)?;
            let defaults = [Some("X"), Some("x"), Some("n"), None];
            let x = string(pretty, 0, args.remove(0))?;
            let mut out = vec![x];
            let mut given = args.into_iter();
            for (k, d) in defaults.iter().enumerate() {
                let a = match given.next() {
                    Some(a) => {
                        let param = ["upperChar", "lowerChar", "digitChar", "otherChar"][k];
                        match a.as_literal() {
                            Some(Lit::Null) => PExpr::literal(Lit::Null).cast(DataType::Utf8),
                            Some(Lit::Str(c)) if c.chars().count() == 1 => a,
                            Some(Lit::Str(_)) => {
                                return Err(EngineError::analysis(
                                    "DATATYPE_MISMATCH.INPUT_SIZE_NOT_ONE",
                                    format!("Cannot resolve \"{pretty}\" due to data type mismatch: Length of `{param}` should be 1."),
                                    "42K09",
                                ))
                            }
                            _ => return Err(non_foldable(pretty, param, param)),
                        }
                    }
                    None => match d {
                        Some(c) => lit_str(c),
                        None => PExpr::literal(Lit::Null).cast(DataType::Utf8),
                    },
                };
                out.push(a);
            }
            lib(StrFn::Mask, out, s)
        }
        "overlay" => {
            need(name, &args, 3, 4)?;
            let len = if args.len() == 4 { int(pretty, 3, args.remove(3))? } else { lit_int(-1) };
            let pos = int(pretty, 2, args.remove(2))?;
            let r = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::Overlay, vec![x, r, pos, len], s)
        }
        "regexp_like" | "rlike" | "regexp" => {
            need(name, &args, 2, 2)?;
            let p = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::RegexpLike, vec![x, p], DataType::Boolean)
        }
        "regexp_count" | "regexp_substr" => {
            need(name, &args, 2, 2)?;
            let p = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            if name == "regexp_count" {
                lib(StrFn::RegexpCount, vec![x, p], DataType::Int32)
            } else {
                lib(StrFn::RegexpSubstr, vec![x, p], s)
            }
        }
        "regexp_extract_all" | "regexp_instr" => {
            need(name, &args, 2, 3)?;
            let default = if name == "regexp_instr" { 0 } else { 1 };
            let idx = if args.len() == 3 { int(pretty, 2, args.remove(2))? } else { lit_int(default) };
            let p = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            if name == "regexp_instr" {
                lib(StrFn::RegexpInstr, vec![x, p, idx], DataType::Int32)
            } else {
                lib(StrFn::RegexpExtractAll, vec![x, p, idx], types::array_of(DataType::Utf8))
            }
        }
        "replace" => {
            need(name, &args, 2, 3)?;
            let r = if args.len() == 3 { string(pretty, 2, args.remove(2))? } else { lit_str("") };
            let search = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::Replace, vec![x, search, r], s)
        }
        "sentences" => {
            need(name, &args, 1, 3)?;
            let mut out = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                out.push(string(pretty, i, a)?);
            }
            lib(StrFn::Sentences, out, types::array_of(types::array_of(DataType::Utf8)))
        }
        "soundex" | "url_encode" | "url_decode" | "luhn_check" | "quote" => {
            need(name, &args, 1, 1)?;
            let x = string(pretty, 0, args.remove(0))?;
            let (f, ty) = match name {
                "soundex" => (StrFn::Soundex, s),
                "url_encode" => (StrFn::UrlEncode, s),
                "url_decode" => (StrFn::UrlDecode, s),
                "luhn_check" => (StrFn::LuhnCheck, DataType::Boolean),
                _ => (StrFn::Quote, s),
            };
            lib(f, vec![x], ty)
        }
        "split_part" => {
            need(name, &args, 3, 3)?;
            let part = int(pretty, 2, args.remove(2))?;
            let d = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::SplitPart, vec![x, d, part], s)
        }
        "substring_index" => {
            need(name, &args, 3, 3)?;
            let count = int(pretty, 2, args.remove(2))?;
            let d = string(pretty, 1, args.remove(1))?;
            let x = string(pretty, 0, args.remove(0))?;
            lib(StrFn::SubstringIndex, vec![x, d, count], s)
        }
        "parse_url" => {
            need(name, &args, 2, 3)?;
            let mut out = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                out.push(string(pretty, i, a)?);
            }
            lib(StrFn::ParseUrl, out, s)
        }
        "to_char" | "to_varchar" => {
            need(name, &args, 2, 2)?;
            let f = args.remove(1);
            let fmt = match f.as_literal() {
                Some(Lit::Str(t)) => t.clone(),
                _ => return Err(non_foldable(pretty, "format", "format")),
            };
            let x = args.remove(0);
            match &x.ty {
                DataType::Decimal128(..) => {}
                t if types::is_integral(t) => {}
                DataType::Float32 | DataType::Float64 => {}
                DataType::Date32 | DataType::Timestamp(..) | DataType::Binary => {
                    return Err(EngineError::unsupported(format!("{name} of a {}", types::sql_name(&x.ty))));
                }
                t => return Err(unexpected_type(pretty, 0, "\"NUMERIC\"", t)),
            }
            format::NumberFormat::parse(&fmt).map_err(|m| format::format_error(pretty, &fmt, &m))?;
            let x = match &x.ty {
                DataType::Decimal128(..) => x,
                DataType::Int64 => x.cast(DataType::Decimal128(20, 0)),
                t if types::is_integral(t) => x.cast(DataType::Decimal128(10, 0)),
                _ => x.cast(DataType::Decimal128(38, 18)),
            };
            lib(StrFn::ToChar, vec![x, f], s)
        }
        "to_number" | "try_to_number" => {
            need(name, &args, 2, 2)?;
            let f = args.remove(1);
            let fmt = match f.as_literal() {
                Some(Lit::Str(t)) => t.clone(),
                _ => return Err(non_foldable(pretty, "format", "format")),
            };
            let nf = format::NumberFormat::parse(&fmt).map_err(|m| format::format_error(pretty, &fmt, &m))?;
            let x = string(pretty, 0, args.remove(0))?;
            let ty = DataType::Decimal128(nf.precision().clamp(1, 38), nf.scale());
            lib(StrFn::ToNumber { try_: name == "try_to_number" }, vec![x, f], ty)
        }
        _ => return Err(EngineError::unsupported(format!("the function `{name}`"))),
    })
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

fn internal(what: &str, a: &ArrayRef) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", format!("expected {what}, got {}", a.data_type()), "XX000")
}

fn strs(a: &ArrayRef) -> Result<&StringArray> {
    a.as_any().downcast_ref::<StringArray>().ok_or_else(|| internal("strings", a))
}

fn i32s(a: &ArrayRef) -> Result<&Int32Array> {
    a.as_any().downcast_ref::<Int32Array>().ok_or_else(|| internal("ints", a))
}

fn i64s(a: &ArrayRef) -> Result<&Int64Array> {
    a.as_any().downcast_ref::<Int64Array>().ok_or_else(|| internal("longs", a))
}

fn opt<'a>(a: &'a StringArray, i: usize) -> Option<&'a str> {
    if a.is_null(i) {
        None
    } else {
        Some(a.value(i))
    }
}

fn opt_i32(a: &Int32Array, i: usize) -> Option<i32> {
    if a.is_null(i) {
        None
    } else {
        Some(a.value(i))
    }
}

/// A string or binary column read as bytes.
enum Bytes<'a> {
    S(&'a StringArray),
    B(&'a BinaryArray),
}

impl<'a> Bytes<'a> {
    fn of(a: &'a ArrayRef) -> Result<Self> {
        if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
            return Ok(Bytes::S(s));
        }
        a.as_any().downcast_ref::<BinaryArray>().map(Bytes::B).ok_or_else(|| internal("strings or binary", a))
    }

    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Bytes::S(s) => (!s.is_null(i)).then(|| s.value(i).as_bytes()),
            Bytes::B(b) => (!b.is_null(i)).then(|| b.value(i)),
        }
    }
}

/// A string column from a per-row function that writes into a buffer.
fn build_str(n: usize, mut f: impl FnMut(usize, &mut String) -> Result<bool>) -> Result<ArrayRef> {
    let mut b = StringBuilder::with_capacity(n, n * 8);
    let mut buf = String::new();
    for i in 0..n {
        buf.clear();
        if f(i, &mut buf)? {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

fn build_bin(n: usize, mut f: impl FnMut(usize, &mut Vec<u8>) -> Result<bool>) -> Result<ArrayRef> {
    let mut b = BinaryBuilder::with_capacity(n, n * 8);
    let mut buf = Vec::new();
    for i in 0..n {
        buf.clear();
        if f(i, &mut buf)? {
            b.append_value(&buf);
        } else {
            b.append_null();
        }
    }
    Ok(Arc::new(b.finish()))
}

fn hex_lower(b: &[u8], out: &mut String) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for &x in b {
        out.push(H[(x >> 4) as usize] as char);
        out.push(H[(x & 15) as usize] as char);
    }
}

/// Caches the last compiled pattern: patterns are nearly always literals.
#[derive(Default)]
struct Patterns {
    last: Option<(String, regex::Regex)>,
}

impl Patterns {
    fn get(&mut self, p: &str, func: &str) -> Result<&regex::Regex> {
        if self.last.as_ref().map(|(k, _)| k.as_str()) != Some(p) {
            let re = regex::Regex::new(p).map_err(|e| {
                EngineError::execution(
                    "INVALID_PARAMETER_VALUE.PATTERN",
                    format!("The value of parameter(s) `regexp` in `{func}` is invalid: '{p}' ({e})."),
                    "22023",
                )
            })?;
            self.last = Some((p.to_string(), re));
        }
        match &self.last {
            Some((_, re)) => Ok(re),
            None => Err(EngineError::execution("INTERNAL_ERROR", "pattern cache", "XX000")),
        }
    }
}

/// Java's `String.substring`-like 1-based SQL substring (`substringSQL`).
fn substring_sql(s: &str, pos: i32, len: i32) -> &str {
    let chars = s.chars().count() as i64;
    let (pos, len) = (pos as i64, len as i64);
    let start = if pos > 0 { pos - 1 } else if pos < 0 { chars + pos } else { 0 };
    let end = if len == i32::MAX as i64 { i64::MAX } else { start.saturating_add(len) };
    let (start, end) = (start.clamp(0, chars), end.clamp(0, chars));
    if start >= end {
        return "";
    }
    let byte = |k: i64| s.char_indices().nth(k as usize).map(|(b, _)| b).unwrap_or(s.len());
    &s[byte(start)..byte(end)]
}

fn levenshtein(a: &str, b: &str, threshold: Option<i32>) -> i32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()] as i32;
    match threshold {
        Some(t) if d > t => -1,
        _ => d,
    }
}

fn soundex(s: &str) -> String {
    const MAP: &[u8; 26] = b"01230127022455012623017202";
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else { return String::new() };
    let up = |b: u8| if b.is_ascii_lowercase() { b - 32 } else { b };
    let b = up(first);
    if !b.is_ascii_uppercase() {
        return s.to_string();
    }
    let mut sx = [b, b'0', b'0', b'0'];
    let mut k = 1;
    let mut last = MAP[(b - b'A') as usize];
    for &c in &bytes[1..] {
        let c = up(c);
        if !c.is_ascii_uppercase() {
            last = b'0';
            continue;
        }
        let code = MAP[(c - b'A') as usize];
        if code == b'7' {
            continue;
        }
        if code != b'0' && code != last {
            sx[k] = code;
            k += 1;
            if k > 3 {
                break;
            }
        }
        last = code;
    }
    String::from_utf8_lossy(&sx).into_owned()
}

/// Java's `URLEncoder.encode(s, UTF-8)`.
fn url_encode(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                super::math::hex_bytes(&[b], out);
            }
        }
    }
}

/// Java's `URLDecoder.decode(s, UTF-8)`.
fn url_decode(s: &str) -> Result<String> {
    let bad = |why: &str| {
        EngineError::execution(
            "CANNOT_DECODE_URL",
            format!("The provided URL cannot be decoded: {s}. Please ensure that the URL is properly formatted and try again. {why}"),
            "22546",
        )
    };
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or_else(|| bad("URLDecoder: Incomplete trailing escape (%) pattern"))?;
                let v = super::math::unhex(hex)
                    .and_then(|v| v.first().copied())
                    .ok_or_else(|| bad("URLDecoder: Illegal hex characters in escape (%) pattern"))?;
                out.push(v);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn luhn(s: &str) -> bool {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut sum = 0u32;
    for (k, b) in s.bytes().rev().enumerate() {
        let mut d = (b - b'0') as u32;
        if k % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn mask_char(c: char, up: Option<char>, low: Option<char>, digit: Option<char>, other: Option<char>) -> char {
    let r = if c.is_uppercase() {
        up
    } else if c.is_lowercase() {
        low
    } else if c.is_ascii_digit() {
        digit
    } else {
        other
    };
    r.unwrap_or(c)
}

/// `java.net.URI` parts, as `parse_url` reads them.
struct Url<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn parse_uri(u: &str) -> Option<Url<'_>> {
    if u.contains(' ') {
        return None;
    }
    let (rest, fragment) = match u.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (u, None),
    };
    let (scheme, rest) = match rest.find(':') {
        Some(i) if i > 0 && rest[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) && rest.as_bytes()[0].is_ascii_alphabetic() => {
            (Some(&rest[..i]), &rest[i + 1..])
        }
        _ => (None, rest),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match rest.strip_prefix("//") {
        Some(r) => match r.find('/') {
            Some(i) => (Some(&r[..i]), &r[i..]),
            None => (Some(r), ""),
        },
        None => (None, rest),
    };
    Some(Url { scheme, authority, path, query, fragment })
}

fn parse_url(u: &str, part: &str, key: Option<&str>) -> Result<Option<String>> {
    let Some(url) = parse_uri(u) else {
        return Err(EngineError::execution(
            "INVALID_URL",
            format!("The url is invalid: {u}. Use `try_parse_url` to tolerate invalid URL and return NULL instead."),
            "22P02",
        ));
    };
    let userinfo = url.authority.and_then(|a| a.rsplit_once('@').map(|(u, _)| u));
    let host = url.authority.map(|a| {
        let h = a.rsplit_once('@').map(|(_, h)| h).unwrap_or(a);
        if h.starts_with('[') {
            h.split_once(']').map(|(x, _)| &h[..x.len() + 1]).unwrap_or(h)
        } else {
            h.split_once(':').map(|(h, _)| h).unwrap_or(h)
        }
    });
    Ok(match (part, key) {
        ("QUERY", Some(k)) => {
            let Some(q) = url.query else { return Ok(None) };
            q.split('&').find_map(|kv| {
                let (kk, v) = kv.split_once('=')?;
                (kk == k).then(|| v.to_string())
            })
        }
        (_, Some(_)) => None,
        ("HOST", _) => host.filter(|h| !h.is_empty()).map(str::to_string),
        ("PATH", _) => Some(url.path.to_string()),
        ("QUERY", _) => url.query.map(str::to_string),
        ("REF", _) => url.fragment.map(str::to_string),
        ("PROTOCOL", _) => url.scheme.map(str::to_string),
        ("FILE", _) => Some(match url.query {
            Some(q) => format!("{}?{q}", url.path),
            None => url.path.to_string(),
        }),
        ("AUTHORITY", _) => url.authority.map(str::to_string),
        ("USERINFO", _) => userinfo.map(str::to_string),
        _ => None,
    })
}

/// Java's `BreakIterator`-style sentences of words (letters and digits;
/// an apostrophe or period inside a word keeps it whole).
fn sentences(s: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut words = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric()
                    || ((chars[i] == '\'' || chars[i] == '.' && chars.get(i + 1).is_some_and(|n| n.is_numeric()))
                        && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())))
            {
                i += 1;
            }
            words.push(chars[start..i].iter().collect::<String>());
            continue;
        }
        if matches!(c, '.' | '!' | '?') {
            while i + 1 < chars.len() && matches!(chars[i + 1], '.' | '!' | '?') {
                i += 1;
            }
            if i + 1 >= chars.len() || chars[i + 1].is_whitespace() {
                if !words.is_empty() {
                    out.push(std::mem::take(&mut words));
                }
            }
        }
        i += 1;
    }
    if !words.is_empty() {
        out.push(words);
    }
    out
}

fn charset_error(cs: &str, func: &str) -> EngineError {
    EngineError::execution(
        "INVALID_PARAMETER_VALUE.CHARSET",
        format!("The value of parameter(s) `charset` in `{func}` is invalid: expects one of the charsets 'us-ascii', 'iso-8859-1', 'utf-8', 'utf-16be', 'utf-16le', 'utf-16', 'utf-32', but got {cs}."),
        "22023",
    )
}

fn coding_error(func: &str, cs: &str) -> EngineError {
    EngineError::execution(
        "MALFORMED_CHARACTER_CODING",
        format!("Invalid value found when performing `{func}` with {cs}"),
        "22000",
    )
}

fn encode(s: &str, cs: &str, out: &mut Vec<u8>) -> Result<()> {
    match cs.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => out.extend_from_slice(s.as_bytes()),
        "US-ASCII" | "ASCII" => {
            for c in s.chars() {
                if !c.is_ascii() {
                    return Err(coding_error("encode", cs));
                }
                out.push(c as u8);
            }
        }
        "ISO-8859-1" | "LATIN1" => {
            for c in s.chars() {
                if (c as u32) > 0xFF {
                    return Err(coding_error("encode", cs));
                }
                out.push(c as u32 as u8);
            }
        }
        "UTF-16" | "UTF-16BE" | "UTF-16LE" => {
            let le = cs.eq_ignore_ascii_case("UTF-16LE");
            if cs.eq_ignore_ascii_case("UTF-16") && !s.is_empty() {
                out.extend_from_slice(&[0xFE, 0xFF]);
            }
            for u in s.encode_utf16() {
                out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
        }
        "UTF-32" => {
            for c in s.chars() {
                out.extend_from_slice(&(c as u32).to_be_bytes());
            }
        }
        _ => return Err(charset_error(cs, "encode")),
    }
    Ok(())
}

fn decode(b: &[u8], cs: &str) -> Result<String> {
    Ok(match cs.to_ascii_uppercase().as_str() {
        "UTF-8" | "UTF8" => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => return Err(coding_error("decode", cs)),
        },
        "US-ASCII" | "ASCII" => {
            if !b.is_ascii() {
                return Err(coding_error("decode", cs));
            }
            b.iter().map(|&x| x as char).collect()
        }
        "ISO-8859-1" | "LATIN1" => b.iter().map(|&x| x as char).collect(),
        "UTF-16" | "UTF-16BE" | "UTF-16LE" => {
            let mut le = cs.eq_ignore_ascii_case("UTF-16LE");
            let mut b = b;
            if cs.eq_ignore_ascii_case("UTF-16") && b.len() >= 2 {
                if b[..2] == [0xFE, 0xFF] {
                    b = &b[2..];
                } else if b[..2] == [0xFF, 0xFE] {
                    b = &b[2..];
                    le = true;
                }
            }
            if b.len() % 2 != 0 {
                return Err(coding_error("decode", cs));
            }
            let units: Vec<u16> =
                b.chunks_exact(2).map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) }).collect();
            String::from_utf16(&units).map_err(|_| coding_error("decode", cs))?
        }
        "UTF-32" => {
            if b.len() % 4 != 0 {
                return Err(coding_error("decode", cs));
            }
            let mut s = String::new();
            for c in b.chunks_exact(4) {
                let v = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
                s.push(char::from_u32(v).ok_or_else(|| coding_error("decode", cs))?);
            }
            s
        }
        _ => return Err(charset_error(cs, "decode")),
    })
}

/// Java's MIME base64 decoder: characters outside the alphabet are skipped.
fn unbase64(s: &str) -> Option<Vec<u8>> {
    fn v(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s.as_bytes() {
        if c == b'=' {
            break;
        }
        let Some(d) = v(c) else { continue };
        acc = (acc << 6) | d;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits == 6 {
        // A single leftover character cannot complete a byte.
        return None;
    }
    Some(out)
}

fn to_list_of_strings(rows: Vec<Option<Vec<String>>>) -> Result<ArrayRef> {
    let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new("element", DataType::Utf8, true)));
    for r in rows {
        match r {
            Some(items) => {
                for s in items {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Ok(Arc::new(b.finish()))
}

pub fn eval(f: StrFn, a: &[ArrayRef], ty: &DataType, n: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    let _ = ctx;
    let arg = |i: usize| a.get(i).ok_or_else(|| EngineError::execution("INTERNAL_ERROR", "missing argument", "XX000"));
    use md5::Digest as _;
    Ok(match f {
        StrFn::Md5 | StrFn::Sha1 => {
            let x = Bytes::of(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = x.get(i) else { return Ok(false) };
                if f == StrFn::Md5 {
                    hex_lower(&md5::Md5::digest(v), out);
                } else {
                    hex_lower(&sha1::Sha1::digest(v), out);
                }
                Ok(true)
            })?
        }
        StrFn::Sha2 => {
            let x = Bytes::of(arg(0)?)?;
            let bits = i32s(arg(1)?)?;
            build_str(n, |i, out| {
                let (Some(v), Some(b)) = (x.get(i), opt_i32(bits, i)) else { return Ok(false) };
                match b {
                    224 => hex_lower(&sha2::Sha224::digest(v), out),
                    256 | 0 => hex_lower(&sha2::Sha256::digest(v), out),
                    384 => hex_lower(&sha2::Sha384::digest(v), out),
                    512 => hex_lower(&sha2::Sha512::digest(v), out),
                    _ => return Ok(false),
                }
                Ok(true)
            })?
        }
        StrFn::Crc32 => {
            let x = Bytes::of(arg(0)?)?;
            Arc::new((0..n).map(|i| x.get(i).map(|v| crc32fast::hash(v) as i64)).collect::<Int64Array>())
        }
        StrFn::Murmur3 => Arc::new(hash::murmur3(a, n)?),
        StrFn::XxHash64 => Arc::new(hash::xxhash64(a, n)?),
        StrFn::Base64 => {
            use base64::Engine as _;
            let x = Bytes::of(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = x.get(i) else { return Ok(false) };
                base64::engine::general_purpose::STANDARD.encode_string(v, out);
                Ok(true)
            })?
        }
        StrFn::UnBase64 => {
            let x = strs(arg(0)?)?;
            build_bin(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                match unbase64(v) {
                    Some(b) => {
                        out.extend_from_slice(&b);
                        Ok(true)
                    }
                    // Java's MIME decoder refuses a lone trailing character.
                    None => Err(EngineError {
                        kind: crate::error::ErrorKind::Execution,
                        class: None,
                        python_type: "IllegalArgumentException".into(),
                        message: "Job aborted due to stage failure: java.lang.IllegalArgumentException: Last unit does not have enough valid bits".into(),
                        span: None,
                    }),
                }
            })?
        }
        StrFn::Encode => {
            let (x, cs) = (strs(arg(0)?)?, strs(arg(1)?)?);
            build_bin(n, |i, out| {
                let (Some(v), Some(c)) = (opt(x, i), opt(cs, i)) else { return Ok(false) };
                encode(v, c, out)?;
                Ok(true)
            })?
        }
        StrFn::Decode => {
            let x = Bytes::of(arg(0)?)?;
            let cs = strs(arg(1)?)?;
            build_str(n, |i, out| {
                let (Some(v), Some(c)) = (x.get(i), opt(cs, i)) else { return Ok(false) };
                out.push_str(&decode(v, c)?);
                Ok(true)
            })?
        }
        StrFn::BitLength | StrFn::OctetLength => {
            let x = Bytes::of(arg(0)?)?;
            let k = if f == StrFn::BitLength { 8 } else { 1 };
            Arc::new((0..n).map(|i| x.get(i).map(|v| v.len() as i32 * k)).collect::<Int32Array>())
        }
        StrFn::BTrim => {
            let x = strs(arg(0)?)?;
            let set = a.get(1).map(strs).transpose()?;
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                match set {
                    Some(set) => {
                        let Some(cs) = opt(set, i) else { return Ok(false) };
                        out.push_str(v.trim_matches(|c: char| cs.contains(c)));
                    }
                    None => out.push_str(v.trim_matches(' ')),
                }
                Ok(true)
            })?
        }
        StrFn::Chr => {
            let x = i64s(arg(0)?)?;
            build_str(n, |i, out| {
                if x.is_null(i) {
                    return Ok(false);
                }
                let v = x.value(i);
                if v >= 0 {
                    out.push(char::from_u32((v & 0xFF) as u32).unwrap_or('\0'));
                }
                Ok(true)
            })?
        }
        StrFn::Elt => {
            let idx = i32s(arg(0)?)?;
            let items: Vec<&StringArray> = a.get(1..).unwrap_or(&[]).iter().map(strs).collect::<Result<_>>()?;
            build_str(n, |i, out| {
                let Some(k) = opt_i32(idx, i) else { return Ok(false) };
                if k < 1 || k as usize > items.len() {
                    return Err(EngineError::execution(
                        "INVALID_ARRAY_INDEX",
                        format!("The index {k} is out of bounds. The array has {} elements. Use the SQL function `get()` to tolerate accessing element at invalid index and return NULL instead.", items.len()),
                        "22003",
                    ));
                }
                match opt(items[k as usize - 1], i) {
                    Some(v) => {
                        out.push_str(v);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })?
        }
        StrFn::FindInSet => {
            let (x, set) = (strs(arg(0)?)?, strs(arg(1)?)?);
            Arc::new(
                (0..n)
                    .map(|i| {
                        let (v, s) = (opt(x, i)?, opt(set, i)?);
                        if v.contains(',') {
                            return Some(0);
                        }
                        Some(s.split(',').position(|p| p == v).map(|p| p as i32 + 1).unwrap_or(0))
                    })
                    .collect::<Int32Array>(),
            )
        }
        StrFn::FormatNumber => format::format_number(arg(0)?, arg(1)?, n)?,
        StrFn::FormatString => format::format_string(a, n)?,
        StrFn::Levenshtein => {
            let (l, r) = (strs(arg(0)?)?, strs(arg(1)?)?);
            let th = a.get(2).map(i32s).transpose()?;
            Arc::new(
                (0..n)
                    .map(|i| {
                        let t = match th {
                            Some(t) => Some(opt_i32(t, i)?),
                            None => None,
                        };
                        Some(levenshtein(opt(l, i)?, opt(r, i)?, t))
                    })
                    .collect::<Int32Array>(),
            )
        }
        StrFn::Mask => {
            let x = strs(arg(0)?)?;
            let reps: Vec<&StringArray> = a.get(1..).unwrap_or(&[]).iter().map(strs).collect::<Result<_>>()?;
            let ch = |k: usize, i: usize| reps.get(k).and_then(|r| opt(r, i)).and_then(|s| s.chars().next());
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                let (u, l, d, o) = (ch(0, i), ch(1, i), ch(2, i), ch(3, i));
                out.extend(v.chars().map(|c| mask_char(c, u, l, d, o)));
                Ok(true)
            })?
        }
        StrFn::Overlay => {
            let (x, r, pos, len) = (strs(arg(0)?)?, strs(arg(1)?)?, i32s(arg(2)?)?, i32s(arg(3)?)?);
            build_str(n, |i, out| {
                let (Some(v), Some(rep), Some(p), Some(l)) = (opt(x, i), opt(r, i), opt_i32(pos, i), opt_i32(len, i)) else {
                    return Ok(false);
                };
                out.push_str(substring_sql(v, 1, p.saturating_sub(1)));
                out.push_str(rep);
                let l = if l >= 0 { l } else { rep.chars().count() as i32 };
                out.push_str(substring_sql(v, p.saturating_add(l), i32::MAX));
                Ok(true)
            })?
        }
        StrFn::RegexpLike | StrFn::RegexpCount | StrFn::RegexpSubstr => {
            let (x, p) = (strs(arg(0)?)?, strs(arg(1)?)?);
            let func = match f {
                StrFn::RegexpLike => "rlike",
                StrFn::RegexpCount => "regexp_count",
                _ => "regexp_substr",
            };
            let mut pats = Patterns::default();
            match f {
                StrFn::RegexpLike => {
                    let mut b = BooleanBuilder::with_capacity(n);
                    for i in 0..n {
                        match (opt(x, i), opt(p, i)) {
                            (Some(v), Some(pat)) => b.append_value(pats.get(pat, func)?.is_match(v)),
                            _ => b.append_null(),
                        }
                    }
                    Arc::new(b.finish())
                }
                StrFn::RegexpCount => {
                    let mut b = Int32Builder::with_capacity(n);
                    for i in 0..n {
                        match (opt(x, i), opt(p, i)) {
                            (Some(v), Some(pat)) => b.append_value(pats.get(pat, func)?.find_iter(v).count() as i32),
                            _ => b.append_null(),
                        }
                    }
                    Arc::new(b.finish())
                }
                _ => build_str(n, |i, out| {
                    let (Some(v), Some(pat)) = (opt(x, i), opt(p, i)) else { return Ok(false) };
                    match pats.get(pat, func)?.find(v) {
                        Some(m) => {
                            out.push_str(m.as_str());
                            Ok(true)
                        }
                        None => Ok(false),
                    }
                })?,
            }
        }
        StrFn::RegexpExtractAll | StrFn::RegexpInstr => {
            let (x, p, g) = (strs(arg(0)?)?, strs(arg(1)?)?, i32s(arg(2)?)?);
            let func = if f == StrFn::RegexpInstr { "regexp_instr" } else { "regexp_extract_all" };
            let mut pats = Patterns::default();
            let mut rows: Vec<Option<Vec<String>>> = Vec::new();
            let mut ints = Int32Builder::with_capacity(n);
            for i in 0..n {
                let (Some(v), Some(pat), Some(g)) = (opt(x, i), opt(p, i), opt_i32(g, i)) else {
                    rows.push(None);
                    ints.append_null();
                    continue;
                };
                let re = pats.get(pat, func)?;
                let groups = re.captures_len() - 1;
                if g < 0 || g as usize > groups {
                    return Err(EngineError::execution(
                        "INVALID_PARAMETER_VALUE.REGEX_GROUP_INDEX",
                        format!("The value of parameter(s) `idx` in `{func}` is invalid: Expects group index between 0 and {groups}, but got {g}."),
                        "22023",
                    ));
                }
                if f == StrFn::RegexpInstr {
                    ints.append_value(match re.captures(v).and_then(|c| c.get(g as usize)) {
                        Some(m) => v[..m.start()].chars().count() as i32 + 1,
                        None => 0,
                    });
                } else {
                    rows.push(Some(
                        re.captures_iter(v).map(|c| c.get(g as usize).map(|m| m.as_str().to_string()).unwrap_or_default()).collect(),
                    ));
                }
            }
            if f == StrFn::RegexpInstr {
                Arc::new(ints.finish())
            } else {
                to_list_of_strings(rows)?
            }
        }
        StrFn::Replace => {
            let (x, s, r) = (strs(arg(0)?)?, strs(arg(1)?)?, strs(arg(2)?)?);
            build_str(n, |i, out| {
                let (Some(v), Some(s), Some(r)) = (opt(x, i), opt(s, i), opt(r, i)) else { return Ok(false) };
                if s.is_empty() {
                    out.push_str(v);
                } else {
                    out.push_str(&v.replace(s, r));
                }
                Ok(true)
            })?
        }
        StrFn::Sentences => {
            let x = strs(arg(0)?)?;
            let field = match ty {
                DataType::List(f) => f.clone(),
                _ => Arc::new(Field::new("element", types::array_of(DataType::Utf8), true)),
            };
            let inner_field = Arc::new(Field::new("element", DataType::Utf8, true));
            let mut b = ListBuilder::new(ListBuilder::new(StringBuilder::new()).with_field(inner_field)).with_field(field);
            for i in 0..n {
                match opt(x, i) {
                    Some(v) => {
                        for sent in sentences(v) {
                            for w in sent {
                                b.values().values().append_value(w);
                            }
                            b.values().append(true);
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        }
        StrFn::Soundex => {
            let x = strs(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                out.push_str(&soundex(v));
                Ok(true)
            })?
        }
        StrFn::SplitPart => {
            let (x, d, p) = (strs(arg(0)?)?, strs(arg(1)?)?, i32s(arg(2)?)?);
            build_str(n, |i, out| {
                let (Some(v), Some(d), Some(k)) = (opt(x, i), opt(d, i), opt_i32(p, i)) else { return Ok(false) };
                if k == 0 {
                    return Err(EngineError::execution(
                        "INVALID_INDEX_OF_ZERO",
                        "The index 0 is invalid. An index shall be either < 0 or > 0 (the first element has index 1).",
                        "22003",
                    ));
                }
                let parts: Vec<&str> = if d.is_empty() { vec![v] } else { v.split(d).collect() };
                let len = parts.len() as i64;
                let idx = if k > 0 { k as i64 - 1 } else { len + k as i64 };
                if idx >= 0 && idx < len {
                    out.push_str(parts[idx as usize]);
                }
                Ok(true)
            })?
        }
        StrFn::SubstringIndex => {
            let (x, d, c) = (strs(arg(0)?)?, strs(arg(1)?)?, i32s(arg(2)?)?);
            build_str(n, |i, out| {
                let (Some(v), Some(d), Some(k)) = (opt(x, i), opt(d, i), opt_i32(c, i)) else { return Ok(false) };
                if d.is_empty() || k == 0 {
                    return Ok(true);
                }
                if k > 0 {
                    match v.match_indices(d).nth(k as usize - 1) {
                        Some((b, _)) => out.push_str(&v[..b]),
                        None => out.push_str(v),
                    }
                } else {
                    match v.rmatch_indices(d).nth((-(k as i64)) as usize - 1) {
                        Some((b, _)) => out.push_str(&v[b + d.len()..]),
                        None => out.push_str(v),
                    }
                }
                Ok(true)
            })?
        }
        StrFn::UrlEncode => {
            let x = strs(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                url_encode(v, out);
                Ok(true)
            })?
        }
        StrFn::UrlDecode => {
            let x = strs(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                out.push_str(&url_decode(v)?);
                Ok(true)
            })?
        }
        StrFn::ParseUrl => {
            let (u, p) = (strs(arg(0)?)?, strs(arg(1)?)?);
            let k = a.get(2).map(strs).transpose()?;
            build_str(n, |i, out| {
                let (Some(u), Some(p)) = (opt(u, i), opt(p, i)) else { return Ok(false) };
                let key = match k {
                    Some(k) => match opt(k, i) {
                        Some(k) => Some(k),
                        None => return Ok(false),
                    },
                    None => None,
                };
                match parse_url(u, p, key)? {
                    Some(s) => {
                        out.push_str(&s);
                        Ok(true)
                    }
                    None => Ok(false),
                }
            })?
        }
        StrFn::LuhnCheck => {
            let x = strs(arg(0)?)?;
            Arc::new((0..n).map(|i| opt(x, i).map(luhn)).collect::<BooleanArray>())
        }
        StrFn::Quote => {
            let x = strs(arg(0)?)?;
            build_str(n, |i, out| {
                let Some(v) = opt(x, i) else { return Ok(false) };
                out.push('\'');
                out.push_str(&v.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push('\'');
                Ok(true)
            })?
        }
        StrFn::ToChar => format::to_char(arg(0)?, arg(1)?, n)?,
        StrFn::ToNumber { try_ } => format::to_number(arg(0)?, arg(1)?, ty, try_, n)?,
    })
}

#[allow(dead_code)]
fn offsets_of(lens: &[usize]) -> OffsetBuffer<i32> {
    OffsetBuffer::from_lengths(lens.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soundex_matches_spark() {
        assert_eq!(soundex("Robert"), "R163");
        assert_eq!(soundex("Tymczak"), "T522");
        assert_eq!(soundex("Miller"), "M460");
        assert_eq!(soundex(""), "");
        assert_eq!(soundex("1abc"), "1abc");
    }

    #[test]
    fn levenshtein_with_threshold() {
        assert_eq!(levenshtein("kitten", "sitting", None), 3);
        assert_eq!(levenshtein("kitten", "sitting", Some(2)), -1);
        assert_eq!(levenshtein("", "abc", None), 3);
    }

    #[test]
    fn url_round_trip() {
        let mut s = String::new();
        url_encode("a b&c=d/é", &mut s);
        assert_eq!(s, "a+b%26c%3Dd%2F%C3%A9");
        assert_eq!(url_decode(&s).unwrap(), "a b&c=d/é");
        assert!(url_decode("%zz").is_err());
    }

    #[test]
    fn parse_url_parts() {
        let u = "https://user@spark.apache.org:8080/path/p?k=v&q=1#frag";
        assert_eq!(parse_url(u, "HOST", None).unwrap().as_deref(), Some("spark.apache.org"));
        assert_eq!(parse_url(u, "QUERY", Some("q")).unwrap().as_deref(), Some("1"));
        assert_eq!(parse_url(u, "PATH", None).unwrap().as_deref(), Some("/path/p"));
        assert_eq!(parse_url(u, "REF", None).unwrap().as_deref(), Some("frag"));
        assert_eq!(parse_url(u, "USERINFO", None).unwrap().as_deref(), Some("user"));
        assert_eq!(parse_url(u, "AUTHORITY", None).unwrap().as_deref(), Some("user@spark.apache.org:8080"));
    }

    #[test]
    fn luhn_numbers() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
        assert!(!luhn(""));
        assert!(!luhn("12a"));
    }

    #[test]
    fn charsets() {
        let mut b = Vec::new();
        encode("hi", "UTF-16", &mut b).unwrap();
        assert_eq!(b, vec![0xFE, 0xFF, 0, b'h', 0, b'i']);
        assert_eq!(decode(&b, "UTF-16").unwrap(), "hi");
        assert!(encode("x", "EBCDIC", &mut b).is_err());
    }

    #[test]
    fn base64_mime() {
        assert_eq!(unbase64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(unbase64("aG\nk="), Some(b"hi".to_vec()));
    }

    #[test]
    fn substrings() {
        assert_eq!(substring_sql("hello", 1, 2), "he");
        assert_eq!(substring_sql("hello", 3, i32::MAX), "llo");
        assert_eq!(substring_sql("hello", 0, 0), "");
    }

    #[test]
    fn sentence_words() {
        assert_eq!(sentences("Hi there! How are you?"), vec![vec!["Hi", "there"], vec!["How", "are", "you"]]);
    }
}
