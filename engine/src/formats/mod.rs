//! File formats: one file's bytes in, one Arrow batch out, as Spark 4.0.1's
//! file sources and `spark.read` produce them (CSV, JSON Lines, text).
//!
//! Sans-IO: the host hands in the bytes of a file; nothing here touches a
//! file system. What Spark does that these readers reproduce (each checked
//! against pyspark 4.0.1; the tests in each module pin them down):
//!
//! - Records are lines split on `\n`, `\r\n` or a lone `\r` (Hadoop's line
//!   reader); a last line without a terminator counts; a UTF-8 byte order
//!   mark at the start of a file is dropped. CSV skips lines that are blank
//!   after trimming, JSON skips blank lines, text keeps empty lines as `""`.
//! - Malformed records follow the `mode` option: PERMISSIVE (the default)
//!   keeps what could be parsed and NULLs the rest, filling a
//!   `_corrupt_record` string column with the raw record when the schema has
//!   one; DROPMALFORMED drops the record; FAILFAST fails with
//!   `MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION` (which Spark wraps in
//!   `FAILED_READ_FILE.NO_HINT`, see [`failed_read_file`]).
//! - Every output column is nullable, as Spark makes file source schemas.

use std::borrow::Cow;
use std::sync::Arc;

use arrow::array::*;
use arrow::array::NullBufferBuilder;
use arrow::buffer::{OffsetBuffer, ScalarBuffer};
use arrow::datatypes::*;

use crate::error::{EngineError, ErrorKind, Result};
use crate::zone::SessionZone;

pub mod csv;
pub mod json;
pub mod text;

pub use self::csv::{infer_csv_schema, read_csv};
pub use self::json::{infer_json_schema, read_json};
pub use self::text::read_text;

/// The column Spark fills with the raw text of a malformed record
/// (`columnNameOfCorruptRecord`'s default), when the schema has it.
pub const CORRUPT_RECORD: &str = "_corrupt_record";

/// What a reader does with a malformed record (the `mode` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Permissive,
    DropMalformed,
    FailFast,
}

/// The reader options Spark's CSV and JSON sources take.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadOptions {
    /// CSV: the first record of each file is a header (and names the
    /// columns when no schema is given).
    pub header: bool,
    /// CSV: the field separator, any non-empty string (already unescaped:
    /// `from_options` turns `\t` into a tab).
    pub delimiter: String,
    /// CSV: the quote character; `'\0'` turns quoting off.
    pub quote: char,
    /// CSV: the character that escapes a quote (or itself) inside a quoted
    /// value; `'\0'` turns escaping off.
    pub escape: char,
    pub infer_schema: bool,
    pub mode: Mode,
    /// CSV: the text that reads as NULL (besides an empty unquoted field).
    pub null_value: String,
    /// CSV: quoted values may span lines. JSON: the whole file is one JSON
    /// document (an object, or an array of objects).
    pub multi_line: bool,
    /// A Java DateTimeFormatter pattern for timestamps; without one,
    /// timestamps parse as `CAST(string AS TIMESTAMP)` does.
    pub timestamp_format: Option<String>,
    /// A Java DateTimeFormatter pattern for dates; without one, dates parse
    /// as `CAST(string AS DATE)` does.
    pub date_format: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            header: false,
            delimiter: ",".into(),
            quote: '"',
            escape: '\\',
            infer_schema: false,
            mode: Mode::Permissive,
            null_value: String::new(),
            multi_line: false,
            timestamp_format: None,
            date_format: None,
        }
    }
}

impl ReadOptions {
    /// Reads Spark's option names, case-insensitively: `header`,
    /// `delimiter`/`sep` (`sep` wins), `quote`, `escape`, `inferSchema`,
    /// `mode`, `nullValue`, `multiLine`, `timestampFormat`, `dateFormat`.
    /// Other options are ignored, as Spark ignores options a source does not
    /// know. Later values of the same option replace earlier ones.
    pub fn from_options(opts: &[(String, String)]) -> Result<ReadOptions> {
        let mut o = ReadOptions::default();
        let get = |name: &str| -> Option<&str> {
            opts.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
        };
        let flag = |name: &str, default: bool| -> Result<bool> {
            match get(name) {
                None => Ok(default),
                Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
                Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
                Some(_) => Err(EngineError {
                    kind: ErrorKind::Analysis,
                    class: Some("_LEGACY_ERROR_TEMP_2147".into()),
                    python_type: "Py4JJavaError".into(),
                    message: format!("{name} flag can be true or false."),
                    span: None,
                }),
            }
        };
        o.header = flag("header", false)?;
        o.infer_schema = flag("inferSchema", false)?;
        o.multi_line = flag("multiLine", false)?;
        if let Some(d) = get("sep").or_else(|| get("delimiter")) {
            o.delimiter = delimiter_from_option(d)?;
        }
        if let Some(q) = get("quote") {
            o.quote = char_option("quote", q)?;
        }
        if let Some(e) = get("escape") {
            o.escape = char_option("escape", e)?;
        }
        if let Some(m) = get("mode") {
            // Spark falls back to PERMISSIVE for a mode it does not know.
            o.mode = match m.to_ascii_uppercase().as_str() {
                "DROPMALFORMED" => Mode::DropMalformed,
                "FAILFAST" => Mode::FailFast,
                _ => Mode::Permissive,
            };
        }
        if let Some(n) = get("nullValue") {
            o.null_value = n.to_string();
        }
        o.timestamp_format = get("timestampFormat").map(str::to_string);
        o.date_format = get("dateFormat").map(str::to_string);
        Ok(o)
    }
}

