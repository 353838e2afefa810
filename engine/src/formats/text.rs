//! Spark's text source (`spark.read.text`, `spark.readStream.text`): one
//! `value: string` row per line. Lines end at `\n`, `\r\n` or a lone `\r`;
//! empty lines are kept as `""`; a final terminator does not add a row; a
//! UTF-8 byte order mark at the start is dropped. Invalid UTF-8 is replaced
//! with U+FFFD (Spark keeps the raw bytes and shows them replaced).

use std::sync::Arc;

use arrow::array::{RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};

use super::{split_lines, strip_bom};

/// The text source's schema: `value: string`.
pub fn text_schema() -> Schema {
    Schema::new(vec![Field::new("value", DataType::Utf8, true)])
}

pub fn read_text(bytes: &[u8]) -> RecordBatch {
    let bytes = strip_bom(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut b = StringBuilder::with_capacity(bytes.len() / 16 + 1, bytes.len());
    for (s, e) in split_lines(text.as_bytes()) {
        b.append_value(&text[s..e]);
    }
    RecordBatch::try_new(Arc::new(text_schema()), vec![Arc::new(b.finish())])
        .expect("a single string column always makes a batch")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};

    fn values(bytes: &[u8]) -> Vec<String> {
        let b = read_text(bytes);
        assert_eq!(b.schema().field(0).name(), "value");
        let col = b.column(0).as_string::<i32>();
        assert_eq!(col.null_count(), 0);
        col.iter().map(|v| v.unwrap().to_string()).collect()
    }

    #[test]
    fn one_row_per_line_keeping_empty_lines() {
        // checked against Spark 4.0.1
        assert_eq!(values(b"a\n\nb\r\nc\rd\n\n"), vec!["a", "", "b", "c", "d", ""]);
        assert_eq!(values(b"\n"), vec![""]);
        assert_eq!(values(b""), Vec::<String>::new());
        assert_eq!(values(b"\r\n\r\n"), vec!["", ""]);
        assert_eq!(values(b"a\r\n\r\nb\r"), vec!["a", "", "b"]);
        assert_eq!(values(b"last"), vec!["last"]);
    }

    #[test]
    fn conformance_text_source() {
        assert_eq!(values(b"INFO boot\nERROR disk full\nWARN slow\n"), vec!["INFO boot", "ERROR disk full", "WARN slow"]);
        assert_eq!(values(b"ERROR again\n"), vec!["ERROR again"]);
    }

    #[test]
    fn bom_and_invalid_utf8() {
        assert_eq!(values(b"\xEF\xBB\xBFa\n"), vec!["a"]);
        assert_eq!(values(b"x\xffy\nlast"), vec!["x\u{FFFD}y", "last"]);
        // garbage never panics
        let garbage: Vec<u8> = (0..2000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        let _ = read_text(&garbage);
    }
}
