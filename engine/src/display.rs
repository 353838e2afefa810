//! Values as Spark prints them.
//!
//! Two renderings share one implementation:
//!
//! - [`Style::Pretty`] is Spark 4's `ToPrettyString`, which `Dataset.show()`
//!   and the console sink use: nulls (top-level and nested) print `NULL`,
//!   binary prints as upper-case hex bytes `[68 69]`.
//! - [`Style::Cast`] is `CAST(x AS STRING)`: nested nulls print `null`, a
//!   top-level null stays null, binary is decoded as UTF-8 (lossy).
//!
//! Numbers follow the JVM: doubles and floats print exactly as Java 17's
//! `Double.toString` / `Float.toString` do (which are *not* always the
//! shortest round-tripping digits: `1.0E23` prints `9.999999999999999E22`),
//! decimals in plain notation with their scale. Timestamps print in the
//! session time zone as `yyyy-MM-dd HH:mm:ss[.ffffff]`.
//!
//! Nothing here panics on any input: unknown Arrow types fall back to Arrow's
//! own display, and malformed positions render as null.

use crate::zone::SessionZone;
use arrow::array::{
    AnyDictionaryArray, Array, AsArray, BooleanArray, FixedSizeBinaryArray, GenericBinaryArray,
    GenericStringArray, PrimitiveArray, StringArray, StringBuilder, StructArray,
};
use arrow::datatypes::*;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::fmt::Write as _;

/// How a value is turned into text: `Pretty` is Spark 4's ToPrettyString used
/// by show()/console (top-level and nested nulls print `NULL`, binary prints as
/// `[48 65 6C 6C 6F]`); `Cast` is CAST(x AS STRING) (nested nulls print `null`;
/// top-level null stays null -> None; binary decoded as UTF-8 lossy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Pretty,
    Cast,
}

impl Style {
    /// The text of a null: `NULL` (pretty) or `null` (cast, nested).
    pub fn null_str(self) -> &'static str {
        match self {
            Style::Pretty => "NULL",
            Style::Cast => "null",
        }
    }
}

/// The value at `row` as text. With `Style::Pretty` a null is `Some("NULL")`;
/// with `Style::Cast` a (top-level) null is `None`. A row out of range counts
/// as null.
pub fn format_value(
    array: &dyn Array,
    row: usize,
    zone: &SessionZone,
    style: Style,
) -> Option<String> {
    let f = ValueFormatter::new(array, zone, style);
    let mut out = String::new();
    if f.write(&mut out, row) {
        Some(out)
    } else {
        match style {
            Style::Pretty => Some("NULL".to_string()),
            Style::Cast => None,
        }
    }
}

/// Appends the value at `row` to `out`. Returns false, appending nothing, when
/// the value is null (or `row` is out of range); the caller decides how a
/// top-level null prints.
pub fn write_value(
    out: &mut String,
    array: &dyn Array,
    row: usize,
    zone: &SessionZone,
    style: Style,
) -> bool {
    ValueFormatter::new(array, zone, style).write(out, row)
}

/// The whole column cast to string (Spark's Cast to StringType): a StringArray
/// with nulls where the input is null.
pub fn to_string_array(array: &dyn Array, zone: &SessionZone) -> StringArray {
    if let Some(s) = array.as_string_opt::<i32>() {
        return s.clone();
    }
    let n = array.len();
    let f = ValueFormatter::new(array, zone, Style::Cast);
    let mut builder = StringBuilder::with_capacity(n, n.saturating_mul(8));
    let mut buf = String::new();
    for row in 0..n {
        buf.clear();
        if f.write(&mut buf, row) {
            builder.append_value(&buf);
        } else {
            builder.append_null();
        }
    }
    builder.finish()
}

/// `java.lang.Double.toString(v)` as Java 17 prints it.
pub fn java_double_to_string(v: f64) -> String {
    let mut s = String::with_capacity(24);
    write_java_double(&mut s, v);
    s
}

/// `java.lang.Float.toString(v)` as Java 17 prints it.
pub fn java_float_to_string(v: f32) -> String {
    let mut s = String::with_capacity(16);
    write_java_float(&mut s, v);
    s
}

/// The decimal digits Java 17's `Double.toString` picks for a finite,
/// nonzero `|v|`, and the exponent: the value is 0.d1d2... x 10^exponent
/// (what `java.util.Formatter` rounds for `%f` and `%e`).
pub fn java_double_digits(v: f64) -> (Vec<u8>, i32) {
    let d = jfloat::double_digits(v.abs()).unwrap_or_else(|| jfloat::shortest_digits(v.abs()));
    (d.buf[..d.n].to_vec(), d.dec_exponent)
}

/// Appends `java.lang.Double.toString(v)` (Java 17) to `out`.
pub fn write_java_double(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v < 0.0 { "-Infinity" } else { "Infinity" });
        return;
    }
    let neg = v.is_sign_negative();
    if v == 0.0 {
        out.push_str(if neg { "-0.0" } else { "0.0" });
        return;
    }
    let d = jfloat::double_digits(v).unwrap_or_else(|| jfloat::shortest_digits(v));
    jfloat::write_java_layout(out, neg, &d);
}

/// Appends `java.lang.Float.toString(v)` (Java 17) to `out`.
pub fn write_java_float(out: &mut String, v: f32) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v < 0.0 { "-Infinity" } else { "Infinity" });
        return;
    }
    let neg = v.is_sign_negative();
    if v == 0.0 {
        out.push_str(if neg { "-0.0" } else { "0.0" });
        return;
    }
    let d = jfloat::float_digits(v).unwrap_or_else(|| jfloat::shortest_digits_f32(v));
    jfloat::write_java_layout(out, neg, &d);
}

/// Formats the values of one array, with the per-type dispatch done once.
/// Build it once per column and call [`ValueFormatter::write`] per row.
pub struct ValueFormatter<'a> {
    node: Node<'a>,
    zone: &'a SessionZone,
    style: Style,
}

impl<'a> ValueFormatter<'a> {
    pub fn new(array: &'a dyn Array, zone: &'a SessionZone, style: Style) -> Self {
        ValueFormatter {
            node: Node::new(array),
            zone,
            style,
        }
    }

    /// Appends the value at `row` to `out`; false (nothing appended) when the
    /// value is null or `row` is out of range.
    pub fn write(&self, out: &mut String, row: usize) -> bool {
        let ctx = Ctx {
            zone: self.zone,
            style: self.style,
        };
        self.node.write(&ctx, out, row)
    }

    /// Whether the value at `row` is null (out of range counts as null).
    pub fn is_null(&self, row: usize) -> bool {
        self.node.is_null(row)
    }
}

struct Ctx<'a> {
    zone: &'a SessionZone,
    style: Style,
}

