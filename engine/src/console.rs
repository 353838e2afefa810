//! Spark's console sink output (`Dataset.showString`).
//!
//! The layout follows Spark 4.0.1 to the character:
//!
//! - cells are `ToPrettyString` values ([`Style::Pretty`]: `NULL`, `[a, b]`,
//!   `{a, b}`, `{k -> v}`); cells and column names have `\n`, `\r`, `\t`,
//!   `\f`, `\b`, `\v` (U+000B) and `\a` (U+0007) escaped as two characters;
//! - with truncation on, a cell (never a column name) longer than `truncate`
//!   UTF-16 units keeps its first `truncate - 3` units and gains `...` (just
//!   the first `truncate` units when `truncate < 4`); a surrogate pair cut in
//!   half prints as `?`, as the JVM's encoder does;
//! - a column is as wide as its widest cell or name, at least 3, where width
//!   is Spark's `stringHalfWidth`: UTF-16 length plus one for each character
//!   in a few East Asian full-width blocks (so an emoji counts 2, being a
//!   surrogate pair, and a combining accent counts 1);
//! - cells are right-aligned with truncation on, left-aligned with it off;
//! - more rows than `num_rows` add `only showing top N rows` after the table,
//!   with no newline of its own (the sink's `println` adds one).

use crate::display::{Style, ValueFormatter};
use crate::zone::SessionZone;
use arrow::record_batch::RecordBatch;

/// `numRows` and `truncate` of `Dataset.show` (and of the console sink's
/// options). `truncate` 0 means no truncation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShowOptions {
    pub num_rows: usize,
    pub truncate: usize,
}

impl Default for ShowOptions {
    /// Spark's defaults: 20 rows, cells cut at 20 characters.
    fn default() -> Self {
        ShowOptions {
            num_rows: 20,
            truncate: 20,
        }
    }
}

const RULE: &str = "-------------------------------------------\n";

/// Dataset.showString(numRows, truncate) for one batch, exactly as Spark 4.0.1
/// returns it: the table ends with `+\n`; when rows were left out, the
/// `only showing top N rows` footer follows without a trailing newline.
pub fn show_string(batch: &RecordBatch, opts: &ShowOptions, zone: &SessionZone) -> String {
    let mut out = String::new();
    write_show_string(&mut out, batch, opts, zone);
    out
}

/// What the console sink prints for one micro-batch: the three header lines
/// "-------------------------------------------\nBatch: N\n-------------------------------------------\n"
/// followed by show_string, and the trailing newline println adds.
pub fn batch_text(
    batch_id: i64,
    batch: &RecordBatch,
    opts: &ShowOptions,
    zone: &SessionZone,
) -> String {
    let mut out = String::new();
    write_batch_text(&mut out, batch_id, batch, opts, zone);
    out
}

/// [`batch_text`], appended to `out`.
pub fn write_batch_text(
    out: &mut String,
    batch_id: i64,
    batch: &RecordBatch,
    opts: &ShowOptions,
    zone: &SessionZone,
) {
    out.push_str(RULE);
    out.push_str("Batch: ");
    out.push_str(&batch_id.to_string());
    out.push('\n');
    out.push_str(RULE);
    write_show_string(out, batch, opts, zone);
    out.push('\n');
}

/// One cell's text within the shared buffer, and its display width.
struct Cell {
    start: usize,
    end: usize,
    width: usize,
}