fn illegal_argument(message: impl Into<String>) -> EngineError {
    EngineError {
        kind: ErrorKind::Analysis,
        class: None,
        python_type: "IllegalArgumentException".into(),
        message: message.into(),
        span: None,
    }
}

/// Spark's `CSVExprUtils.toDelimiterStr`: each character, or a backslash
/// and the next one (`\t`, `\r`, `\b`, `\f`, `\"`, `\'`, `\\`), becomes
/// one delimiter character.
fn delimiter_from_option(s: &str) -> Result<String> {
    if s.is_empty() {
        return Err(illegal_argument("Delimiter cannot be empty"));
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err(EngineError::analysis(
                    "INVALID_DELIMITER_VALUE.SINGLE_BACKSLASH",
                    "Invalid value for delimiter. Single backslash is prohibited. It has special meaning as beginning of an escape sequence. To get the backslash character, pass a string with two backslashes as the delimiter.",
                    "42602",
                ));
            };
            out.push(match next {
                't' => '\t',
                'r' => '\r',
                'b' => '\u{8}',
                'f' => '\u{c}',
                '"' => '"',
                '\'' => '\'',
                '\\' => '\\',
                'u' if s == "\\u0000" => '\0',
                other => {
                    return Err(EngineError::analysis(
                        "INVALID_DELIMITER_VALUE.UNSUPPORTED_SPECIAL_CHARACTER",
                        format!("Invalid value for delimiter. Unsupported special character for delimiter: \\{other}."),
                        "42602",
                    ))
                }
            });
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// A one-character option (`quote`, `escape`); empty turns it off (`'\0'`).
fn char_option(name: &str, v: &str) -> Result<char> {
    let mut it = v.chars();
    match (it.next(), it.next()) {
        (None, _) => Ok('\0'),
        (Some(c), None) => Ok(c),
        _ => Err(illegal_argument(format!("{name} cannot be more than one character"))),
    }
}

// ---------------------------------------------------------------------------
// Errors

/// Spark's FAILFAST error for a malformed record; `bad_record` is the row as
/// Spark prints it (`[null,x,1.0]`).
pub(crate) fn malformed_record(bad_record: &str) -> EngineError {
    let mut e = EngineError::execution(
        "MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION",
        format!(
            "Malformed records are detected in record parsing: {bad_record}.\nParse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as 'PERMISSIVE'. "
        ),
        "22023",
    );
    e.python_type = "SparkException".into();
    e
}

/// The error Spark raises around a failure while reading a file
/// (`[FAILED_READ_FILE.NO_HINT] Encountered error while reading file
/// file:///.../a.json.  SQLSTATE: KD001`); `path` is the file's URI as
/// Spark shows it. A streaming query wraps this one into STREAM_FAILED.
pub fn failed_read_file(path: &str) -> EngineError {
    let mut e = EngineError::execution(
        "FAILED_READ_FILE.NO_HINT",
        format!("Encountered error while reading file {path}. "),
        "KD001",
    );
    e.python_type = "SparkException".into();
    e
}

// ---------------------------------------------------------------------------
// Input text

/// Drops a UTF-8 byte order mark at the start of a file, as Hadoop's line
/// reader does.
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(bytes)
}

/// Splits on `\n`, `\r\n` and a lone `\r`; a final line without terminator
/// counts, a final terminator does not start another line.
pub(crate) fn split_lines(bytes: &[u8]) -> LineIter<'_> {
    LineIter { bytes, pos: 0 }
}

pub(crate) struct LineIter<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    /// The byte range of the line (without its terminator).
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let b = self.bytes;
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let mut i = start;
        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
            i += 1;
        }
        let end = i;
        if i < b.len() {
            if b[i] == b'\r' && i + 1 < b.len() && b[i + 1] == b'\n' {
                i += 2;
            } else {
                i += 1;
            }
        }
        self.pos = i;
        Some((start, end))
    }
}

/// Java's `String.trim`: strips characters up to U+0020.
pub(crate) fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

// ---------------------------------------------------------------------------
// Values and column builders