/// One array prepared for formatting.
struct Node<'a> {
    array: &'a dyn Array,
    len: usize,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Null,
    Bool(&'a BooleanArray),
    I8(&'a [i8]),
    I16(&'a [i16]),
    I32(&'a [i32]),
    I64(&'a [i64]),
    U8(&'a [u8]),
    U16(&'a [u16]),
    U32(&'a [u32]),
    U64(&'a [u64]),
    F16(&'a [<Float16Type as ArrowPrimitiveType>::Native]),
    F32(&'a [f32]),
    F64(&'a [f64]),
    Utf8(&'a GenericStringArray<i32>),
    LargeUtf8(&'a GenericStringArray<i64>),
    Utf8View(&'a arrow::array::StringViewArray),
    Binary(&'a GenericBinaryArray<i32>),
    LargeBinary(&'a GenericBinaryArray<i64>),
    BinaryView(&'a arrow::array::BinaryViewArray),
    FixedBinary(&'a FixedSizeBinaryArray),
    Dec32(&'a [i32], i8),
    Dec64(&'a [i64], i8),
    Dec128(&'a [i128], i8),
    Dec256(&'a PrimitiveArray<Decimal256Type>, i8),
    Date32(&'a [i32]),
    Date64(&'a [i64]),
    /// Seconds-per-unit divisor: values are in units of 1/`per_sec` seconds.
    Timestamp {
        values: &'a [i64],
        per_sec: i64,
        zoned: bool,
    },
    Time32 {
        values: &'a [i32],
        per_sec: i64,
    },
    Time64 {
        values: &'a [i64],
        per_sec: i64,
    },
    Duration {
        values: &'a [i64],
        per_sec: i64,
    },
    YearMonth(&'a [i32]),
    DayTime(&'a PrimitiveArray<IntervalDayTimeType>),
    MonthDayNano(&'a PrimitiveArray<IntervalMonthDayNanoType>),
    List {
        offsets: &'a [i32],
        child: Box<Node<'a>>,
    },
    LargeList {
        offsets: &'a [i64],
        child: Box<Node<'a>>,
    },
    ListView {
        offsets: &'a [i32],
        sizes: &'a [i32],
        child: Box<Node<'a>>,
    },
    LargeListView {
        offsets: &'a [i64],
        sizes: &'a [i64],
        child: Box<Node<'a>>,
    },
    FixedList {
        size: usize,
        child: Box<Node<'a>>,
    },
    Struct(Vec<Node<'a>>),
    Map {
        offsets: &'a [i32],
        keys: Box<Node<'a>>,
        values: Box<Node<'a>>,
    },
    Dict {
        keys: Vec<usize>,
        values: Box<Node<'a>>,
    },
    Fallback(Option<ArrayFormatter<'a>>),
}

fn prim<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<&[T::Native]> {
    array.as_primitive_opt::<T>().map(|a| a.values().as_ref())
}

fn per_sec(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

fn fallback<'a>(array: &'a dyn Array) -> Kind<'a> {
    Kind::Fallback(ArrayFormatter::try_new(array, &FormatOptions::default()).ok())
}

impl<'a> Node<'a> {
    fn new(array: &'a dyn Array) -> Node<'a> {
        let kind = Self::kind(array).unwrap_or_else(|| fallback(array));
        Node {
            array,
            len: array.len(),
            kind,
        }
    }

    fn kind(array: &'a dyn Array) -> Option<Kind<'a>> {
        use DataType as D;
        Some(match array.data_type() {
            D::Null => Kind::Null,
            D::Boolean => Kind::Bool(array.as_boolean_opt()?),
            D::Int8 => Kind::I8(prim::<Int8Type>(array)?),
            D::Int16 => Kind::I16(prim::<Int16Type>(array)?),
            D::Int32 => Kind::I32(prim::<Int32Type>(array)?),
            D::Int64 => Kind::I64(prim::<Int64Type>(array)?),
            D::UInt8 => Kind::U8(prim::<UInt8Type>(array)?),
            D::UInt16 => Kind::U16(prim::<UInt16Type>(array)?),
            D::UInt32 => Kind::U32(prim::<UInt32Type>(array)?),
            D::UInt64 => Kind::U64(prim::<UInt64Type>(array)?),
            D::Float16 => Kind::F16(prim::<Float16Type>(array)?),
            D::Float32 => Kind::F32(prim::<Float32Type>(array)?),
            D::Float64 => Kind::F64(prim::<Float64Type>(array)?),
            D::Utf8 => Kind::Utf8(array.as_string_opt::<i32>()?),
            D::LargeUtf8 => Kind::LargeUtf8(array.as_string_opt::<i64>()?),
            D::Utf8View => Kind::Utf8View(array.as_string_view_opt()?),
            D::Binary => Kind::Binary(array.as_binary_opt::<i32>()?),
            D::LargeBinary => Kind::LargeBinary(array.as_binary_opt::<i64>()?),
            D::BinaryView => Kind::BinaryView(array.as_binary_view_opt()?),
            D::FixedSizeBinary(_) => Kind::FixedBinary(array.as_fixed_size_binary_opt()?),
            D::Decimal32(_, s) => Kind::Dec32(prim::<Decimal32Type>(array)?, *s),
            D::Decimal64(_, s) => Kind::Dec64(prim::<Decimal64Type>(array)?, *s),
            D::Decimal128(_, s) => Kind::Dec128(prim::<Decimal128Type>(array)?, *s),
            D::Decimal256(_, s) => Kind::Dec256(array.as_primitive_opt::<Decimal256Type>()?, *s),
            D::Date32 => Kind::Date32(prim::<Date32Type>(array)?),
            D::Date64 => Kind::Date64(prim::<Date64Type>(array)?),
            D::Timestamp(unit, tz) => {
                let values = match unit {
                    TimeUnit::Second => prim::<TimestampSecondType>(array)?,
                    TimeUnit::Millisecond => prim::<TimestampMillisecondType>(array)?,
                    TimeUnit::Microsecond => prim::<TimestampMicrosecondType>(array)?,
                    TimeUnit::Nanosecond => prim::<TimestampNanosecondType>(array)?,
                };
                Kind::Timestamp {
                    values,
                    per_sec: per_sec(unit),
                    zoned: tz.is_some(),
                }
            }
            D::Time32(unit) => {
                let values = match unit {
                    TimeUnit::Second => prim::<Time32SecondType>(array)?,
                    TimeUnit::Millisecond => prim::<Time32MillisecondType>(array)?,
                    _ => return None,
                };
                Kind::Time32 {
                    values,
                    per_sec: per_sec(unit),
                }
            }
            D::Time64(unit) => {
                let values = match unit {
                    TimeUnit::Microsecond => prim::<Time64MicrosecondType>(array)?,
                    TimeUnit::Nanosecond => prim::<Time64NanosecondType>(array)?,
                    _ => return None,
                };
                Kind::Time64 {
                    values,
                    per_sec: per_sec(unit),
                }
            }
            D::Duration(unit) => {
                let values = match unit {
                    TimeUnit::Second => prim::<DurationSecondType>(array)?,
                    TimeUnit::Millisecond => prim::<DurationMillisecondType>(array)?,
                    TimeUnit::Microsecond => prim::<DurationMicrosecondType>(array)?,
                    TimeUnit::Nanosecond => prim::<DurationNanosecondType>(array)?,
                };
                Kind::Duration {
                    values,
                    per_sec: per_sec(unit),
                }
            }
            D::Interval(IntervalUnit::YearMonth) => {
                Kind::YearMonth(prim::<IntervalYearMonthType>(array)?)
            }
            D::Interval(IntervalUnit::DayTime) => {
                Kind::DayTime(array.as_primitive_opt::<IntervalDayTimeType>()?)
            }
            D::Interval(IntervalUnit::MonthDayNano) => {
                Kind::MonthDayNano(array.as_primitive_opt::<IntervalMonthDayNanoType>()?)
            }
            D::List(_) => {
                let l = array.as_list_opt::<i32>()?;
                Kind::List {
                    offsets: l.value_offsets(),
                    child: Box::new(Node::new(l.values().as_ref())),
                }
            }
            D::LargeList(_) => {
                let l = array.as_list_opt::<i64>()?;
                Kind::LargeList {
                    offsets: l.value_offsets(),
                    child: Box::new(Node::new(l.values().as_ref())),
                }
            }
            D::ListView(_) => {
                let l = array.as_list_view_opt::<i32>()?;
                Kind::ListView {
                    offsets: l.value_offsets(),
                    sizes: l.value_sizes(),
                    child: Box::new(Node::new(l.values().as_ref())),
                }
            }
            D::LargeListView(_) => {
                let l = array.as_list_view_opt::<i64>()?;
                Kind::LargeListView {
                    offsets: l.value_offsets(),
                    sizes: l.value_sizes(),
                    child: Box::new(Node::new(l.values().as_ref())),
                }
            }
            D::FixedSizeList(_, _) => {
                let l = array.as_fixed_size_list_opt()?;
                let size = usize::try_from(l.value_length()).ok()?;
                Kind::FixedList {
                    size,
                    child: Box::new(Node::new(l.values().as_ref())),
                }
            }
            D::Struct(_) => {
                let s: &StructArray = array.as_struct_opt()?;
                Kind::Struct(s.columns().iter().map(|c| Node::new(c.as_ref())).collect())
            }
            D::Map(_, _) => {
                let m = array.as_map_opt()?;
                Kind::Map {
                    offsets: m.value_offsets(),
                    keys: Box::new(Node::new(m.keys().as_ref())),
                    values: Box::new(Node::new(m.values().as_ref())),
                }
            }
            D::Dictionary(_, _) => {
                let d: &dyn AnyDictionaryArray = array.as_any_dictionary_opt()?;
                let values = d.values().as_ref();
                let keys = if values.is_empty() {
                    Vec::new()
                } else {
                    d.normalized_keys()
                };
                Kind::Dict {
                    keys,
                    values: Box::new(Node::new(values)),
                }
            }
            _ => return None,
        })
    }

    fn is_null(&self, row: usize) -> bool {
        if row >= self.len {
            return true;
        }
        match &self.kind {
            Kind::Null => true,
            Kind::Dict { keys, values } => {
                self.array.is_null(row) || keys.get(row).is_none_or(|&k| values.is_null(k))
            }
            Kind::Fallback(_) => self.array.logical_nulls().is_some_and(|n| n.is_null(row)),
            _ => self.array.is_null(row),
        }
    }

    /// A nested value: null prints as the style's null text.
    fn write_nested(&self, ctx: &Ctx, out: &mut String, row: usize) {
        if !self.write(ctx, out, row) {
            out.push_str(ctx.style.null_str());
        }
    }

    /// Appends the value; false (nothing appended) when it is null.
    fn write(&self, ctx: &Ctx, out: &mut String, row: usize) -> bool {
        if self.is_null(row) {
            return false;
        }
        match &self.kind {
            Kind::Null => return false,
            Kind::Bool(a) => out.push_str(if a.value(row) { "true" } else { "false" }),
            Kind::I8(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::I16(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::I32(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::I64(v) => write_int(out, v.get(row).copied()),
            Kind::U8(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::U16(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::U32(v) => write_int(out, v.get(row).map(|x| *x as i64)),
            Kind::U64(v) => {
                if let Some(x) = v.get(row) {
                    let _ = write!(out, "{x}");
                }
            }
            Kind::F16(v) => write_java_float(out, v.get(row).map_or(0.0, |x| x.to_f32())),
            Kind::F32(v) => write_java_float(out, v.get(row).copied().unwrap_or(0.0)),
            Kind::F64(v) => write_java_double(out, v.get(row).copied().unwrap_or(0.0)),
            Kind::Utf8(a) => out.push_str(a.value(row)),
            Kind::LargeUtf8(a) => out.push_str(a.value(row)),
            Kind::Utf8View(a) => out.push_str(a.value(row)),
            Kind::Binary(a) => write_binary(out, a.value(row), ctx.style),
            Kind::LargeBinary(a) => write_binary(out, a.value(row), ctx.style),
            Kind::BinaryView(a) => write_binary(out, a.value(row), ctx.style),
            Kind::FixedBinary(a) => write_binary(out, a.value(row), ctx.style),
            Kind::Dec32(v, s) => write_decimal_i128(out, v.get(row).map_or(0, |x| *x as i128), *s),
            Kind::Dec64(v, s) => write_decimal_i128(out, v.get(row).map_or(0, |x| *x as i128), *s),
            Kind::Dec128(v, s) => write_decimal_i128(out, v.get(row).copied().unwrap_or(0), *s),
            Kind::Dec256(a, s) => {
                let digits = a.value(row).to_string();
                write_decimal_digits(out, &digits, *s);
            }
            Kind::Date32(v) => write_date(out, v.get(row).map_or(0, |d| *d as i64)),
            Kind::Date64(v) => {
                write_date(out, v.get(row).map_or(0, |ms| ms.div_euclid(86_400_000)))
            }
            Kind::Timestamp {
                values,
                per_sec,
                zoned,
            } => {
                let v = values.get(row).copied().unwrap_or(0);
                write_timestamp(out, v, *per_sec, if *zoned { Some(ctx.zone) } else { None });
            }
            Kind::Time32 { values, per_sec } => {
                write_time_of_day(out, values.get(row).map_or(0, |x| *x as i64), *per_sec)
            }
            Kind::Time64 { values, per_sec } => {
                write_time_of_day(out, values.get(row).copied().unwrap_or(0), *per_sec)
            }
            Kind::Duration { values, per_sec } => {
                let v = values.get(row).copied().unwrap_or(0) as i128;
                let micros = v * 1_000_000 / *per_sec as i128;
                write_day_time_interval(out, micros);
            }
            Kind::YearMonth(v) => write_year_month_interval(out, v.get(row).copied().unwrap_or(0)),
            Kind::DayTime(a) => {
                let v = a.value(row);
                write_calendar_interval(out, 0, v.days, v.milliseconds as i64 * 1000);
            }
            Kind::MonthDayNano(a) => {
                let v = a.value(row);
                write_calendar_interval(out, v.months, v.days, v.nanoseconds / 1000);
            }
            Kind::List { offsets, child } => {
                let (s, e) = range_of(offsets, row);
                write_seq(ctx, out, child, s, e);
            }
            Kind::LargeList { offsets, child } => {
                let (s, e) = range_of(offsets, row);
                write_seq(ctx, out, child, s, e);
            }
            Kind::ListView {
                offsets,
                sizes,
                child,
            } => {
                let s = offsets
                    .get(row)
                    .and_then(|o| usize::try_from(*o).ok())
                    .unwrap_or(0);
                let n = sizes
                    .get(row)
                    .and_then(|o| usize::try_from(*o).ok())
                    .unwrap_or(0);
                write_seq(ctx, out, child, s, s.saturating_add(n));
            }
            Kind::LargeListView {
                offsets,
                sizes,
                child,
            } => {
                let s = offsets
                    .get(row)
                    .and_then(|o| usize::try_from(*o).ok())
                    .unwrap_or(0);
                let n = sizes
                    .get(row)
                    .and_then(|o| usize::try_from(*o).ok())
                    .unwrap_or(0);
                write_seq(ctx, out, child, s, s.saturating_add(n));
            }
            Kind::FixedList { size, child } => {
                let s = row.saturating_mul(*size);
                write_seq(ctx, out, child, s, s.saturating_add(*size));
            }
            Kind::Struct(fields) => {
                out.push('{');
                for (i, f) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    f.write_nested(ctx, out, row);
                }
                out.push('}');
            }
            Kind::Map {
                offsets,
                keys,
                values,
            } => {
                let (s, e) = range_of(offsets, row);
                out.push('{');
                for i in s..e {
                    if i > s {
                        out.push_str(", ");
                    }
                    keys.write_nested(ctx, out, i);
                    out.push_str(" -> ");
                    values.write_nested(ctx, out, i);
                }
                out.push('}');
            }
            Kind::Dict { keys, values } => match keys.get(row) {
                Some(&k) => return values.write(ctx, out, k),
                None => return false,
            },
            Kind::Fallback(f) => match f {
                Some(f) => {
                    let _ = f.value(row).write(out);
                }
                None => out.push('?'),
            },
        }
        true
    }
}

fn range_of<O: Copy + TryInto<usize>>(offsets: &[O], row: usize) -> (usize, usize) {
    let s = offsets
        .get(row)
        .and_then(|o| (*o).try_into().ok())
        .unwrap_or(0);
    let e = offsets
        .get(row + 1)
        .and_then(|o| (*o).try_into().ok())
        .unwrap_or(s);
    (s, e.max(s))
}

fn write_seq(ctx: &Ctx, out: &mut String, child: &Node, start: usize, end: usize) {
    out.push('[');
    for i in start..end.min(child.len.max(start)) {
        if i > start {
            out.push_str(", ");
        }
        child.write_nested(ctx, out, i);
    }
    out.push(']');
}

fn write_int(out: &mut String, v: Option<i64>) {
    if let Some(v) = v {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let neg = v < 0;
        let mut u = v.unsigned_abs();
        loop {
            i -= 1;
            buf[i] = b'0' + (u % 10) as u8;
            u /= 10;
            if u == 0 {
                break;
            }
        }
        if neg {
            out.push('-');
        }
        out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or(""));
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn write_binary(out: &mut String, bytes: &[u8], style: Style) {
    match style {
        Style::Pretty => {
            out.reserve(bytes.len() * 3 + 2);
            out.push('[');
            for (i, b) in bytes.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
            out.push(']');
        }
        Style::Cast => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// A decimal's unscaled value with `scale` digits after the point, as
/// `BigDecimal.toPlainString` prints it.
fn write_decimal_i128(out: &mut String, unscaled: i128, scale: i8) {
    let mut buf = [0u8; 40];
    let mut i = buf.len();
    let mut u = unscaled.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&buf[i..]).unwrap_or("0");
    write_plain(out, unscaled < 0, digits, scale);
}

fn write_decimal_digits(out: &mut String, text: &str, scale: i8) {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    write_plain(out, neg, digits, scale);
}

fn write_plain(out: &mut String, neg: bool, digits: &str, scale: i8) {
    if neg {
        out.push('-');
    }
    if scale <= 0 {
        out.push_str(digits);
        if digits != "0" {
            for _ in 0..(-(scale as i32)) {
                out.push('0');
            }
        }
        return;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else {
        out.push_str("0.");
        for _ in digits.len()..scale {
            out.push('0');
        }
        out.push_str(digits);
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn push_2(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10 % 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// A year as java.time's `uuuu` prints it: 4 digits, `+` beyond 9999, `-`
/// before year 0.
fn write_year(out: &mut String, y: i64) {
    if y > 9999 {
        let _ = write!(out, "+{y}");
    } else if y < 0 {
        let _ = write!(out, "-{:04}", y.unsigned_abs());
    } else {
        let _ = write!(out, "{y:04}");
    }
}

fn write_date(out: &mut String, days: i64) {
    let (y, m, d) = civil_from_days(days);
    write_year(out, y);
    out.push('-');
    push_2(out, m);
    out.push('-');
    push_2(out, d);
}

/// Fraction of a second, `nanos` > 0, without trailing zeros.
fn write_fraction(out: &mut String, nanos: u32) {
    if nanos == 0 {
        return;
    }
    let mut digits = [0u8; 9];
    let mut n = nanos;
    for i in (0..9).rev() {
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut end = 9;
    while end > 0 && digits[end - 1] == b'0' {
        end -= 1;
    }
    out.push('.');
    for &d in &digits[..end] {
        out.push(d as char);
    }
}

fn write_timestamp(out: &mut String, value: i64, per_sec: i64, zone: Option<&SessionZone>) {
    let per_sec = per_sec.max(1);
    let mut secs = value.div_euclid(per_sec);
    let sub = value.rem_euclid(per_sec);
    let nanos = (sub as i128 * 1_000_000_000 / per_sec as i128) as u32;
    if let Some(zone) = zone {
        let utc_micros = secs
            .saturating_mul(1_000_000)
            .saturating_add(nanos as i64 / 1000);
        secs = secs.saturating_add(zone.offset_seconds_at_utc(utc_micros) as i64);
    }
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    write_date(out, days);
    out.push(' ');
    push_2(out, sod / 3600);
    out.push(':');
    push_2(out, sod / 60 % 60);
    out.push(':');
    push_2(out, sod % 60);
    write_fraction(out, nanos);
}

/// An instant as Spark's query progress shows it (the `watermark` of
/// `eventTime`): UTC, milliseconds, `2024-01-01T00:00:10.000Z`.
pub fn progress_timestamp(micros: i64) -> String {
    let mut out = String::with_capacity(24);
    let ms = micros.div_euclid(1000);
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000) as u32;
    write_date(&mut out, secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u32;
    out.push('T');
    push_2(&mut out, sod / 3600);
    out.push(':');
    push_2(&mut out, sod / 60 % 60);
    out.push(':');
    push_2(&mut out, sod % 60);
    out.push('.');
    push_2(&mut out, milli / 10);
    out.push((b'0' + (milli % 10) as u8) as char);
    out.push('Z');
    out
}

fn write_time_of_day(out: &mut String, value: i64, per_sec: i64) {
    let per_sec = per_sec.max(1);
    let secs = value.div_euclid(per_sec).rem_euclid(86_400) as u32;
    let sub = value.rem_euclid(per_sec);
    let nanos = (sub as i128 * 1_000_000_000 / per_sec as i128) as u32;
    push_2(out, secs / 3600);
    out.push(':');
    push_2(out, secs / 60 % 60);
    out.push(':');
    push_2(out, secs % 60);
    write_fraction(out, nanos);
}

/// Spark's ANSI form of a DAY TO SECOND interval: `INTERVAL '1 02:03:04.5' DAY TO SECOND`.
fn write_day_time_interval(out: &mut String, micros: i128) {
    out.push_str("INTERVAL '");
    if micros < 0 {
        out.push('-');
    }
    let rest = micros.unsigned_abs();
    let days = rest / 86_400_000_000;
    let hours = (rest % 86_400_000_000 / 3_600_000_000) as u32;
    let minutes = (rest % 3_600_000_000 / 60_000_000) as u32;
    let sec_micros = (rest % 60_000_000) as u32;
    let _ = write!(out, "{days} ");
    push_2(out, hours);
    out.push(':');
    push_2(out, minutes);
    out.push(':');
    push_2(out, sec_micros / 1_000_000);
    write_fraction(out, sec_micros % 1_000_000 * 1000);
    out.push_str("' DAY TO SECOND");
}

/// Spark's ANSI form of a YEAR TO MONTH interval: `INTERVAL '1-2' YEAR TO MONTH`.
fn write_year_month_interval(out: &mut String, months: i32) {
    let sign = if months < 0 { "-" } else { "" };
    let m = months.unsigned_abs();
    let _ = write!(out, "INTERVAL '{sign}{}-{}' YEAR TO MONTH", m / 12, m % 12);
}

/// Spark's `CalendarInterval.toString`: `1 years 2 months 3 days 4 hours 5.5 seconds`.
fn write_calendar_interval(out: &mut String, months: i32, days: i32, micros: i64) {
    if months == 0 && days == 0 && micros == 0 {
        out.push_str("0 seconds");
        return;
    }
    let mut first = true;
    let mut unit = |out: &mut String, v: i64, name: &str| {
        if v != 0 {
            if !first {
                out.push(' ');
            }
            first = false;
            let _ = write!(out, "{v} {name}");
        }
    };
    unit(out, (months / 12) as i64, "years");
    unit(out, (months % 12) as i64, "months");
    unit(out, days as i64, "days");
    if micros != 0 {
        let mut rest = micros as i128;
        unit(out, (rest / 3_600_000_000) as i64, "hours");
        rest %= 3_600_000_000;
        unit(out, (rest / 60_000_000) as i64, "minutes");
        rest %= 60_000_000;
        if rest != 0 {
            let mut s = String::new();
            let sec = rest / 1_000_000;
            let frac = (rest % 1_000_000).unsigned_abs() as u32;
            if rest < 0 && sec == 0 {
                s.push('-');
            }
            let _ = write!(s, "{sec}");
            write_fraction(&mut s, frac * 1000);
            unit_str(out, &mut first, &s);
        }
    }
}

fn unit_str(out: &mut String, first: &mut bool, secs: &str) {
    if !*first {
        out.push(' ');
    }
    *first = false;
    out.push_str(secs);
    out.push_str(" seconds");
}

/// Java 17's `FloatingDecimal` binary-to-decimal conversion, reimplemented.
///
/// Java before 19 does not print the shortest digits that round-trip: integer
/// values between 2^53 and 2^63 keep all their significant digits, and some
/// large or tiny values (`1.0E23` -> `9.999999999999999E22`, float
/// `1.17549435E-38`) come out longer. Spark 4.0 on Java 17 prints these, so
/// this module follows the same digit generation: an exact long conversion
/// for integers, otherwise a digit loop over exact integers B/S with a
/// symmetric half-ULP stopping test M, and at least two digits in E-form.
mod jfloat {
    use std::fmt::Write as _;

    pub(super) struct Digits {
        pub buf: [u8; 32],
        pub n: usize,
        /// Java's `decExponent`: the value is 0.d1d2... x 10^dec_exponent.
        pub dec_exponent: i32,
    }

    impl Digits {
        fn new() -> Digits {
            Digits {
                buf: [b'0'; 32],
                n: 0,
                dec_exponent: 0,
            }
        }
        fn push(&mut self, d: i64) -> Option<()> {
            if !(0..=9).contains(&d) || self.n >= self.buf.len() {
                return None;
            }
            self.buf[self.n] = b'0' + d as u8;
            self.n += 1;
            Some(())
        }
    }

    const EXP_SHIFT: i32 = 52;

    const fn pow5_table() -> [i64; 27] {
        let mut t = [1i64; 27];
        let mut i = 1;
        while i < 27 {
            t[i] = t[i - 1] * 5;
            i += 1;
        }
        t
    }
    const LONG_5_POW: [i64; 27] = pow5_table();

    /// Bits needed for 5^i (0 for i = 0).
    const fn n5_bits_table() -> [i32; 27] {
        let mut t = [0i32; 27];
        let mut i = 1;
        while i < 27 {
            t[i] = 64 - LONG_5_POW[i].leading_zeros() as i32;
            i += 1;
        }
        t
    }
    const N_5_BITS: [i32; 27] = n5_bits_table();

    fn n5_bits(i: i32) -> i32 {
        if (0..27).contains(&i) {
            N_5_BITS[i as usize]
        } else {
            i.saturating_mul(3)
        }
    }

    /// floor(log10(2^p)) for 1 < p < 64, else 0.
    fn insignificant_digits_for_pow2(p: i32) -> i32 {
        if p > 1 && p < 64 {
            let mut v = 1u64 << p;
            let mut i = 0;
            while v >= 10 {
                v /= 10;
                i += 1;
            }
            i
        } else {
            0
        }
    }

    pub(super) fn double_digits(v: f64) -> Option<Digits> {
        let bits = v.to_bits();
        let mut fract = bits & ((1u64 << 52) - 1);
        let mut bin_exp = ((bits >> 52) & 0x7ff) as i32;
        let n_sig;
        if bin_exp == 0 {
            if fract == 0 {
                return None;
            }
            let lz = fract.leading_zeros() as i32;
            let shift = lz - (63 - EXP_SHIFT);
            fract <<= shift;
            bin_exp = 1 - shift;
            n_sig = 64 - lz;
        } else {
            fract |= 1u64 << 52;
            n_sig = EXP_SHIFT + 1;
        }
        dtoa(bin_exp - 1023, fract, n_sig)
    }

    pub(super) fn float_digits(v: f32) -> Option<Digits> {
        let bits = v.to_bits();
        let mut fract = bits & ((1u32 << 23) - 1);
        let mut bin_exp = ((bits >> 23) & 0xff) as i32;
        let n_sig;
        if bin_exp == 0 {
            if fract == 0 {
                return None;
            }
            let lz = fract.leading_zeros() as i32;
            let shift = lz - (31 - 23);
            fract <<= shift;
            bin_exp = 1 - shift;
            n_sig = 32 - lz;
        } else {
            fract |= 1u32 << 23;
            n_sig = 24;
        }
        dtoa(bin_exp - 127, (fract as u64) << (EXP_SHIFT - 23), n_sig)
    }

    #[allow(clippy::approx_constant)] // Java's own constants, kept exactly
    fn estimate_dec_exp(fract_bits: u64, bin_exp: i32) -> i32 {
        let d2 = f64::from_bits((1023u64 << 52) | (fract_bits & ((1u64 << 52) - 1)));
        let d = (d2 - 1.5) * 0.289529654 + 0.176091259 + (bin_exp as f64) * 0.301029995663981;
        d.floor() as i32
    }

    fn develop_long_digits(
        mut dec_exp: i32,
        mut lvalue: i64,
        insignificant: i32,
    ) -> Option<Digits> {
        if insignificant != 0 {
            let pow10 = LONG_5_POW
                .get(insignificant as usize)?
                .checked_shl(insignificant as u32)?;
            let residue = lvalue % pow10;
            lvalue /= pow10;
            dec_exp += insignificant;
            if residue >= (pow10 >> 1) {
                lvalue += 1;
            }
        }
        if lvalue <= 0 {
            return None;
        }
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut u = lvalue as u64;
        while u != 0 {
            i -= 1;
            tmp[i] = b'0' + (u % 10) as u8;
            u /= 10;
        }
        let all = &tmp[i..];
        let mut d = Digits::new();
        d.dec_exponent = dec_exp + all.len() as i32;
        let mut end = all.len();
        while end > 1 && all[end - 1] == b'0' {
            end -= 1;
        }
        d.buf[..end].copy_from_slice(&all[..end]);
        d.n = end;
        Some(d)
    }

    fn dtoa(bin_exp: i32, fract_bits: u64, n_sig: i32) -> Option<Digits> {
        if fract_bits == 0 {
            return None;
        }
        let tail_zeros = fract_bits.trailing_zeros() as i32;
        let n_fract_bits = EXP_SHIFT + 1 - tail_zeros;
        let n_tiny_bits = (n_fract_bits - bin_exp - 1).max(0);
        if (-21..=62).contains(&bin_exp)
            && n_tiny_bits < 27
            && n_fract_bits + n5_bits(n_tiny_bits) < 64
            && n_tiny_bits == 0
        {
            // An integer that fits in a long.
            let insignificant = if bin_exp > n_sig {
                insignificant_digits_for_pow2(bin_exp - n_sig - 1)
            } else {
                0
            };
            let lvalue = if bin_exp >= EXP_SHIFT {
                fract_bits << (bin_exp - EXP_SHIFT)
            } else {
                fract_bits >> (EXP_SHIFT - bin_exp)
            };
            return develop_long_digits(0, lvalue as i64, insignificant);
        }
        let mut dec_exp = estimate_dec_exp(fract_bits, bin_exp);
        let b5 = (-dec_exp).max(0);
        let mut b2 = b5 + n_tiny_bits + bin_exp;
        let s5 = dec_exp.max(0);
        let mut s2 = s5 + n_tiny_bits;
        let m5 = b5;
        let mut m2 = b2 - n_sig;
        let fract = fract_bits >> tail_zeros;
        b2 -= n_fract_bits - 1;
        let common = b2.min(s2);
        b2 -= common;
        s2 -= common;
        m2 -= common;
        if n_fract_bits == 1 {
            m2 -= 1;
        }
        if m2 < 0 {
            b2 -= m2;
            s2 -= m2;
            m2 = 0;
        }
        if b2 < 0 || s2 < 0 {
            return None;
        }
        let b_bits = n_fract_bits + b2 + n5_bits(b5);
        let ten_s_bits = s2 + 1 + n5_bits(s5 + 1);

        let mut d = Digits::new();
        let high;
        let low;
        let low_digit_difference: i64;
        if b_bits < 64 && ten_s_bits < 64 {
            if b_bits < 32 && ten_s_bits < 32 {
                // All in ints (with Java's wrapping arithmetic).
                let p5 = |i: i32| LONG_5_POW.get(i as usize).map(|v| *v as i32);
                let mut b = (fract as i32).wrapping_mul(p5(b5)?).wrapping_shl(b2 as u32);
                let s = p5(s5)?.wrapping_shl(s2 as u32);
                let mut m = p5(m5)?.wrapping_shl(m2 as u32);
                let tens = s.wrapping_mul(10);
                if s <= 0 {
                    return None;
                }
                let mut q = b.wrapping_div(s);
                b = 10i32.wrapping_mul(b.wrapping_rem(s));
                m = m.wrapping_mul(10);
                let mut lo = b < m;
                let mut hi = b.wrapping_add(m) > tens;
                if q == 0 && !hi {
                    dec_exp -= 1;
                } else {
                    d.push(q as i64)?;
                }
                if !(-3..8).contains(&dec_exp) {
                    hi = false;
                    lo = false;
                }
                while !lo && !hi {
                    q = b.wrapping_div(s);
                    b = 10i32.wrapping_mul(b.wrapping_rem(s));
                    m = m.wrapping_mul(10);
                    if m > 0 {
                        lo = b < m;
                        hi = b.wrapping_add(m) > tens;
                    } else {
                        lo = true;
                        hi = true;
                    }
                    d.push(q as i64)?;
                }
                low_digit_difference = b.wrapping_shl(1).wrapping_sub(tens) as i64;
                high = hi;
                low = lo;
            } else {
                // All in longs.
                let p5 = |i: i32| LONG_5_POW.get(i as usize).copied();
                let mut b = (fract as i64).wrapping_mul(p5(b5)?).wrapping_shl(b2 as u32);
                let s = p5(s5)?.wrapping_shl(s2 as u32);
                let mut m = p5(m5)?.wrapping_shl(m2 as u32);
                let tens = s.wrapping_mul(10);
                if s <= 0 {
                    return None;
                }
                let mut q = b.wrapping_div(s);
                b = 10i64.wrapping_mul(b.wrapping_rem(s));
                m = m.wrapping_mul(10);
                let mut lo = b < m;
                let mut hi = b.wrapping_add(m) > tens;
                if q == 0 && !hi {
                    dec_exp -= 1;
                } else {
                    d.push(q)?;
                }
                if !(-3..8).contains(&dec_exp) {
                    hi = false;
                    lo = false;
                }
                while !lo && !hi {
                    q = b.wrapping_div(s);
                    b = 10i64.wrapping_mul(b.wrapping_rem(s));
                    m = m.wrapping_mul(10);
                    if m > 0 {
                        lo = b < m;
                        hi = b.wrapping_add(m) > tens;
                    } else {
                        lo = true;
                        hi = true;
                    }
                    d.push(q)?;
                }
                low_digit_difference = b.wrapping_shl(1).wrapping_sub(tens);
                high = hi;
                low = lo;
            }
        } else {
            // Arbitrary precision.
            let mut s = Big::from_u64(1);
            s.mul_pow5(s5);
            s.shl(s2 as u32);
            let mut b = Big::from_u64(fract);
            b.mul_pow5(b5);
            b.shl(b2 as u32);
            let mut m = Big::from_u64(1);
            m.mul_pow5(m5 + 1);
            m.shl(m2 as u32 + 1);
            let mut ten_s = Big::from_u64(1);
            ten_s.mul_pow5(s5 + 1);
            ten_s.shl(s2 as u32 + 1);

            let q = b.quo_rem_iteration(&s)?;
            let mut lo = b.cmp(&m).is_lt();
            let mut hi = ten_s.cmp_sum(&b, &m).is_le();
            if q == 0 && !hi {
                dec_exp -= 1;
            } else {
                d.push(q as i64)?;
            }
            if !(-3..8).contains(&dec_exp) {
                hi = false;
                lo = false;
            }
            while !lo && !hi {
                let q = b.quo_rem_iteration(&s)?;
                m.mul_small(10);
                lo = b.cmp(&m).is_lt();
                hi = ten_s.cmp_sum(&b, &m).is_le();
                d.push(q as i64)?;
            }
            low_digit_difference = if hi && lo {
                b.shl(1);
                match b.cmp(&ten_s) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                }
            } else {
                0
            };
            high = hi;
            low = lo;
        }
        if d.n == 0 {
            return None;
        }
        d.dec_exponent = dec_exp + 1;
        if high {
            if low {
                if low_digit_difference == 0 {
                    if (d.buf[d.n - 1] - b'0') & 1 != 0 {
                        roundup(&mut d);
                    }
                } else if low_digit_difference > 0 {
                    roundup(&mut d);
                }
            } else {
                roundup(&mut d);
            }
        }
        Some(d)
    }

    /// Adds one to the last digit; a carry out of the first digit makes it
    /// `1` and raises the exponent, keeping the digit count (as Java does).
    fn roundup(d: &mut Digits) {
        let mut i = d.n - 1;
        let mut q = d.buf[i];
        if q == b'9' {
            while q == b'9' && i > 0 {
                d.buf[i] = b'0';
                i -= 1;
                q = d.buf[i];
            }
            if q == b'9' {
                d.dec_exponent += 1;
                d.buf[0] = b'1';
                return;
            }
        }
        d.buf[i] = q + 1;
    }

    /// Shortest round-tripping digits (only used if the Java emulation ever
    /// gives up, which it should not).
    pub(super) fn shortest_digits(v: f64) -> Digits {
        from_sci(&format!("{:e}", v.abs()))
    }

    pub(super) fn shortest_digits_f32(v: f32) -> Digits {
        from_sci(&format!("{:e}", v.abs()))
    }

    fn from_sci(s: &str) -> Digits {
        let mut d = Digits::new();
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        for c in mant.bytes().filter(u8::is_ascii_digit) {
            if d.push((c - b'0') as i64).is_none() {
                break;
            }
        }
        if d.n == 0 {
            d.buf[0] = b'0';
            d.n = 1;
        }
        d.dec_exponent = exp + 1;
        d
    }

    /// Java's layout of digits: plain for 10^-3 <= |v| < 10^7, else
    /// computerized scientific notation; always a digit after the point.
    pub(super) fn write_java_layout(out: &mut String, neg: bool, d: &Digits) {
        let digits = &d.buf[..d.n];
        let e = d.dec_exponent;
        if neg {
            out.push('-');
        }
        let push = |out: &mut String, ds: &[u8]| {
            for &c in ds {
                out.push(c as char);
            }
        };
        if e > 0 && e < 8 {
            let int_len = (e as usize).min(digits.len());
            push(out, &digits[..int_len]);
            if int_len < e as usize {
                for _ in int_len..e as usize {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push('.');
                if int_len < digits.len() {
                    push(out, &digits[int_len..]);
                } else {
                    out.push('0');
                }
            }
        } else if e <= 0 && e > -3 {
            out.push_str("0.");
            for _ in 0..(-e) {
                out.push('0');
            }
            push(out, digits);
        } else {
            push(out, &digits[..1]);
            out.push('.');
            if digits.len() > 1 {
                push(out, &digits[1..]);
            } else {
                out.push('0');
            }
            out.push('E');
            let exp = e - 1;
            if exp < 0 {
                out.push('-');
            }
            let _ = write!(out, "{}", exp.unsigned_abs());
        }
    }

    /// A minimal unsigned big integer (little-endian 32-bit limbs) for the
    /// exact digit loop.
    struct Big(Vec<u32>);

    impl Big {
        fn from_u64(v: u64) -> Big {
            let mut b = Big(vec![v as u32, (v >> 32) as u32]);
            b.trim();
            b
        }

        fn trim(&mut self) {
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
        }

        fn mul_small(&mut self, m: u32) {
            let mut carry = 0u64;
            for limb in self.0.iter_mut() {
                let p = *limb as u64 * m as u64 + carry;
                *limb = p as u32;
                carry = p >> 32;
            }
            if carry != 0 {
                self.0.push(carry as u32);
            }
            self.trim();
        }

        fn mul_pow5(&mut self, mut n: i32) {
            while n >= 13 {
                self.mul_small(1_220_703_125); // 5^13
                n -= 13;
            }
            if n > 0 {
                self.mul_small(LONG_5_POW[n as usize] as u32);
            }
        }

        fn shl(&mut self, bits: u32) {
            if self.0.is_empty() {
                return;
            }
            let words = (bits / 32) as usize;
            let bits = bits % 32;
            if bits > 0 {
                let mut carry = 0u32;
                for limb in self.0.iter_mut() {
                    let v = *limb;
                    *limb = (v << bits) | carry;
                    carry = v >> (32 - bits);
                }
                if carry != 0 {
                    self.0.push(carry);
                }
            }
            if words > 0 {
                self.0.splice(0..0, std::iter::repeat_n(0, words));
            }
        }

        fn cmp(&self, o: &Big) -> std::cmp::Ordering {
            cmp_limbs(&self.0, &o.0)
        }

        /// Compares self with a + b.
        fn cmp_sum(&self, a: &Big, b: &Big) -> std::cmp::Ordering {
            let n = a.0.len().max(b.0.len());
            let mut sum = Vec::with_capacity(n + 1);
            let mut carry = 0u64;
            for i in 0..n {
                let s = *a.0.get(i).unwrap_or(&0) as u64 + *b.0.get(i).unwrap_or(&0) as u64 + carry;
                sum.push(s as u32);
                carry = s >> 32;
            }
            if carry != 0 {
                sum.push(carry as u32);
            }
            while sum.last() == Some(&0) {
                sum.pop();
            }
            cmp_limbs(&self.0, &sum)
        }

        fn sub_assign(&mut self, o: &Big) {
            let mut borrow = 0i64;
            for i in 0..self.0.len() {
                let d = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
                if d < 0 {
                    self.0[i] = (d + (1i64 << 32)) as u32;
                    borrow = 1;
                } else {
                    self.0[i] = d as u32;
                    borrow = 0;
                }
            }
            self.trim();
        }

        /// q = self / s (expected < 10); self = (self % s) * 10.
        fn quo_rem_iteration(&mut self, s: &Big) -> Option<u32> {
            if s.0.is_empty() {
                return None;
            }
            let mut q = 0u32;
            while self.cmp(s).is_ge() {
                self.sub_assign(s);
                q += 1;
                if q > 9 {
                    return None;
                }
            }
            self.mul_small(10);
            Some(q)
        }
    }

    fn cmp_limbs(a: &[u32], b: &[u32]) -> std::cmp::Ordering {
        if a.len() != b.len() {
            return a.len().cmp(&b.len());
        }
        for i in (0..a.len()).rev() {
            match a[i].cmp(&b[i]) {
                std::cmp::Ordering::Equal => continue,
                o => return o,
            }
        }
        std::cmp::Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types;
    use arrow::array::*;
    use arrow::buffer::{NullBuffer, OffsetBuffer};
    use arrow::datatypes::{DataType, Field, Fields, IntervalMonthDayNano};
    use std::sync::Arc;

    fn utc() -> SessionZone {
        SessionZone::default()
    }

    fn pretty(a: &dyn Array, row: usize) -> String {
        format_value(a, row, &utc(), Style::Pretty).unwrap()
    }

    fn cast(a: &dyn Array, row: usize) -> Option<String> {
        format_value(a, row, &utc(), Style::Cast)
    }

    fn ts_micros(s: &str) -> i64 {
        let dt = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        dt.and_utc().timestamp_micros()
    }

    #[test]
    fn doubles_print_as_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (10.0, "10.0"),
            (-3.0, "-3.0"),
            (100.0, "100.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1.0 / 3.0, "0.3333333333333333"),
            (10.0 / 3.0, "3.3333333333333335"),
            (4115.0, "4115.0"),
            (1763.57, "1763.57"),
            (-0.43, "-0.43"),
            (0.14, "0.14"),
            (2.5, "2.5"),
            (1e9, "1.0E9"),
            (1e10, "1.0E10"),
            (1.2345e13, "1.2345E13"),
            (-3e9, "-3.0E9"),
            (715827883.3333334, "7.158278833333334E8"),
            (1e-5, "1.0E-5"),
            (0.001, "0.001"),
            (0.002, "0.002"),
            (9.99e-4, "9.99E-4"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (9999999.999, "9999999.999"),
            (1e21, "1.0E21"),
            (1e16, "1.0E16"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456789.0, "1.23456789E8"),
            (2e-7, "2.0E-7"),
            (5e-324, "4.9E-324"),
            (f64::MAX, "1.7976931348623157E308"),
            (f64::MIN_POSITIVE, "2.2250738585072014E-308"),
            // Java 17 is not shortest here.
            (1e23, "9.999999999999999E22"),
            (2e23, "1.9999999999999998E23"),
            (8.41e21, "8.409999999999999E21"),
            (5.722351919331477e17, "5.7223519193314771E17"),
            (123456789012345678.0, "1.2345678901234568E17"),
            (1.8054453609416673e18, "1.80544536094166733E18"),
            (-2.681447534367114e18, "-2.6814475343671142E18"),
            (9007199254740993.0, "9.007199254740992E15"),
        ];
        for (v, want) in cases {
            assert_eq!(java_double_to_string(*v), *want, "{v:e}");
        }
    }

    #[test]
    fn floats_print_as_java() {
        let cases: &[(f32, &str)] = &[
            (0.1, "0.1"),
            (1.0e-3, "0.001"),
            (1.0e7, "1.0E7"),
            (3.4028235e38, "3.4028235E38"),
            (1.4e-45, "1.4E-45"),
            (0.3, "0.3"),
            (16777216.0, "1.6777216E7"),
            (1.0 / 3.0, "0.33333334"),
            (100.0, "100.0"),
            (1.5, "1.5"),
            (f32::MIN_POSITIVE, "1.17549435E-38"),
            (-0.0, "-0.0"),
            (f32::NAN, "NaN"),
        ];
        for (v, want) in cases {
            assert_eq!(java_float_to_string(*v), *want, "{v:e}");
        }
        let a = Float32Array::from(vec![0.1f32 + 0.2f32]);
        assert_eq!(pretty(&a, 0), "0.3");
    }

    /// Compares against a file of `d|f <hex bits> <Java's toString>` lines
    /// written by a Java 17 program: `JAVA_FP_VECTORS=path cargo test -- --ignored`.
    #[test]
    #[ignore]
    fn java_vectors_from_file() {
        let Ok(path) = std::env::var("JAVA_FP_VECTORS") else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let (mut n, mut bad) = (0, 0);
        for line in text.lines() {
            let mut it = line.split(' ');
            let (Some(kind), Some(hex), Some(want)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let got = if kind == "d" {
                java_double_to_string(f64::from_bits(u64::from_str_radix(hex, 16).unwrap()))
            } else {
                java_float_to_string(f32::from_bits(u32::from_str_radix(hex, 16).unwrap()))
            };
            n += 1;
            if got != want {
                bad += 1;
                if bad < 20 {
                    eprintln!("{kind} {hex}: got {got} want {want}");
                }
            }
        }
        assert_eq!(bad, 0, "{bad} of {n} differ");
    }

    #[test]
    fn integers_booleans_strings() {
        let a = Int64Array::from(vec![Some(2147483650), None, Some(-3), Some(i64::MIN)]);
        assert_eq!(pretty(&a, 0), "2147483650");
        assert_eq!(pretty(&a, 1), "NULL");
        assert_eq!(cast(&a, 1), None);
        assert_eq!(pretty(&a, 2), "-3");
        assert_eq!(pretty(&a, 3), "-9223372036854775808");
        let a = Int8Array::from(vec![-128i8, 127]);
        assert_eq!(pretty(&a, 0), "-128");
        let a = UInt64Array::from(vec![u64::MAX]);
        assert_eq!(pretty(&a, 0), "18446744073709551615");
        let a = BooleanArray::from(vec![Some(true), Some(false), None]);
        assert_eq!(pretty(&a, 0), "true");
        assert_eq!(cast(&a, 1).as_deref(), Some("false"));
        assert_eq!(pretty(&a, 2), "NULL");
        let a = StringArray::from(vec![Some("naïve"), None, Some("")]);
        assert_eq!(pretty(&a, 0), "naïve");
        assert_eq!(pretty(&a, 1), "NULL");
        assert_eq!(cast(&a, 2).as_deref(), Some(""));
        // Out of range is a null, never a panic.
        assert_eq!(pretty(&a, 99), "NULL");
        assert_eq!(cast(&a, 99), None);
    }

    #[test]
    fn decimals_plain_with_scale() {
        let a = Decimal128Array::from(vec![
            Some(150),
            Some(-5),
            Some(0),
            Some(1),
            None,
            Some(-12345),
        ])
        .with_precision_and_scale(10, 2)
        .unwrap();
        let got: Vec<String> = (0..6).map(|i| pretty(&a, i)).collect();
        assert_eq!(got, ["1.50", "-0.05", "0.00", "0.01", "NULL", "-123.45"]);
        let a = Decimal128Array::from(vec![1i128])
            .with_precision_and_scale(38, 10)
            .unwrap();
        assert_eq!(pretty(&a, 0), "0.0000000001");
        let a = Decimal128Array::from(vec![12345678901234567890i128, -7])
            .with_precision_and_scale(38, 0)
            .unwrap();
        assert_eq!(pretty(&a, 0), "12345678901234567890");
        assert_eq!(pretty(&a, 1), "-7");
        let a = Decimal128Array::from(vec![i128::MIN + 1])
            .with_precision_and_scale(38, 5)
            .unwrap();
        assert!(pretty(&a, 0).starts_with("-170141183460469231731687303715884"));
        let a = Decimal128Array::from(vec![15i128])
            .with_precision_and_scale(3, 1)
            .unwrap();
        assert_eq!(cast(&a, 0).as_deref(), Some("1.5"));
    }

    #[test]
    fn progress_timestamps() {
        assert_eq!(progress_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(progress_timestamp(1_704_067_210_123_000), "2024-01-01T00:00:10.123Z");
        assert_eq!(progress_timestamp(5_000), "1970-01-01T00:00:00.005Z");
        assert_eq!(progress_timestamp(-1_000), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn dates() {
        let a = Date32Array::from(vec![Some(19844), Some(19782), Some(0), Some(-1), None]);
        let got: Vec<String> = (0..5).map(|i| pretty(&a, i)).collect();
        assert_eq!(
            got,
            [
                "2024-05-01",
                "2024-02-29",
                "1970-01-01",
                "1969-12-31",
                "NULL"
            ]
        );
        // Years outside 0000..9999 as java.time prints them.
        let d = |y, m, dd| {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
            (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
        };
        let a = Date32Array::from(vec![
            d(1, 1, 1),
            d(9999, 12, 31),
            d(-1, 1, 1),
            d(10000, 1, 1),
            d(-44, 3, 15),
        ]);
        let got: Vec<String> = (0..5).map(|i| pretty(&a, i)).collect();
        assert_eq!(
            got,
            [
                "0001-01-01",
                "9999-12-31",
                "-0001-01-01",
                "+10000-01-01",
                "-0044-03-15"
            ]
        );
        // Extremes do not panic.
        let a = Date32Array::from(vec![i32::MIN, i32::MAX]);
        pretty(&a, 0);
        pretty(&a, 1);
    }

    #[test]
    fn timestamps_in_session_zone() {
        let t = TimestampMicrosecondArray::from(vec![
            Some(ts_micros("2024-05-01 10:00:00")),
            Some(ts_micros("2024-05-01 10:00:00.5")),
            Some(ts_micros("2024-05-01 10:00:00.123456")),
            Some(ts_micros("2024-05-01 10:00:00.12")),
            Some(ts_micros("1969-12-31 23:59:59.999999")),
            None,
        ])
        .with_timezone("UTC");
        assert_eq!(t.data_type(), &types::timestamp());
        let got: Vec<String> = (0..6).map(|i| pretty(&t, i)).collect();
        assert_eq!(
            got,
            [
                "2024-05-01 10:00:00",
                "2024-05-01 10:00:00.5",
                "2024-05-01 10:00:00.123456",
                "2024-05-01 10:00:00.12",
                "1969-12-31 23:59:59.999999",
                "NULL"
            ]
        );
        let paris = SessionZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            format_value(&t, 0, &paris, Style::Pretty).as_deref(),
            Some("2024-05-01 12:00:00")
        );
        let plus = SessionZone::parse("-05:30").unwrap();
        assert_eq!(
            format_value(&t, 1, &plus, Style::Cast).as_deref(),
            Some("2024-05-01 04:30:00.5")
        );
        // Round trip through the zone's local time, LMT included.
        let la = SessionZone::parse("America/Los_Angeles").unwrap();
        let local =
            chrono::NaiveDateTime::parse_from_str("1800-01-01 00:00:00", "%Y-%m-%d %H:%M:%S")
                .unwrap();
        let t2 = TimestampMicrosecondArray::from(vec![la.local_to_utc_micros(&local)])
            .with_timezone("UTC");
        assert_eq!(
            format_value(&t2, 0, &la, Style::Pretty).as_deref(),
            Some("1800-01-01 00:00:00")
        );
        // NTZ: no zone shift.
        let n = TimestampMicrosecondArray::from(vec![ts_micros("2024-05-01 10:00:00.5")]);
        assert_eq!(n.data_type(), &types::timestamp_ntz());
        assert_eq!(
            format_value(&n, 0, &paris, Style::Pretty).as_deref(),
            Some("2024-05-01 10:00:00.5")
        );
        // Extremes do not panic.
        let x = TimestampMicrosecondArray::from(vec![i64::MIN, i64::MAX]).with_timezone("UTC");
        format_value(&x, 0, &paris, Style::Pretty);
        format_value(&x, 1, &paris, Style::Pretty);
        let s = TimestampSecondArray::from(vec![i64::MIN, i64::MAX]).with_timezone("UTC");
        format_value(&s, 0, &paris, Style::Pretty);
        format_value(&s, 1, &paris, Style::Pretty);
    }

    #[test]
    fn day_time_intervals() {
        let a = DurationMicrosecondArray::from(vec![
            60_000_000,
            -(86_400_000_000 + 2 * 3_600_000_000 + 3 * 60_000_000 + 4_500_000),
            10_000_000,
            61_500_000,
            i64::MAX,
            i64::MIN,
            0,
        ]);
        assert_eq!(a.data_type(), &types::day_time_interval());
        let got: Vec<String> = (0..7).map(|i| pretty(&a, i)).collect();
        assert_eq!(
            got,
            [
                "INTERVAL '0 00:01:00' DAY TO SECOND",
                "INTERVAL '-1 02:03:04.5' DAY TO SECOND",
                "INTERVAL '0 00:00:10' DAY TO SECOND",
                "INTERVAL '0 00:01:01.5' DAY TO SECOND",
                "INTERVAL '106751991 04:00:54.775807' DAY TO SECOND",
                "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND",
                "INTERVAL '0 00:00:00' DAY TO SECOND",
            ]
        );
        let ym = IntervalYearMonthArray::from(vec![14, -14]);
        assert_eq!(pretty(&ym, 0), "INTERVAL '1-2' YEAR TO MONTH");
        assert_eq!(pretty(&ym, 1), "INTERVAL '-1-2' YEAR TO MONTH");
        let cal = IntervalMonthDayNanoArray::from(vec![
            IntervalMonthDayNano::new(14, 3, 3_723_500_000_000),
            IntervalMonthDayNano::new(0, 0, 0),
            IntervalMonthDayNano::new(0, 0, -500_000_000),
            IntervalMonthDayNano::new(0, 0, -3_723_500_000_000),
        ]);
        assert_eq!(
            pretty(&cal, 0),
            "1 years 2 months 3 days 1 hours 2 minutes 3.5 seconds"
        );
        assert_eq!(pretty(&cal, 1), "0 seconds");
        assert_eq!(pretty(&cal, 2), "-0.5 seconds");
        assert_eq!(pretty(&cal, 3), "-1 hours -2 minutes -3.5 seconds");
    }

    #[test]
    fn binary_pretty_and_cast() {
        let a = BinaryArray::from(vec![
            Some(b"hello".as_ref()),
            Some(b"".as_ref()),
            None,
            Some(&[0xFF, 0x00][..]),
        ]);
        assert_eq!(pretty(&a, 0), "[68 65 6C 6C 6F]");
        assert_eq!(pretty(&a, 1), "[]");
        assert_eq!(pretty(&a, 2), "NULL");
        assert_eq!(cast(&a, 0).as_deref(), Some("hello"));
        assert_eq!(cast(&a, 3).as_deref(), Some("\u{FFFD}\u{0}"));
        // Nested binary keeps the style.
        let list = ListArray::new(
            Arc::new(Field::new("element", DataType::Binary, true)),
            OffsetBuffer::from_lengths([1]),
            Arc::new(BinaryArray::from(vec![b"hi".as_ref()])),
            None,
        );
        assert_eq!(pretty(&list, 0), "[[68 69]]");
        assert_eq!(cast(&list, 0).as_deref(), Some("[hi]"));
    }

    fn int_list(rows: Vec<Option<Vec<Option<i32>>>>) -> ListArray {
        ListArray::from_iter_primitive::<Int32Type, _, _>(rows)
    }

    #[test]
    fn arrays() {
        let a = int_list(vec![
            Some(vec![Some(1), None, Some(3)]),
            Some(vec![]),
            None,
            Some(vec![Some(5), Some(0)]),
        ]);
        assert_eq!(pretty(&a, 0), "[1, NULL, 3]");
        assert_eq!(cast(&a, 0).as_deref(), Some("[1, null, 3]"));
        assert_eq!(pretty(&a, 1), "[]");
        assert_eq!(pretty(&a, 2), "NULL");
        assert_eq!(cast(&a, 2), None);
        assert_eq!(pretty(&a, 3), "[5, 0]");
        // Sliced arrays use their own offsets.
        let s = a.slice(3, 1);
        assert_eq!(pretty(&s, 0), "[5, 0]");
        // Strings inside arrays are not quoted.
        let words = StringArray::from(vec!["a", "b", "c", "", "a", ""]);
        let l = ListArray::new(
            Arc::new(Field::new("element", DataType::Utf8, true)),
            OffsetBuffer::from_lengths([3, 3]),
            Arc::new(words),
            None,
        );
        assert_eq!(l.data_type(), &types::array_of(DataType::Utf8));
        assert_eq!(pretty(&l, 0), "[a, b, c]");
        assert_eq!(pretty(&l, 1), "[, a, ]");
        // Nested arrays with a null inner array.
        let inner = int_list(vec![Some(vec![Some(1), Some(2)]), None, Some(vec![])]);
        let outer = ListArray::new(
            Arc::new(Field::new("element", inner.data_type().clone(), true)),
            OffsetBuffer::from_lengths([3]),
            Arc::new(inner),
            None,
        );
        assert_eq!(pretty(&outer, 0), "[[1, 2], NULL, []]");
        assert_eq!(cast(&outer, 0).as_deref(), Some("[[1, 2], null, []]"));
        // Doubles inside arrays print as Java.
        let d = ListArray::new(
            Arc::new(Field::new("element", DataType::Float64, true)),
            OffsetBuffer::from_lengths([2]),
            Arc::new(Float64Array::from(vec![Some(1e10), None])),
            None,
        );
        assert_eq!(pretty(&d, 0), "[1.0E10, NULL]");
    }

    fn window_struct() -> StructArray {
        let start = TimestampMicrosecondArray::from(vec![ts_micros("2024-05-01 10:01:00")])
            .with_timezone("UTC");
        let end = TimestampMicrosecondArray::from(vec![ts_micros("2024-05-01 10:06:00")])
            .with_timezone("UTC");
        StructArray::from(vec![
            (
                Arc::new(Field::new("start", types::timestamp(), true)),
                Arc::new(start) as ArrayRef,
            ),
            (
                Arc::new(Field::new("end", types::timestamp(), true)),
                Arc::new(end) as ArrayRef,
            ),
        ])
    }

    #[test]
    fn structs() {
        let w = window_struct();
        assert_eq!(pretty(&w, 0), "{2024-05-01 10:01:00, 2024-05-01 10:06:00}");
        let s = StructArray::try_new(
            Fields::from(vec![
                Field::new("value", DataType::Utf8, true),
                Field::new("n", DataType::Int32, true),
            ]),
            vec![
                Arc::new(StringArray::from(vec![
                    Some("abc"),
                    Some(""),
                    None,
                    Some("x"),
                ])),
                Arc::new(Int32Array::from(vec![Some(3), Some(0), None, None])),
            ],
            Some(NullBuffer::from(vec![true, true, true, false])),
        )
        .unwrap();
        assert_eq!(pretty(&s, 0), "{abc, 3}");
        assert_eq!(pretty(&s, 1), "{, 0}");
        assert_eq!(pretty(&s, 2), "{NULL, NULL}");
        assert_eq!(cast(&s, 2).as_deref(), Some("{null, null}"));
        assert_eq!(pretty(&s, 3), "NULL");
        assert_eq!(cast(&s, 3), None);
        // A struct field of type NULL (struct(null as z)).
        let z = StructArray::try_new(
            Fields::from(vec![Field::new("z", DataType::Null, true)]),
            vec![Arc::new(NullArray::new(1))],
            None,
        )
        .unwrap();
        assert_eq!(pretty(&z, 0), "{NULL}");
        assert_eq!(cast(&z, 0).as_deref(), Some("{null}"));
        // Empty struct.
        let e = StructArray::new_empty_fields(2, None);
        assert_eq!(pretty(&e, 0), "{}");
    }

    fn string_map(entries: Vec<Vec<(&str, Option<&str>)>>) -> MapArray {
        let mut b = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        for row in entries {
            for (k, v) in row {
                b.keys().append_value(k);
                b.values().append_option(v);
            }
            b.append(true).unwrap();
        }
        b.finish()
    }

    #[test]
    fn maps() {
        let m = string_map(vec![
            vec![("k", Some("abc"))],
            vec![("k", Some(""))],
            vec![("a", None), ("b", Some("1"))],
            vec![],
        ]);
        assert_eq!(pretty(&m, 0), "{k -> abc}");
        assert_eq!(pretty(&m, 1), "{k -> }");
        assert_eq!(pretty(&m, 2), "{a -> NULL, b -> 1}");
        assert_eq!(cast(&m, 2).as_deref(), Some("{a -> null, b -> 1}"));
        assert_eq!(pretty(&m, 3), "{}");
        // struct(array(1), map(1, struct(null as z))) prints {[1], {1 -> {NULL}}}
        let arr = int_list(vec![Some(vec![Some(1)])]);
        let z = StructArray::try_new(
            Fields::from(vec![Field::new("z", DataType::Null, true)]),
            vec![Arc::new(NullArray::new(1))],
            None,
        )
        .unwrap();
        let map_type = types::map_of(DataType::Int32, z.data_type().clone());
        let DataType::Map(entries_field, _) = &map_type else {
            unreachable!()
        };
        let DataType::Struct(kv) = entries_field.data_type() else {
            unreachable!()
        };
        let entries = StructArray::try_new(
            kv.clone(),
            vec![Arc::new(Int32Array::from(vec![1])), Arc::new(z)],
            None,
        )
        .unwrap();
        let map = MapArray::try_new(
            entries_field.clone(),
            OffsetBuffer::from_lengths([1]),
            entries,
            None,
            false,
        )
        .unwrap();
        let outer = StructArray::from(vec![
            (
                Arc::new(Field::new("a", arr.data_type().clone(), true)),
                Arc::new(arr) as ArrayRef,
            ),
            (
                Arc::new(Field::new("m", map.data_type().clone(), true)),
                Arc::new(map) as ArrayRef,
            ),
        ]);
        assert_eq!(pretty(&outer, 0), "{[1], {1 -> {NULL}}}");
    }

    #[test]
    fn null_type_and_dictionary() {
        let n = NullArray::new(2);
        assert_eq!(pretty(&n, 0), "NULL");
        assert_eq!(cast(&n, 1), None);
        let d: DictionaryArray<Int32Type> = vec![Some("a"), None, Some("b"), Some("a")]
            .into_iter()
            .collect();
        let got: Vec<String> = (0..4).map(|i| pretty(&d, i)).collect();
        assert_eq!(got, ["a", "NULL", "b", "a"]);
    }

    #[test]
    fn to_string_array_casts_whole_columns() {
        let zone = utc();
        let a = Float64Array::from(vec![Some(1.0), None, Some(1e10)]);
        let s = to_string_array(&a, &zone);
        assert_eq!(s.len(), 3);
        assert_eq!(s.value(0), "1.0");
        assert!(s.is_null(1));
        assert_eq!(s.value(2), "1.0E10");
        let l = int_list(vec![Some(vec![Some(1), None]), None]);
        let s = to_string_array(&l, &zone);
        assert_eq!(s.value(0), "[1, null]");
        assert!(s.is_null(1));
        let strings = StringArray::from(vec![Some("x"), None]);
        let s = to_string_array(&strings, &zone);
        assert_eq!(s, strings);
        let sliced = Int32Array::from(vec![1, 2, 3]).slice(1, 2);
        let s = to_string_array(&sliced, &zone);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Some("2"), Some("3")]);
    }

    #[test]
    fn other_types_do_not_panic() {
        let zone = utc();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Float16Array::from(vec![half_one()])),
            Arc::new(Time64MicrosecondArray::from(vec![3_723_500_000])),
            Arc::new(Time32SecondArray::from(vec![-1])),
            Arc::new(Date64Array::from(vec![86_400_000])),
            Arc::new(LargeStringArray::from(vec!["big"])),
            Arc::new(StringViewArray::from(vec!["view"])),
            Arc::new(FixedSizeBinaryArray::try_from_iter(vec![vec![1u8, 2]].into_iter()).unwrap()),
            Arc::new(IntervalDayTimeArray::from(vec![
                arrow::datatypes::IntervalDayTime::new(1, 1500),
            ])),
            Arc::new(DurationSecondArray::from(vec![i64::MAX, i64::MIN])),
            Arc::new(DurationNanosecondArray::from(vec![1_500])),
            Arc::new(
                UnionArray::try_new(
                    arrow::datatypes::UnionFields::try_new(
                        vec![0],
                        vec![Field::new("a", DataType::Int32, true)],
                    )
                    .unwrap(),
                    vec![0i8].into(),
                    None,
                    vec![Arc::new(Int32Array::from(vec![7])) as ArrayRef],
                )
                .unwrap(),
            ),
        ];
        let want = [
            "1.0",
            "01:02:03.5",
            "23:59:59",
            "1970-01-02",
            "big",
            "view",
            "[01 02]",
            "1 days 1.5 seconds",
            "INTERVAL '106751991167300 15:30:07' DAY TO SECOND",
            "INTERVAL '0 00:00:00.000001' DAY TO SECOND",
        ];
        for (i, a) in arrays.iter().enumerate() {
            let got = format_value(a.as_ref(), 0, &zone, Style::Pretty).unwrap();
            if let Some(w) = want.get(i) {
                assert_eq!(&got, w, "{:?}", a.data_type());
            }
            format_value(a.as_ref(), 1, &zone, Style::Cast);
            format_value(a.as_ref(), usize::MAX, &zone, Style::Cast);
        }
    }

    fn half_one() -> <Float16Type as ArrowPrimitiveType>::Native {
        <Float16Type as ArrowPrimitiveType>::Native::from_f32(1.0)
    }
}