/// [`show_string`], appended to `out`.
pub fn write_show_string(
    out: &mut String,
    batch: &RecordBatch,
    opts: &ShowOptions,
    zone: &SessionZone,
) {
    let schema = batch.schema();
    let ncols = batch.num_columns();
    let total = batch.num_rows();
    let nrows = opts.num_rows.min(total);
    let has_more = total > opts.num_rows;
    let truncate = opts.truncate;

    // All cell texts live in one buffer; `cells` is row-major, header first.
    let mut text = String::with_capacity((nrows + 1) * ncols * 8);
    let mut cells: Vec<Cell> = Vec::with_capacity((nrows + 1) * ncols);
    let mut widths = vec![3usize; ncols];

    for (i, field) in schema.fields().iter().enumerate() {
        let start = text.len();
        text.push_str(field.name());
        let width = finish_cell(&mut text, start, 0);
        if let Some(w) = widths.get_mut(i) {
            *w = (*w).max(width);
        }
        cells.push(Cell {
            start,
            end: text.len(),
            width,
        });
    }
    let formatters: Vec<ValueFormatter> = batch
        .columns()
        .iter()
        .map(|c| ValueFormatter::new(c.as_ref(), zone, Style::Pretty))
        .collect();
    for row in 0..nrows {
        for (i, f) in formatters.iter().enumerate() {
            let start = text.len();
            if !f.write(&mut text, row) {
                text.push_str("NULL");
            }
            let width = finish_cell(&mut text, start, truncate);
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width);
            }
            cells.push(Cell {
                start,
                end: text.len(),
                width,
            });
        }
    }

    let line_len: usize = widths.iter().map(|w| w + 1).sum::<usize>() + 2;
    out.reserve(line_len * (nrows + 4) + text.len() + 32);

    let mut sep = String::with_capacity(line_len);
    sep.push('+');
    for w in &widths {
        for _ in 0..*w {
            sep.push('-');
        }
        sep.push('+');
    }
    if ncols == 0 {
        sep.push('+');
    }
    sep.push('\n');

    let right_align = truncate > 0;
    let write_row = |out: &mut String, row_cells: &[Cell]| {
        out.push('|');
        for (cell, w) in row_cells.iter().zip(&widths) {
            let s = text.get(cell.start..cell.end).unwrap_or("");
            let pad = w.saturating_sub(cell.width);
            if right_align {
                push_spaces(out, pad);
                out.push_str(s);
            } else {
                out.push_str(s);
                push_spaces(out, pad);
            }
            out.push('|');
        }
        out.push('\n');
    };

    out.push_str(&sep);
    if ncols == 0 {
        // Spark prints an empty cell row for the header and for each row.
        out.push_str("||\n");
        out.push_str(&sep);
        for _ in 0..nrows {
            out.push_str("||\n");
        }
    } else {
        let mut rows = cells.chunks(ncols);
        if let Some(header) = rows.next() {
            write_row(out, header);
        }
        out.push_str(&sep);
        for r in rows {
            write_row(out, r);
        }
    }
    out.push_str(&sep);

    if has_more {
        out.push_str("only showing top ");
        out.push_str(&opts.num_rows.to_string());
        out.push_str(if opts.num_rows == 1 { " row" } else { " rows" });
    }
}

fn push_spaces(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn is_meta(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\t' | '\u{0C}' | '\u{08}' | '\u{0B}' | '\u{07}'
    )
}

/// Spark's `SchemaUtils.escapeMetaCharacters`.
fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{0C}' => out.push_str("\\f"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0B}' => out.push_str("\\v"),
            '\u{07}' => out.push_str("\\a"),
            c => out.push(c),
        }
    }
}

/// Characters Spark's `stringHalfWidth` counts twice.
fn is_full_width(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE10..=0xFE19
        | 0xFE30..=0xFE6F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6)
}

/// Spark's `Utils.stringHalfWidth`: UTF-16 length plus one per full-width
/// character.
pub fn string_half_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars()
        .map(|c| c.len_utf16() + is_full_width(c) as usize)
        .sum()
}