/// One parsed value, before it lands in a column builder.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Bool(bool),
    /// Any integer width.
    Int(i64),
    F32(f32),
    F64(f64),
    /// Unscaled decimal.
    Dec(i128),
    Str(Cow<'a, str>),
    /// Days since the epoch.
    Date(i32),
    /// Microseconds since the epoch.
    Ts(i64),
    List(Vec<Cell<'a>>),
    Struct(Vec<Cell<'a>>),
    Map(Vec<(Cow<'a, str>, Cell<'a>)>),
}

/// `dt` with every nested field nullable (map keys stay non-null), as Spark
/// makes file source schemas (`asNullable`).
pub(crate) fn nullable_type(dt: &DataType) -> DataType {
    match dt {
        DataType::List(f) => DataType::List(Arc::new(Field::new(f.name(), nullable_type(f.data_type()), true))),
        DataType::Struct(fs) => DataType::Struct(
            fs.iter()
                .map(|f| Field::new(f.name(), nullable_type(f.data_type()), true))
                .collect::<Vec<_>>()
                .into(),
        ),
        DataType::Map(entries, sorted) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                let e = Field::new(
                    entries.name(),
                    DataType::Struct(Fields::from(vec![
                        Field::new(kv[0].name(), nullable_type(kv[0].data_type()), false),
                        Field::new(kv[1].name(), nullable_type(kv[1].data_type()), true),
                    ])),
                    false,
                );
                DataType::Map(Arc::new(e), *sorted)
            }
            _ => dt.clone(),
        },
        other => other.clone(),
    }
}

pub(crate) fn nullable_schema(schema: &Schema) -> Schema {
    Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), nullable_type(f.data_type()), true))
            .collect::<Vec<_>>(),
    )
}

/// Accumulates cells of one (possibly nested) type into an Arrow array.
pub(crate) enum ColBuilder {
    Null(usize),
    Utf8(StringBuilder),
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder),
    Date(Date32Builder),
    Ts(TimestampMicrosecondBuilder),
    List {
        field: FieldRef,
        offsets: Vec<i32>,
        nulls: NullBufferBuilder,
        child: Box<ColBuilder>,
    },
    Struct {
        fields: Fields,
        children: Vec<ColBuilder>,
        nulls: NullBufferBuilder,
        len: usize,
    },
    Map {
        entries: FieldRef,
        sorted: bool,
        offsets: Vec<i32>,
        nulls: NullBufferBuilder,
        keys: StringBuilder,
        values: Box<ColBuilder>,
    },
}

