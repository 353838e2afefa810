//! Spark SQL data types, carried as Arrow data types.
//!
//! The engine keeps one type system: Arrow's. These conventions map Spark's
//! types onto it, so every module agrees on what a column holds:
//!
//! | Spark                | Arrow                                   |
//! |----------------------|-----------------------------------------|
//! | string               | `Utf8`                                  |
//! | tinyint/smallint/int/bigint | `Int8`/`Int16`/`Int32`/`Int64`   |
//! | float/double         | `Float32`/`Float64`                     |
//! | boolean              | `Boolean`                               |
//! | decimal(p,s)         | `Decimal128(p, s)`                      |
//! | date                 | `Date32` (days since the epoch)         |
//! | timestamp            | `Timestamp(Microsecond, Some("UTC"))`: an instant, shown in the session time zone |
//! | timestamp_ntz        | `Timestamp(Microsecond, None)`          |
//! | interval day to second | `Duration(Microsecond)`               |
//! | binary               | `Binary`                                |
//! | array<T>             | `List(T)` (item field named "element")  |
//! | struct<...>          | `Struct(...)`                           |
//! | map<K,V>             | `Map(entries: Struct{key, value})`      |
//! | void (NULL literal)  | `Null`                                  |

use arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use std::sync::Arc;

/// Spark's `TimestampType`.
pub fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Spark's `TimestampNTZType`.
pub fn timestamp_ntz() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// Spark's `DayTimeIntervalType`.
pub fn day_time_interval() -> DataType {
    DataType::Duration(TimeUnit::Microsecond)
}

/// Spark's `ArrayType(element, containsNull = true)`.
pub fn array_of(element: DataType) -> DataType {
    DataType::List(Arc::new(Field::new("element", element, true)))
}

/// Spark's `MapType(key, value)`.
pub fn map_of(key: DataType, value: DataType) -> DataType {
    let entries = Field::new(
        "entries",
        DataType::Struct(Fields::from(vec![
            Field::new("key", key, false),
            Field::new("value", value, true),
        ])),
        false,
    );
    DataType::Map(Arc::new(entries), false)
}

/// Spark's `StructType`; every field nullable, as Spark makes them.
pub fn struct_of(fields: Vec<(String, DataType)>) -> DataType {
    DataType::Struct(Fields::from(
        fields
            .into_iter()
            .map(|(n, t)| Field::new(n, t, true))
            .collect::<Vec<_>>(),
    ))
}

pub fn is_timestamp(t: &DataType) -> bool {
    matches!(t, DataType::Timestamp(_, _))
}

pub fn is_numeric(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal128(_, _)
    )
}

pub fn is_integral(t: &DataType) -> bool {
    matches!(t, DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64)
}

/// The name Spark gives a type in `simpleString` form (`int`, `array<string>`,
/// `struct<a:int,b:string>`, `decimal(10,2)`), as in schemas and DDL.
pub fn simple_name(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "string".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp".into(),
        DataType::Timestamp(_, None) => "timestamp_ntz".into(),
        DataType::Duration(_) => "interval day to second".into(),
        DataType::Interval(_) => "interval".into(),
        DataType::Binary | DataType::LargeBinary => "binary".into(),
        DataType::Null => "void".into(),
        DataType::List(f) | DataType::LargeList(f) => format!("array<{}>", simple_name(f.data_type())),
        DataType::Struct(fields) => format!(
            "struct<{}>",
            fields
                .iter()
                .map(|f| format!("{}:{}", f.name(), simple_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(",")
        ),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => format!(
                "map<{},{}>",
                simple_name(kv[0].data_type()),
                simple_name(kv[1].data_type())
            ),
            _ => "map".into(),
        },
        other => format!("{other}").to_lowercase(),
    }
}

/// The name Spark uses in SQL text and error messages (`INT`, `STRING`,
/// `ARRAY<STRING>`, `DECIMAL(10,2)`), as in `CAST(value AS INT)`.
pub fn sql_name(t: &DataType) -> String {
    match t {
        DataType::Struct(fields) => format!(
            "STRUCT<{}>",
            fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), sql_name(f.data_type())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        DataType::List(f) | DataType::LargeList(f) => format!("ARRAY<{}>", sql_name(f.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("MAP<{}, {}>", sql_name(kv[0].data_type()), sql_name(kv[1].data_type()))
            }
            _ => "MAP".into(),
        },
        DataType::Duration(_) => "INTERVAL DAY TO SECOND".into(),
        other => simple_name(other).to_uppercase(),
    }
}

/// Spark's `typeName` (as `printSchema` shows types): `integer`, `long`,
/// `array`, `struct`...
fn tree_type_name(t: &DataType) -> String {
    match t {
        DataType::Int8 => "byte".into(),
        DataType::Int16 => "short".into(),
        DataType::Int32 => "integer".into(),
        DataType::Int64 => "long".into(),
        DataType::List(_) | DataType::LargeList(_) => "array".into(),
        DataType::Struct(_) => "struct".into(),
        DataType::Map(..) => "map".into(),
        other => simple_name(other),
    }
}

/// `StructType.treeString()`, which `printSchema` prints: one line per
/// field, nested types indented under it.
pub fn tree_string(fields: &[(String, DataType)]) -> String {
    // Spark's buildFormattedString: a line is `{prefix}-- ...`, and nested
    // fields go under `{prefix}    |`.
    fn children(t: &DataType, prefix: &str, out: &mut String) {
        let deeper = format!("{prefix}    |");
        match t {
            DataType::List(f) | DataType::LargeList(f) => {
                out.push_str(&format!("{deeper}-- element: {} (containsNull = true)\n", tree_type_name(f.data_type())));
                children(f.data_type(), &deeper, out);
            }
            DataType::Struct(fs) => {
                for f in fs.iter() {
                    out.push_str(&format!("{deeper}-- {}: {} (nullable = true)\n", f.name(), tree_type_name(f.data_type())));
                    children(f.data_type(), &deeper, out);
                }
            }
            DataType::Map(entries, _) => {
                if let DataType::Struct(kv) = entries.data_type() {
                    if kv.len() == 2 {
                        out.push_str(&format!("{deeper}-- key: {}\n", tree_type_name(kv[0].data_type())));
                        children(kv[0].data_type(), &deeper, out);
                        out.push_str(&format!("{deeper}-- value: {} (valueContainsNull = true)\n", tree_type_name(kv[1].data_type())));
                        children(kv[1].data_type(), &deeper, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = String::from("root\n");
    for (name, t) in fields {
        out.push_str(&format!(" |-- {name}: {} (nullable = true)\n", tree_type_name(t)));
        children(t, " |", &mut out);
    }
    out
}

#[cfg(test)]
mod tree_tests {
    use super::*;

    #[test]
    fn tree_string_names_types_as_spark_does() {
        let t = tree_string(&[
            ("n".into(), DataType::Int32),
            ("words".into(), array_of(DataType::Utf8)),
            ("s".into(), struct_of(vec![("x".into(), DataType::Int64)])),
        ]);
        assert_eq!(
            t,
            "root\n |-- n: integer (nullable = true)\n |-- words: array (nullable = true)\n |    |-- element: string (containsNull = true)\n |-- s: struct (nullable = true)\n |    |-- x: long (nullable = true)\n"
        );
    }
}