/// Escapes and (if `truncate` > 0) truncates the cell text at `text[start..]`
/// in place, as Spark's `getRows` does; returns its display width.
fn finish_cell(text: &mut String, start: usize, truncate: usize) -> usize {
    let cell = text.get(start..).unwrap_or("");
    if cell.is_ascii() {
        if cell.bytes().any(|b| is_meta(b as char)) {
            let raw = text.split_off(start);
            push_escaped(text, &raw);
        }
        let len = text.len() - start;
        if truncate > 0 && len > truncate {
            let keep = if truncate < 4 { truncate } else { truncate - 3 };
            text.truncate(start + keep);
            if truncate >= 4 {
                text.push_str("...");
            }
            return text.len() - start;
        }
        return len;
    }
    if cell.chars().any(is_meta) {
        let raw = text.split_off(start);
        push_escaped(text, &raw);
    }
    let cell = text.get(start..).unwrap_or("");
    let len16: usize = cell.chars().map(char::len_utf16).sum();
    if truncate > 0 && len16 > truncate {
        let keep = if truncate < 4 { truncate } else { truncate - 3 };
        // Cut after `keep` UTF-16 units; a pair cut in half leaves a lone
        // surrogate, which the JVM prints as '?'.
        let mut units = 0;
        let mut cut = cell.len();
        let mut half = false;
        for (i, c) in cell.char_indices() {
            if units == keep {
                cut = i;
                break;
            }
            let n = c.len_utf16();
            if units + n > keep {
                cut = i;
                half = true;
                break;
            }
            units += n;
        }
        text.truncate(start + cut);
        if half {
            text.push('?');
        }
        if truncate >= 4 {
            text.push_str("...");
        }
    }
    string_half_width(text.get(start..).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types;
    use arrow::array::*;
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{DataType, Field, Int32Type, Schema};
    use std::sync::Arc;

    fn utc() -> SessionZone {
        SessionZone::default()
    }

    fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(
            Arc::new(Schema::new(fields)),
            cols.into_iter().map(|(_, a)| a).collect(),
        )
        .unwrap()
    }

    fn strings(v: &[&str]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    fn show(b: &RecordBatch, num_rows: usize, truncate: usize) -> String {
        show_string(b, &ShowOptions { num_rows, truncate }, &utc())
    }

    fn ts(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp_micros()
    }

    /// The `expect.stdout` of a recorded lab, if the conformance suite is present.
    fn recorded(lab: &str) -> Option<String> {
        let path = format!(
            "{}/../../shared/conformance/{lab}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["expect"]["stdout"].as_str().map(str::to_string)
    }

    #[test]
    fn truncate_default() {
        let v = [
            "a fairly long line that goes on and on",
            "short",
            "exactly twenty chars",
            "twenty-one characters",
        ];
        let loud: Vec<String> = v.iter().map(|s| s.to_uppercase()).collect();
        let loud: Vec<&str> = loud.iter().map(String::as_str).collect();
        let b = batch(vec![("value", strings(&v)), ("loud", strings(&loud))]);
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+--------------------+--------------------+
|               value|                loud|
+--------------------+--------------------+
|a fairly long lin...|A FAIRLY LONG LIN...|
|               short|               SHORT|
|exactly twenty chars|EXACTLY TWENTY CHARS|
|twenty-one charac...|TWENTY-ONE CHARAC...|
+--------------------+--------------------+

";
        let got = batch_text(0, &b, &ShowOptions::default(), &utc());
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/truncate-default") {
            assert_eq!(got, rec);
        }
    }

    #[test]
    fn truncate_off() {
        let v = ["a fairly long line that goes on and on", "short"];
        let b = batch(vec![
            ("value", strings(&v)),
            (
                "loud",
                strings(&["A FAIRLY LONG LINE THAT GOES ON AND ON", "SHORT"]),
            ),
        ]);
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+--------------------------------------+--------------------------------------+
|value                                 |loud                                  |
+--------------------------------------+--------------------------------------+
|a fairly long line that goes on and on|A FAIRLY LONG LINE THAT GOES ON AND ON|
|short                                 |SHORT                                 |
+--------------------------------------+--------------------------------------+

";
        let got = batch_text(
            0,
            &b,
            &ShowOptions {
                num_rows: 20,
                truncate: 0,
            },
            &utc(),
        );
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/truncate-off") {
            assert_eq!(got, rec);
        }
    }

    #[test]
    fn unicode_width() {
        let b = batch(vec![
            (
                "value",
                strings(&["naïve", "日本語", "emoji 🙂 ok", "straße"]),
            ),
            ("len", Arc::new(Int32Array::from(vec![5, 3, 10, 6]))),
        ]);
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+-----------+---+
|      value|len|
+-----------+---+
|      naïve|  5|
|     日本語|  3|
|emoji 🙂 ok| 10|
|     straße|  6|
+-----------+---+

";
        let got = batch_text(0, &b, &ShowOptions::default(), &utc());
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/unicode-width") {
            assert_eq!(got, rec);
        }
    }

    #[test]
    fn half_widths_follow_spark() {
        assert_eq!(string_half_width("abc"), 3);
        assert_eq!(string_half_width("🙂"), 2); // a surrogate pair
        assert_eq!(string_half_width("日本語"), 6);
        assert_eq!(string_half_width("한국어"), 6);
        assert_eq!(string_half_width("e\u{301}"), 2); // combining accent counts
        assert_eq!(string_half_width("❤"), 1);
        assert_eq!(string_half_width("ｱ"), 1); // half-width katakana
        assert_eq!(string_half_width("\u{3000}"), 2);
        assert_eq!(string_half_width("\u{A4CF}\u{A4D0}"), 3);
        assert_eq!(string_half_width("\u{FF60}\u{FF61}"), 3);
        assert_eq!(string_half_width("\u{FFE6}\u{FFE7}"), 3);
        assert_eq!(string_half_width("\u{20000}"), 2);
    }

    #[test]
    fn wide_cells_truncate_by_utf16_units() {
        // Recorded from Spark 4.0.1: 15 emoji cut after 17 UTF-16 units.
        let emoji = "🙂".repeat(15);
        let cjk = "日本語".repeat(6);
        let b = batch(vec![
            ("a", strings(&[&emoji])),
            ("b", strings(&[&cjk])),
            ("c", strings(&["e\u{301}"])),
            ("d", strings(&["❤"])),
            ("e", strings(&["ｱ"])),
            ("f", strings(&["한국어"])),
        ]);
        let want = "\
+--------------------+------------------------------------+---+---+---+------+
|                   a|                                   b|  c|  d|  e|     f|
+--------------------+------------------------------------+---+---+---+------+
|🙂🙂🙂🙂🙂🙂🙂🙂?...|日本語日本語日本語日本語日本語日本語| e\u{301}|  ❤|  ｱ|한국어|
+--------------------+------------------------------------+---+---+---+------+
";
        assert_eq!(show(&b, 20, 20), want);
        let b = batch(vec![("a", strings(&[&emoji])), ("b", strings(&[&cjk]))]);
        let want = "\
+------------------------------+------------------------------------+
|a                             |b                                   |
+------------------------------+------------------------------------+
|🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂|日本語日本語日本語日本語日本語日本語|
+------------------------------+------------------------------------+
";
        assert_eq!(show(&b, 20, 0), want);
    }

    #[test]
    fn small_truncate_values_and_headers() {
        let b = batch(vec![("a", strings(&["abcdef"])), ("b", strings(&["ab"]))]);
        assert_eq!(
            show(&b, 20, 3),
            "+---+---+\n|  a|  b|\n+---+---+\n|abc| ab|\n+---+---+\n"
        );
        assert_eq!(
            show(&b, 20, 5),
            "+-----+---+\n|    a|  b|\n+-----+---+\n|ab...| ab|\n+-----+---+\n"
        );
        // Column names are never truncated.
        let b = batch(vec![
            (
                "a very long column name that exceeds",
                strings(&["aaaaaaaaaaaaaaaaaaaaaaaaaaaa"]),
            ),
            ("b", Arc::new(Int32Array::from(vec![1]))),
        ]);
        let want = "\
+------------------------------------+---+
|a very long column name that exceeds|  b|
+------------------------------------+---+
|                aaaaaaaaaaaaaaaaa...|  1|
+------------------------------------+---+
";
        assert_eq!(show(&b, 20, 20), want);
    }

    #[test]
    fn meta_characters_escaped() {
        let b = batch(vec![
            ("a", strings(&["a\nb\tc\rd"])),
            ("col\nname", strings(&["x"])),
            ("e", strings(&["f\u{08}\u{0B}\u{07}x\u{0C}"])),
        ]);
        let want = "\
+----------+---------+----------+
|         a|col\\nname|         e|
+----------+---------+----------+
|a\\nb\\tc\\rd|        x|f\\b\\v\\ax\\f|
+----------+---------+----------+
";
        assert_eq!(show(&b, 20, 20), want);
        // Escaping happens before truncation.
        let b = batch(vec![("a", strings(&["\n\n\n\n\n\n\n\n\n\n\n"]))]);
        assert_eq!(
            show(&b, 20, 20),
            "+--------------------+\n|                   a|\n+--------------------+\n|\\n\\n\\n\\n\\n\\n\\n\\n\\...|\n+--------------------+\n"
        );
    }

    #[test]
    fn num_rows_footer() {
        let words: ArrayRef = strings(&["a", "b", "c", "d", "e"]);
        let counts: ArrayRef = Arc::new(Int64Array::from(vec![1, 1, 1, 1, 1]));
        let b = batch(vec![("word", words), ("count", counts)]);
        let opts = ShowOptions {
            num_rows: 3,
            truncate: 20,
        };
        let b1 = {
            let words: ArrayRef = strings(&["a", "b", "c", "d", "e", "f"]);
            let counts: ArrayRef = Arc::new(Int64Array::from(vec![1, 1, 1, 1, 1, 1]));
            batch(vec![("word", words), ("count", counts)])
        };
        let got = batch_text(0, &b, &opts, &utc()) + &batch_text(1, &b1, &opts, &utc());
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+----+-----+
|word|count|
+----+-----+
|   a|    1|
|   b|    1|
|   c|    1|
+----+-----+
only showing top 3 rows
-------------------------------------------
Batch: 1
-------------------------------------------
+----+-----+
|word|count|
+----+-----+
|   a|    1|
|   b|    1|
|   c|    1|
+----+-----+
only showing top 3 rows
";
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/num-rows") {
            assert_eq!(got, rec);
        }
        let ids = batch(vec![(
            "id",
            Arc::new(Int64Array::from(vec![0, 1, 2, 3, 4])),
        )]);
        assert_eq!(
            show(&ids, 1, 20),
            "+---+\n| id|\n+---+\n|  0|\n+---+\nonly showing top 1 row"
        );
        assert_eq!(
            show(&ids, 0, 20),
            "+---+\n| id|\n+---+\n+---+\nonly showing top 0 rows"
        );
        assert_eq!(
            show(&ids, 5, 20),
            "+---+\n| id|\n+---+\n|  0|\n|  1|\n|  2|\n|  3|\n|  4|\n+---+\n"
        );
        let none = batch(vec![("id", Arc::new(Int64Array::from(Vec::<i64>::new())))]);
        assert_eq!(show(&none, 0, 20), "+---+\n| id|\n+---+\n+---+\n");
    }

    #[test]
    fn empty_batch_and_no_columns() {
        let b = batch(vec![("value", strings(&[]))]);
        assert_eq!(show(&b, 20, 20), "+-----+\n|value|\n+-----+\n+-----+\n");
        let b = batch(vec![("ts", strings(&[])), ("word", strings(&[]))]);
        assert_eq!(
            batch_text(1, &b, &ShowOptions::default(), &utc()),
            "-------------------------------------------\nBatch: 1\n-------------------------------------------\n\
             +---+----+\n| ts|word|\n+---+----+\n+---+----+\n\n"
        );
        let opts = arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(3));
        let b =
            RecordBatch::try_new_with_options(Arc::new(Schema::empty()), vec![], &opts).unwrap();
        assert_eq!(show(&b, 20, 20), "++\n||\n++\n||\n||\n||\n++\n");
        let b = RecordBatch::new_empty(Arc::new(Schema::empty()));
        assert_eq!(show(&b, 20, 20), "++\n||\n++\n++\n");
    }

    #[test]
    fn numbers() {
        let x = [1.0, 10.0, 12345.0];
        let b = batch(vec![
            ("x", Arc::new(Float64Array::from(x.to_vec()))),
            (
                "third",
                Arc::new(Float64Array::from(
                    x.iter().map(|v| v / 3.0).collect::<Vec<_>>(),
                )),
            ),
            (
                "big",
                Arc::new(Float64Array::from(
                    x.iter().map(|v| v * 1e9).collect::<Vec<_>>(),
                )),
            ),
            ("r", Arc::new(Float64Array::from(vec![0.14, 1.43, 1763.57]))),
            ("l", Arc::new(Int64Array::from(vec![1, 10, 12345]))),
            (
                "even_len",
                Arc::new(BooleanArray::from(vec![false, true, false])),
            ),
        ]);
        let b1 = batch(vec![
            ("x", Arc::new(Float64Array::from(vec![-3.0]))),
            ("third", Arc::new(Float64Array::from(vec![-1.0]))),
            ("big", Arc::new(Float64Array::from(vec![-3.0e9]))),
            ("r", Arc::new(Float64Array::from(vec![-0.43]))),
            ("l", Arc::new(Int64Array::from(vec![-3]))),
            ("even_len", Arc::new(BooleanArray::from(vec![true]))),
        ]);
        let o = ShowOptions::default();
        let got = batch_text(0, &b, &o, &utc()) + &batch_text(1, &b1, &o, &utc());
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+-------+------------------+---------+-------+-----+--------+
|      x|             third|      big|      r|    l|even_len|
+-------+------------------+---------+-------+-----+--------+
|    1.0|0.3333333333333333|    1.0E9|   0.14|    1|   false|
|   10.0|3.3333333333333335|   1.0E10|   1.43|   10|    true|
|12345.0|            4115.0|1.2345E13|1763.57|12345|   false|
+-------+------------------+---------+-------+-----+--------+

-------------------------------------------
Batch: 1
-------------------------------------------
+----+-----+------+-----+---+--------+
|   x|third|   big|    r|  l|even_len|
+----+-----+------+-----+---+--------+
|-3.0| -1.0|-3.0E9|-0.43| -3|    true|
+----+-----+------+-----+---+--------+

";
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/numbers") {
            assert_eq!(got, rec);
        }
    }

    #[test]
    fn aggregates_with_nulls() {
        let b = batch(vec![
            ("k", strings(&["b", "a", "c"])),
            (
                "s",
                Arc::new(Int64Array::from(vec![Some(2147483650), Some(5), None])),
            ),
            (
                "a",
                Arc::new(Float64Array::from(vec![
                    Some(715827883.3333334),
                    Some(2.5),
                    None,
                ])),
            ),
            (
                "m",
                Arc::new(Int32Array::from(vec![Some(2147483647), Some(4), None])),
            ),
        ]);
        let want = "\
+---+----------+-------------------+----------+
|  k|         s|                  a|         m|
+---+----------+-------------------+----------+
|  b|2147483650|7.158278833333334E8|2147483647|
|  a|         5|                2.5|         4|
|  c|      NULL|               NULL|      NULL|
+---+----------+-------------------+----------+
";
        assert_eq!(show(&b, 20, 20), want);
    }

    fn list_of_strings(rows: &[&[&str]]) -> ArrayRef {
        let values: Vec<&str> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Arc::new(ListArray::new(
            Arc::new(Field::new("element", DataType::Utf8, true)),
            OffsetBuffer::from_lengths(rows.iter().map(|r| r.len())),
            Arc::new(StringArray::from(values)),
            None,
        ))
    }

    #[test]
    fn array_display() {
        let nums = |rows: Vec<Vec<i32>>| -> ArrayRef {
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(
                rows.into_iter()
                    .map(|r| Some(r.into_iter().map(Some).collect::<Vec<_>>())),
            ))
        };
        let b0 = batch(vec![
            ("words", list_of_strings(&[&["a", "b", "c"], &["xax"]])),
            ("by_x", list_of_strings(&[&["a b c"], &["", "a", ""]])),
            ("nums", nums(vec![vec![5, 0], vec![3, 0]])),
            (
                "chars",
                list_of_strings(&[&["a", " ", "b", "c"], &["x", "a"]]),
            ),
        ]);
        let long = "one-very-long-single-word-here";
        let chars: Vec<String> = {
            let mut seen = Vec::new();
            for c in long.chars() {
                if !seen.contains(&c) {
                    seen.push(c);
                }
            }
            seen.into_iter().map(String::from).collect()
        };
        let chars: Vec<&str> = chars.iter().map(String::as_str).collect();
        let b1 = batch(vec![
            ("words", list_of_strings(&[&[], &[long]])),
            ("by_x", list_of_strings(&[&[], &[long]])),
            ("nums", nums(vec![vec![0, 0], vec![30, 0]])),
            ("chars", list_of_strings(&[&[], &chars])),
        ]);
        let o = ShowOptions::default();
        let got = batch_text(0, &b0, &o, &utc()) + &batch_text(1, &b1, &o, &utc());
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+---------+-------+------+------------+
|    words|   by_x|  nums|       chars|
+---------+-------+------+------------+
|[a, b, c]|[a b c]|[5, 0]|[a,  , b, c]|
|    [xax]|[, a, ]|[3, 0]|      [x, a]|
+---------+-------+------+------------+