impl ColBuilder {
    /// A builder for `dt` (which should already be nullable throughout).
    pub(crate) fn new(dt: &DataType, cap: usize) -> Result<ColBuilder> {
        Ok(match dt {
            DataType::Null => ColBuilder::Null(0),
            DataType::Utf8 => ColBuilder::Utf8(StringBuilder::with_capacity(cap, cap * 8)),
            DataType::Boolean => ColBuilder::Bool(BooleanBuilder::with_capacity(cap)),
            DataType::Int8 => ColBuilder::I8(Int8Builder::with_capacity(cap)),
            DataType::Int16 => ColBuilder::I16(Int16Builder::with_capacity(cap)),
            DataType::Int32 => ColBuilder::I32(Int32Builder::with_capacity(cap)),
            DataType::Int64 => ColBuilder::I64(Int64Builder::with_capacity(cap)),
            DataType::Float32 => ColBuilder::F32(Float32Builder::with_capacity(cap)),
            DataType::Float64 => ColBuilder::F64(Float64Builder::with_capacity(cap)),
            DataType::Decimal128(p, s) => {
                ColBuilder::Dec(Decimal128Builder::with_capacity(cap).with_precision_and_scale(*p, *s)?)
            }
            DataType::Date32 => ColBuilder::Date(Date32Builder::with_capacity(cap)),
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                ColBuilder::Ts(TimestampMicrosecondBuilder::with_capacity(cap).with_data_type(dt.clone()))
            }
            DataType::List(f) => ColBuilder::List {
                field: f.clone(),
                offsets: {
                    let mut v = Vec::with_capacity(cap + 1);
                    v.push(0);
                    v
                },
                nulls: NullBufferBuilder::new(cap),
                child: Box::new(ColBuilder::new(f.data_type(), cap)?),
            },
            DataType::Struct(fs) => ColBuilder::Struct {
                fields: fs.clone(),
                children: fs.iter().map(|f| ColBuilder::new(f.data_type(), cap)).collect::<Result<_>>()?,
                nulls: NullBufferBuilder::new(cap),
                len: 0,
            },
            DataType::Map(entries, sorted) => match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 && kv[0].data_type() == &DataType::Utf8 => ColBuilder::Map {
                    entries: entries.clone(),
                    sorted: *sorted,
                    offsets: {
                        let mut v = Vec::with_capacity(cap + 1);
                        v.push(0);
                        v
                    },
                    nulls: NullBufferBuilder::new(cap),
                    keys: StringBuilder::new(),
                    values: Box::new(ColBuilder::new(kv[1].data_type(), cap)?),
                },
                _ => return Err(EngineError::unsupported(format!("reading a column of type {}", crate::types::sql_name(dt)))),
            },
            other => {
                return Err(EngineError::unsupported(format!(
                    "reading a column of type {} from a file",
                    crate::types::sql_name(other)
                )))
            }
        })
    }

    pub(crate) fn append_null(&mut self) {
        match self {
            ColBuilder::Null(n) => *n += 1,
            ColBuilder::Utf8(b) => b.append_null(),
            ColBuilder::Bool(b) => b.append_null(),
            ColBuilder::I8(b) => b.append_null(),
            ColBuilder::I16(b) => b.append_null(),
            ColBuilder::I32(b) => b.append_null(),
            ColBuilder::I64(b) => b.append_null(),
            ColBuilder::F32(b) => b.append_null(),
            ColBuilder::F64(b) => b.append_null(),
            ColBuilder::Dec(b) => b.append_null(),
            ColBuilder::Date(b) => b.append_null(),
            ColBuilder::Ts(b) => b.append_null(),
            ColBuilder::List { offsets, nulls, .. } | ColBuilder::Map { offsets, nulls, .. } => {
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last);
                nulls.append_null();
            }
            ColBuilder::Struct { children, nulls, len, .. } => {
                for c in children {
                    c.append_null();
                }
                nulls.append_null();
                *len += 1;
            }
        }
    }

    /// Appends a cell; a cell of the wrong shape for the column is a NULL.
    pub(crate) fn append(&mut self, cell: &Cell) {
        match (&mut *self, cell) {
            (_, Cell::Null) => self.append_null(),
            (ColBuilder::Utf8(b), Cell::Str(s)) => b.append_value(s),
            (ColBuilder::Bool(b), Cell::Bool(v)) => b.append_value(*v),
            (ColBuilder::I8(b), Cell::Int(v)) => b.append_value(*v as i8),
            (ColBuilder::I16(b), Cell::Int(v)) => b.append_value(*v as i16),
            (ColBuilder::I32(b), Cell::Int(v)) => b.append_value(*v as i32),
            (ColBuilder::I64(b), Cell::Int(v)) => b.append_value(*v),
            (ColBuilder::F32(b), Cell::F32(v)) => b.append_value(*v),
            (ColBuilder::F64(b), Cell::F64(v)) => b.append_value(*v),
            (ColBuilder::Dec(b), Cell::Dec(v)) => b.append_value(*v),
            (ColBuilder::Date(b), Cell::Date(v)) => b.append_value(*v),
            (ColBuilder::Ts(b), Cell::Ts(v)) => b.append_value(*v),
            (ColBuilder::List { offsets, nulls, child, .. }, Cell::List(items)) => {
                for it in items {
                    child.append(it);
                }
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last.saturating_add(items.len() as i32));
                nulls.append_non_null();
            }
            (ColBuilder::Struct { children, nulls, len, .. }, Cell::Struct(cells)) => {
                for (i, c) in children.iter_mut().enumerate() {
                    match cells.get(i) {
                        Some(v) => c.append(v),
                        None => c.append_null(),
                    }
                }
                nulls.append_non_null();
                *len += 1;
            }
            (ColBuilder::Map { offsets, nulls, keys, values, .. }, Cell::Map(entries)) => {
                for (k, v) in entries {
                    keys.append_value(k);
                    values.append(v);
                }
                let last = *offsets.last().unwrap_or(&0);
                offsets.push(last.saturating_add(entries.len() as i32));
                nulls.append_non_null();
            }
            _ => self.append_null(),
        }
    }

    pub(crate) fn finish(&mut self) -> Result<ArrayRef> {
        Ok(match self {
            ColBuilder::Null(n) => Arc::new(NullArray::new(std::mem::take(n))),
            ColBuilder::Utf8(b) => Arc::new(b.finish()),
            ColBuilder::Bool(b) => Arc::new(b.finish()),
            ColBuilder::I8(b) => Arc::new(b.finish()),
            ColBuilder::I16(b) => Arc::new(b.finish()),
            ColBuilder::I32(b) => Arc::new(b.finish()),
            ColBuilder::I64(b) => Arc::new(b.finish()),
            ColBuilder::F32(b) => Arc::new(b.finish()),
            ColBuilder::F64(b) => Arc::new(b.finish()),
            ColBuilder::Dec(b) => Arc::new(b.finish()),
            ColBuilder::Date(b) => Arc::new(b.finish()),
            ColBuilder::Ts(b) => Arc::new(b.finish()),
            ColBuilder::List { field, offsets, nulls, child } => {
                let values = child.finish()?;
                let offs = OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(offsets, vec![0])));
                Arc::new(ListArray::try_new(field.clone(), offs, values, nulls.finish())?)
            }
            ColBuilder::Struct { fields, children, nulls, len } => {
                let n = std::mem::take(len);
                let arrays = children.iter_mut().map(|c| c.finish()).collect::<Result<Vec<_>>>()?;
                if fields.is_empty() {
                    Arc::new(StructArray::new_empty_fields(n, nulls.finish()))
                } else {
                    Arc::new(StructArray::try_new(fields.clone(), arrays, nulls.finish())?)
                }
            }
            ColBuilder::Map { entries, sorted, offsets, nulls, keys, values } => {
                let kv = match entries.data_type() {
                    DataType::Struct(kv) => kv.clone(),
                    _ => unreachable!("map entries are a struct"),
                };
                let k: ArrayRef = Arc::new(keys.finish());
                let v = values.finish()?;
                let entries_arr = StructArray::try_new(kv, vec![k, v], None)?;
                let offs = OffsetBuffer::new(ScalarBuffer::from(std::mem::replace(offsets, vec![0])));
                Arc::new(MapArray::try_new(entries.clone(), offs, entries_arr, nulls.finish(), *sorted)?)
            }
        })
    }
}

/// Collects rows into a batch, applying the parse mode to bad records.
pub(crate) struct RowSink {
    schema: SchemaRef,
    builders: Vec<ColBuilder>,
    mode: Mode,
    /// The `_corrupt_record` column, when the schema has one (a string).
    pub(crate) corrupt: Option<usize>,
    rows: usize,
}

impl RowSink {
    pub(crate) fn new(schema: &Schema, mode: Mode, cap: usize) -> Result<RowSink> {
        let schema = nullable_schema(schema);
        let corrupt = schema
            .fields()
            .iter()
            .position(|f| f.name() == CORRUPT_RECORD && f.data_type() == &DataType::Utf8);
        let builders = schema
            .fields()
            .iter()
            .map(|f| ColBuilder::new(f.data_type(), cap))
            .collect::<Result<Vec<_>>>()?;
        Ok(RowSink { schema: Arc::new(schema), builders, mode, corrupt, rows: 0 })
    }

    pub(crate) fn width(&self) -> usize {
        self.builders.len()
    }

    /// One record's rows; `bad` when the record is malformed (then the rows
    /// hold what could be parsed). `raw` is the record's text.
    pub(crate) fn push(&mut self, rows: &mut [Vec<Cell>], bad: bool, raw: &str) -> Result<()> {
        if bad {
            match self.mode {
                Mode::DropMalformed => return Ok(()),
                Mode::FailFast => {
                    let mut first: Vec<Cell> = rows.first().cloned().unwrap_or_default();
                    first.resize(self.width(), Cell::Null);
                    if let Some(c) = self.corrupt {
                        first[c] = Cell::Str(Cow::Borrowed(raw));
                    }
                    return Err(malformed_record(&format_row(&first, Some(self.schema.fields()))));
                }
                Mode::Permissive => {}
            }
        }
        let corrupt = if bad { self.corrupt } else { None };
        for row in rows.iter() {
            for (i, b) in self.builders.iter_mut().enumerate() {
                if Some(i) == corrupt {
                    b.append(&Cell::Str(Cow::Borrowed(raw)));
                    continue;
                }
                match row.get(i) {
                    Some(c) => b.append(c),
                    None => b.append_null(),
                }
            }
            self.rows += 1;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<RecordBatch> {
        let cols = self.builders.iter_mut().map(|b| b.finish()).collect::<Result<Vec<_>>>()?;
        let opts = RecordBatchOptions::new().with_row_count(Some(self.rows));
        Ok(RecordBatch::try_new_with_options(self.schema, cols, &opts)?)
    }
}

/// A row as Spark's `InternalRow.toString` shows it in FAILFAST errors:
/// internal values (timestamps in microseconds, dates in days).
pub(crate) fn format_row(cells: &[Cell], fields: Option<&Fields>) -> String {
    let mut out = String::from("[");
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_cell(&mut out, c, fields.and_then(|f| f.get(i)).map(|f| f.data_type()));
    }
    out.push(']');
    out
}

fn write_cell(out: &mut String, c: &Cell, dt: Option<&DataType>) {
    use std::fmt::Write;
    match c {
        Cell::Null => out.push_str("null"),
        Cell::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Cell::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Cell::F32(v) => out.push_str(&crate::display::java_float_to_string(*v)),
        Cell::F64(v) => out.push_str(&crate::display::java_double_to_string(*v)),
        Cell::Dec(v) => {
            let scale = match dt {
                Some(DataType::Decimal128(_, s)) if *s > 0 => *s as usize,
                _ => 0,
            };
            let digits = v.unsigned_abs().to_string();
            if v < &0 {
                out.push('-');
            }
            if scale == 0 {
                out.push_str(&digits);
            } else {
                let padded = format!("{digits:0>width$}", width = scale + 1);
                let (int, frac) = padded.split_at(padded.len() - scale);
                let _ = write!(out, "{int}.{frac}");
            }
        }
        Cell::Str(s) => out.push_str(s),
        Cell::Date(d) => {
            let _ = write!(out, "{d}");
        }
        Cell::Ts(t) => {
            let _ = write!(out, "{t}");
        }
        Cell::Struct(items) => {
            let fields = match dt {
                Some(DataType::Struct(f)) => Some(f),
                _ => None,
            };
            out.push_str(&format_row(items, fields));
        }
        Cell::List(items) => {
            let elem = match dt {
                Some(DataType::List(f)) => Some(f.data_type()),
                _ => None,
            };
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_cell(out, v, elem);
            }
            out.push(']');
        }
        Cell::Map(entries) => {
            let value_type = match dt {
                Some(DataType::Map(e, _)) => match e.data_type() {
                    DataType::Struct(kv) if kv.len() == 2 => Some(kv[1].data_type()),
                    _ => None,
                },
                _ => None,
            };
            out.push_str("keys: [");
            for (i, (k, _)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(k);
            }
            out.push_str("], values: [");
            for (i, (_, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_cell(out, v, value_type);
            }
            out.push(']');
        }
    }
}

// ---------------------------------------------------------------------------
// Scalars as Spark's readers parse them

/// `java.lang.Long.parseLong`: an optional sign and ASCII digits, nothing
/// else (no spaces).
pub(crate) fn java_parse_long(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = match b.first()? {
        b'+' | b'-' => &b[1..],
        _ => b,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Rust's parser accepts the same shape (sign, digits), range-checked.
    s.parse::<i64>().ok()
}

/// `java.lang.Double.parseDouble`: trims characters up to U+0020, then an
/// optional sign and `NaN`, `Infinity`, a decimal or a hex float, with an
/// optional `f`/`F`/`d`/`D` suffix.
pub(crate) fn java_parse_double(s: &str) -> Option<f64> {
    let t = java_trim(s);
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = match body {
        "NaN" => f64::NAN,
        "Infinity" => f64::INFINITY,
        _ => {
            let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
            if body.len() > 1 && (body.starts_with("0x") || body.starts_with("0X")) {
                parse_hex_float(&body[2..])?
            } else {
                if !is_java_decimal(body) {
                    return None;
                }
                body.parse::<f64>().ok()?
            }
        }
    };
    Some(if neg { -v } else { v })
}

/// `java.lang.Float.parseFloat` (the same grammar, rounded once to float).
pub(crate) fn java_parse_float(s: &str) -> Option<f32> {
    let t = java_trim(s);
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = match body {
        "NaN" => f32::NAN,
        "Infinity" => f32::INFINITY,
        _ => {
            let body = body.strip_suffix(['f', 'F', 'd', 'D']).unwrap_or(body);
            if body.len() > 1 && (body.starts_with("0x") || body.starts_with("0X")) {
                parse_hex_float(&body[2..])? as f32
            } else {
                if !is_java_decimal(body) {
                    return None;
                }
                body.parse::<f32>().ok()?
            }
        }
    };
    Some(if neg { -v } else { v })
}

/// Digits with an optional point (at least one digit), then an optional
/// exponent with at least one digit.
fn is_java_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// The part of a Java hex float after `0x`: `h[.h]p[+-]d`.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i32 = {
        let e = exp.strip_prefix('+').unwrap_or(exp);
        if e.is_empty() || !e.trim_start_matches('-').bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        e.parse::<i64>().ok()?.clamp(-100_000, 100_000) as i32
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// A `java.math.BigDecimal` read from text: `unscaled × 10^-scale`.
#[derive(Debug, PartialEq)]
pub(crate) struct BigDec<'a> {
    pub neg: bool,
    /// The unscaled digits, leading zeros removed (empty for zero).
    pub digits: Cow<'a, str>,
    pub scale: i64,
}

impl<'a> BigDec<'a> {
    /// `new BigDecimal(text)`: sign, digits with an optional point, an
    /// optional exponent; no spaces.
    pub(crate) fn parse(s: &'a str) -> Option<BigDec<'a>> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = match b.first()? {
            b'-' => {
                i = 1;
                true
            }
            b'+' => {
                i = 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int = &s[int_start..i];
        let mut frac = "";
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac = &s[fs..i];
        }
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut exp: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let es = i;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let ds = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == ds || i - ds > 10 {
                return None;
            }
            exp = s[es..i].parse::<i64>().ok()?;
            if exp.abs() > i32::MAX as i64 {
                return None;
            }
        }
        if i != b.len() {
            return None;
        }
        let digits: Cow<'a, str> = if frac.is_empty() {
            Cow::Borrowed(int.trim_start_matches('0'))
        } else {
            let mut d = String::with_capacity(int.len() + frac.len());
            d.push_str(int);
            d.push_str(frac);
            let z = d.len() - d.trim_start_matches('0').len();
            d.drain(..z);
            Cow::Owned(d)
        };
        Some(BigDec { neg, digits, scale: frac.len() as i64 - exp })
    }