-------------------------------------------
Batch: 1
-------------------------------------------
+--------------------+--------------------+-------+--------------------+
|               words|                by_x|   nums|               chars|
+--------------------+--------------------+-------+--------------------+
|                  []|                  []| [0, 0]|                  []|
|[one-very-long-si...|[one-very-long-si...|[30, 0]|[o, n, e, -, v, r...|
+--------------------+--------------------+-------+--------------------+

";
        assert_eq!(got, want);
    }

    #[test]
    fn struct_and_map_display() {
        let s = StructArray::from(vec![
            (
                Arc::new(Field::new("value", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["abc", ""])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("n", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![3, 0])) as ArrayRef,
            ),
        ]);
        let mut mb = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new());
        for v in ["abc", ""] {
            mb.keys().append_value("k");
            mb.values().append_value(v);
            mb.append(true).unwrap();
        }
        let b = batch(vec![("s", Arc::new(s)), ("m", Arc::new(mb.finish()))]);
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+--------+----------+
|s       |m         |
+--------+----------+
|{abc, 3}|{k -> abc}|
|{, 0}   |{k -> }   |
+--------+----------+

";
        let got = batch_text(
            0,
            &b,
            &ShowOptions {
                num_rows: 20,
                truncate: 0,
            },
            &utc(),
        );
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/struct-and-map-display") {
            assert_eq!(got, rec);
        }
    }

    #[test]
    fn dates_decimals_booleans() {
        let b = batch(vec![
            ("d", Arc::new(Date32Array::from(vec![19844, 19782]))),
            ("later", Arc::new(Date32Array::from(vec![19874, 19812]))),
            (
                "dec",
                Arc::new(
                    Decimal128Array::from(vec![150i128, 150])
                        .with_precision_and_scale(10, 2)
                        .unwrap(),
                ),
            ),
            ("long", Arc::new(BooleanArray::from(vec![true, true]))),
            (
                "nothing",
                Arc::new(StringArray::from(vec![None::<&str>, None])),
            ),
            ("dow", Arc::new(Int32Array::from(vec![4, 5]))),
        ]);
        let want = "\
-------------------------------------------
Batch: 0
-------------------------------------------
+----------+----------+----+----+-------+---+
|         d|     later| dec|long|nothing|dow|
+----------+----------+----+----+-------+---+
|2024-05-01|2024-05-31|1.50|true|   NULL|  4|
|2024-02-29|2024-03-30|1.50|true|   NULL|  5|
+----------+----------+----+----+-------+---+

";
        let got = batch_text(0, &b, &ShowOptions::default(), &utc());
        assert_eq!(got, want);
        if let Some(rec) = recorded("basics/dates-decimals-booleans") {
            assert_eq!(got, rec);
        }
    }

    fn windows(rows: &[(&str, &str)]) -> ArrayRef {
        let start =
            TimestampMicrosecondArray::from(rows.iter().map(|r| ts(r.0)).collect::<Vec<_>>())
                .with_timezone("UTC");
        let end = TimestampMicrosecondArray::from(rows.iter().map(|r| ts(r.1)).collect::<Vec<_>>())
            .with_timezone("UTC");
        Arc::new(StructArray::from(vec![
            (
                Arc::new(Field::new("start", types::timestamp(), true)),
                Arc::new(start) as ArrayRef,
            ),
            (
                Arc::new(Field::new("end", types::timestamp(), true)),
                Arc::new(end) as ArrayRef,
            ),
        ]))
    }

    #[test]
    fn window_structs() {
        let b = batch(vec![
            (
                "window",
                windows(&[
                    ("2024-05-01 10:00:10", "2024-05-01 10:00:20"),
                    ("2024-05-01 10:00:00", "2024-05-01 10:00:10"),
                    ("2024-05-01 10:00:00", "2024-05-01 10:00:10"),
                ]),
            ),
            ("word", strings(&["cat", "dog", "cat"])),
            ("count", Arc::new(Int64Array::from(vec![1, 1, 2]))),
        ]);
        let want = "\
+------------------------------------------+----+-----+
|window                                    |word|count|
+------------------------------------------+----+-----+
|{2024-05-01 10:00:10, 2024-05-01 10:00:20}|cat |1    |
|{2024-05-01 10:00:00, 2024-05-01 10:00:10}|dog |1    |
|{2024-05-01 10:00:00, 2024-05-01 10:00:10}|cat |2    |
+------------------------------------------+----+-----+
";
        assert_eq!(show(&b, 20, 0), want);
        // An empty window table (no rows) keeps the minimum widths.
        let e = batch(vec![
            ("window", windows(&[])),
            ("word", strings(&[])),
            ("count", Arc::new(Int64Array::from(Vec::<i64>::new()))),
        ]);
        assert_eq!(
            show(&e, 20, 0),
            "+------+----+-----+\n|window|word|count|\n+------+----+-----+\n+------+----+-----+\n"
        );
        // Truncated with the default options.
        let f = batch(vec![
            (
                "from",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![ts("2024-05-01 10:00:00")])
                        .with_timezone("UTC"),
                ),
            ),
            (
                "to",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![ts("2024-05-01 10:01:00")])
                        .with_timezone("UTC"),
                ),
            ),
            ("count", Arc::new(Int64Array::from(vec![2]))),
        ]);
        let want = "\
+-------------------+-------------------+-----+
|               from|                 to|count|
+-------------------+-------------------+-----+
|2024-05-01 10:00:00|2024-05-01 10:01:00|    2|
+-------------------+-------------------+-----+
";
        assert_eq!(show(&f, 20, 20), want);
        // Struct cells longer than 20 are truncated like any other.
        let w = batch(vec![(
            "window",
            windows(&[("2024-05-01 10:00:10", "2024-05-01 10:00:20")]),
        )]);
        assert_eq!(
            show(&w, 20, 20),
            "+--------------------+\n|              window|\n+--------------------+\n|{2024-05-01 10:00...|\n+--------------------+\n"
        );
    }

    #[test]
    fn nulls_everywhere() {
        let b = batch(vec![
            ("a", strings(&["1", "x"])),
            ("d", Arc::new(StringArray::from(vec![None::<&str>, None]))),
            ("n", Arc::new(NullArray::new(2))),
            (
                "l",
                Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                    None,
                    Some(vec![None, Some(1)]),
                ])),
            ),
        ]);
        let want = "\
+---+----+----+---------+
|  a|   d|   n|        l|
+---+----+----+---------+
|  1|NULL|NULL|     NULL|
|  x|NULL|NULL|[NULL, 1]|
+---+----+----+---------+
";
        assert_eq!(show(&b, 20, 20), want);
    }

    #[test]
    fn binary_and_timestamps_with_fractions() {
        let b = batch(vec![
            ("a", Arc::new(BinaryArray::from(vec![b"hello".as_ref()]))),
            (
                "t",
                Arc::new(
                    TimestampMicrosecondArray::from(vec![ts("2024-05-01 10:00:00") + 123_456])
                        .with_timezone("UTC"),
                ),
            ),
        ]);
        assert_eq!(
            show(&b, 20, 0),
            "+----------------+--------------------------+\n|a               |t                         |\n\
             +----------------+--------------------------+\n|[68 65 6C 6C 6F]|2024-05-01 10:00:00.123456|\n\
             +----------------+--------------------------+\n"
        );
        assert_eq!(
            show(&b, 20, 20),
            "+----------------+--------------------+\n|               a|                   t|\n\
             +----------------+--------------------+\n|[68 65 6C 6C 6F]|2024-05-01 10:00:...|\n\
             +----------------+--------------------+\n"
        );
    }

    #[test]
    fn session_zone_applies() {
        let b = batch(vec![(
            "ts",
            Arc::new(
                TimestampMicrosecondArray::from(vec![ts("2024-05-01 10:00:00")])
                    .with_timezone("UTC"),
            ) as ArrayRef,
        )]);
        let tokyo = SessionZone::parse("Asia/Tokyo").unwrap();
        assert_eq!(
            show_string(&b, &ShowOptions::default(), &tokyo),
            "+-------------------+\n|                 ts|\n+-------------------+\n|2024-05-01 19:00:00|\n+-------------------+\n"
        );
    }

    #[test]
    fn huge_options_do_not_panic() {
        let b = batch(vec![("a", strings(&["x", "y"]))]);
        let s = show_string(
            &b,
            &ShowOptions {
                num_rows: usize::MAX,
                truncate: usize::MAX,
            },
            &utc(),
        );
        assert_eq!(s, "+---+\n|  a|\n+---+\n|  x|\n|  y|\n+---+\n");
        let s = show_string(
            &b,
            &ShowOptions {
                num_rows: 1,
                truncate: 1,
            },
            &utc(),
        );
        assert_eq!(
            s,
            "+---+\n|  a|\n+---+\n|  x|\n+---+\nonly showing top 1 row"
        );
    }
}