    /// `BigDecimal.precision()`: the number of unscaled digits (1 for zero).
    pub(crate) fn precision(&self) -> i64 {
        self.digits.len().max(1) as i64
    }

    /// Spark's `Decimal(bigDecimal, p, s)`: rounds half up to scale `s`;
    /// None when the value needs more than `p` digits.
    pub(crate) fn to_decimal(&self, p: u8, s: i8) -> Option<i128> {
        let s = s as i64;
        let d = self.digits.as_bytes();
        let mut unscaled: i128 = 0;
        let push = |acc: i128, digit: u8| -> Option<i128> { acc.checked_mul(10)?.checked_add((digit - b'0') as i128) };
        if s >= self.scale {
            // append zeros
            let zeros = s - self.scale;
            if d.len() as i64 + zeros > 38 && !d.is_empty() {
                return None;
            }
            for &c in d {
                unscaled = push(unscaled, c)?;
            }
            if !d.is_empty() {
                for _ in 0..zeros {
                    unscaled = unscaled.checked_mul(10)?;
                }
            }
        } else {
            // drop digits, rounding half up on the first dropped one
            let drop = self.scale - s;
            let keep = d.len() as i64 - drop;
            if keep > 38 {
                return None;
            }
            let round_digit = if keep >= 0 { d.get(keep as usize).copied() } else { None };
            if keep > 0 {
                for &c in &d[..keep as usize] {
                    unscaled = push(unscaled, c)?;
                }
            }
            if matches!(round_digit, Some(c) if c >= b'5') {
                unscaled += 1;
            }
        }
        if unscaled >= 10i128.pow(p.min(38) as u32) {
            return None;
        }
        Some(if self.neg { -unscaled } else { unscaled })
    }
}

/// Spark's casts want a year of 4 to `max` digits (`CAST('5' AS DATE)` is
/// NULL); the shared cast parsers take shorter ones, so check first.
fn year_digits_ok(s: &str, max: usize) -> bool {
    let t = java_trim(s);
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let n = t.bytes().take_while(u8::is_ascii_digit).count();
    (4..=max).contains(&n)
}

/// `CAST(s AS TIMESTAMP)`'s parse: the wall-clock time and the offset (in
/// seconds) when the text names one.
pub(crate) fn cast_timestamp(s: &str) -> Option<(chrono::NaiveDateTime, Option<i32>)> {
    if !year_digits_ok(s, 6) {
        return None;
    }
    crate::eval::cast::parse_timestamp(s)
}

/// `CAST(s AS DATE)`'s parse: days since the epoch.
pub(crate) fn cast_date(s: &str) -> Option<i32> {
    if !year_digits_ok(s, 7) {
        return None;
    }
    crate::eval::cast::parse_date(s)
}

/// How a string becomes a timestamp: a pattern when the option gives one,
/// otherwise as `CAST(... AS TIMESTAMP)` does. `utc` is false for
/// timestamp_ntz, which refuses text with an explicit offset.
pub(crate) fn parse_timestamp_value(s: &str, fmt: Option<&str>, zone: &SessionZone, utc: bool) -> Option<i64> {
    match fmt {
        Some(p) => {
            let naive = crate::datetime::parse_with_pattern(s, p)?;
            Some(if utc { zone.local_to_utc_micros(&naive) } else { naive.and_utc().timestamp_micros() })
        }
        None => {
            let (naive, offset) = cast_timestamp(s)?;
            match (offset, utc) {
                (Some(off), true) => Some(naive.and_utc().timestamp_micros() - off as i64 * 1_000_000),
                (None, true) => Some(zone.local_to_utc_micros(&naive)),
                (None, false) => Some(naive.and_utc().timestamp_micros()),
                (Some(_), false) => None,
            }
        }
    }
}

/// How a string becomes a date: a pattern when the option gives one,
/// otherwise as `CAST(... AS DATE)` does.
pub(crate) fn parse_date_value(s: &str, fmt: Option<&str>) -> Option<i32> {
    match fmt {
        Some(p) => {
            let naive = crate::datetime::parse_with_pattern(s, p)?;
            Some(naive.and_utc().timestamp().div_euclid(86_400) as i32)
        }
        None => cast_date(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn options_by_spark_names() {
        let o = ReadOptions::from_options(&opts(&[
            ("HEADER", "True"),
            ("sep", ";"),
            ("inferschema", "true"),
            ("mode", "failFast"),
            ("nullValue", "NA"),
            ("multiLine", "false"),
            ("timestampFormat", "dd/MM/yyyy HH:mm"),
        ]))
        .unwrap();
        assert!(o.header && o.infer_schema && !o.multi_line);
        assert_eq!(o.delimiter, ";");
        assert_eq!(o.mode, Mode::FailFast);
        assert_eq!(o.null_value, "NA");
        assert_eq!(o.timestamp_format.as_deref(), Some("dd/MM/yyyy HH:mm"));
        assert_eq!(o.date_format, None);
        let d = ReadOptions::from_options(&[]).unwrap();
        assert_eq!(d, ReadOptions::default());
        assert_eq!((d.quote, d.escape, d.delimiter.as_str()), ('"', '\\', ","));
    }

    #[test]
    fn option_values_as_spark_reads_them() {
        let o = ReadOptions::from_options(&opts(&[("delimiter", "\\t"), ("quote", ""), ("mode", "nonsense")])).unwrap();
        assert_eq!(o.delimiter, "\t");
        assert_eq!(o.quote, '\0');
        assert_eq!(o.mode, Mode::Permissive);
        assert_eq!(ReadOptions::from_options(&opts(&[("sep", "||")])).unwrap().delimiter, "||");
        // sep wins over delimiter
        let o = ReadOptions::from_options(&opts(&[("sep", ";"), ("delimiter", "|")])).unwrap();
        assert_eq!(o.delimiter, ";");
        let e = ReadOptions::from_options(&opts(&[("header", "yes")])).unwrap_err();
        assert_eq!(e.message, "header flag can be true or false.");
        let e = ReadOptions::from_options(&opts(&[("sep", "")])).unwrap_err();
        assert_eq!(e.message, "Delimiter cannot be empty");
        assert!(ReadOptions::from_options(&opts(&[("quote", "ab")])).is_err());
    }

    #[test]
    fn lines_split_like_hadoop() {
        let b = b"a\r\n\r\nb\rc\nd";
        let lines: Vec<&[u8]> = split_lines(b).map(|(s, e)| &b[s..e]).collect();
        assert_eq!(lines, vec![&b"a"[..], b"", b"b", b"c", b"d"]);
        assert_eq!(split_lines(b"x\n").count(), 1);
        assert_eq!(split_lines(b"").count(), 0);
        assert_eq!(split_lines(b"\n").count(), 1);
    }

    #[test]
    fn java_numbers() {
        assert_eq!(java_parse_long("+5"), Some(5));
        assert_eq!(java_parse_long("07"), Some(7));
        assert_eq!(java_parse_long(" 1"), None);
        assert_eq!(java_parse_long("-"), None);
        assert_eq!(java_parse_long("9223372036854775808"), None);
        assert_eq!(java_parse_double(" 1.5 "), Some(1.5));
        assert_eq!(java_parse_double("1.5d"), Some(1.5));
        assert_eq!(java_parse_double("1e400"), Some(f64::INFINITY));
        assert_eq!(java_parse_double("0x1p3"), Some(8.0));
        assert_eq!(java_parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(java_parse_double("+NaN").unwrap().is_nan());
        assert_eq!(java_parse_double("nan"), None);
        assert_eq!(java_parse_double("inf"), None);
        assert_eq!(java_parse_double("Inf"), None);
        assert_eq!(java_parse_double("1e"), None);
        assert_eq!(java_parse_double("."), None);
        assert_eq!(java_parse_double("5."), Some(5.0));
        assert_eq!(java_parse_float("1e40"), Some(f32::INFINITY));
    }

    #[test]
    fn big_decimals_round_half_up() {
        let d = |s: &str, p, sc| BigDec::parse(s).and_then(|b| b.to_decimal(p, sc));
        assert_eq!(d("1.255", 5, 2), Some(126));
        assert_eq!(d("-0.005", 10, 2), Some(-1));
        assert_eq!(d("1234.5", 5, 2), None);
        assert_eq!(d("1e2", 10, 2), Some(10000));
        assert_eq!(d(".5", 10, 2), Some(50));
        assert_eq!(d("5.", 10, 2), Some(500));
        assert_eq!(d("1e400", 10, 2), None);
        assert_eq!(d("1e-400", 10, 2), Some(0));
        assert_eq!(d("0", 1, 0), Some(0));
        assert_eq!(d(" 1", 10, 2), None);
        assert_eq!(d("1,5", 10, 2), None);
        assert_eq!(BigDec::parse("12345678901234567890").unwrap().precision(), 20);
        assert_eq!(BigDec::parse("1.0e1").unwrap().scale, 0);
    }

    #[test]
    fn casts_want_four_digit_years() {
        // Spark: CAST('5' AS DATE) and CAST('123' AS DATE) are NULL
        assert_eq!(cast_date("5"), None);
        assert_eq!(cast_date("123"), None);
        assert_eq!(cast_date("12345"), crate::eval::cast::parse_date("12345"));
        assert!(cast_date("12345").is_some());
        assert_eq!(cast_date(" 2020-01-01 "), Some(18262));
        assert_eq!(cast_timestamp("5"), None);
        assert!(cast_timestamp("2020-01-01 10:00").is_some());
    }
}
