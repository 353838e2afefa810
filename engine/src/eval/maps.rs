//! Building map columns from keys and values (`map_from_arrays`,
//! `transform_keys`, `map_filter`), with Spark's rules for keys: never
//! NULL, never twice in one map (spark.sql.mapKeyDedupPolicy=EXCEPTION).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::take;
use arrow::datatypes::{DataType, FieldRef};
use arrow::row::{RowConverter, SortField};

use crate::error::{EngineError, Result};

fn internal(msg: impl std::fmt::Display) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", msg, "XX000")
}

fn null_key() -> EngineError {
    EngineError::execution("NULL_MAP_KEY", "Cannot use null as map key.", "2200E")
}

/// Fails on a NULL key or a key twice in one (non-NULL) map.
pub fn check_keys(keys: &ArrayRef, offsets: &OffsetBuffer<i32>, nulls: Option<&NullBuffer>) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let conv = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
    let rows = conv.convert_columns(&[keys.clone()])?;
    for (i, w) in offsets.windows(2).enumerate() {
        if nulls.is_some_and(|n| n.is_null(i)) {
            continue;
        }
        let mut seen = HashSet::new();
        for k in w[0] as usize..w[1] as usize {
            if keys.is_null(k) {
                return Err(null_key());
            }
            if !seen.insert(rows.row(k)) {
                let shown = crate::display::format_value(keys.as_ref(), k, &Default::default(), crate::display::Style::Cast)
                    .unwrap_or_default();
                return Err(EngineError::execution(
                    "DUPLICATED_MAP_KEY",
                    format!("Duplicate map key {shown} was found, please check the input data. If you want to remove the duplicated keys, you can set \"spark.sql.mapKeyDedupPolicy\" to \"LAST_WIN\" so that the key inserted at last takes precedence."),
                    "23505",
                ));
            }
        }
    }
    Ok(())
}

/// A map column from flattened keys and values.
pub fn build_map(
    entries: FieldRef,
    offsets: OffsetBuffer<i32>,
    keys: ArrayRef,
    values: ArrayRef,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef> {
    let kv = match entries.data_type() {
        DataType::Struct(f) => f.clone(),
        _ => return Err(internal("map entries expected")),
    };
    let st = StructArray::try_new(kv, vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(entries, offsets, st, nulls, false)?))
}

/// `map_from_arrays(keys, values)`: NULL when either array is; the arrays
/// must be as long as each other.
pub fn map_from_arrays(keys: &ArrayRef, values: &ArrayRef, ty: &DataType) -> Result<ArrayRef> {
    let entries = match ty {
        DataType::Map(f, _) => f.clone(),
        _ => return Err(internal("map type expected")),
    };
    let kv = match entries.data_type() {
        DataType::Struct(f) => f.clone(),
        _ => return Err(internal("map entries expected")),
    };
    let n = keys.len();
    let as_list = |a: &ArrayRef| -> Option<ListArray> { a.as_list_opt::<i32>().cloned() };
    let (Some(kl), Some(vl)) = (as_list(keys), as_list(values)) else {
        // An untyped NULL array on either side: every map is NULL.
        return Ok(new_null_array(ty, n));
    };
    let mut kidx = Vec::new();
    let mut vidx = Vec::new();
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(n);
    for i in 0..n {
        let ok = kl.is_valid(i) && vl.is_valid(i);
        valid.push(ok);
        if ok {
            let (ko, vo) = (kl.value_offsets()[i], vl.value_offsets()[i]);
            let (klen, vlen) = (kl.value_length(i), vl.value_length(i));
            if klen != vlen {
                return Err(EngineError::execution(
                    "INVALID_PARAMETER_VALUE",
                    "The key array and value array of MapData must have the same length.",
                    "22023",
                ));
            }
            for k in 0..klen {
                kidx.push((ko + k) as u32);
                vidx.push((vo + k) as u32);
            }
        }
        offsets.push(kidx.len() as i32);
    }
    let k = take(kl.values(), &UInt32Array::from(kidx), None)?;
    let v = take(vl.values(), &UInt32Array::from(vidx), None)?;
    let k = if k.data_type() == kv[0].data_type() { k } else { arrow::compute::cast(&k, kv[0].data_type())? };
    let v = if v.data_type() == kv[1].data_type() { v } else { arrow::compute::cast(&v, kv[1].data_type())? };
    let offsets = OffsetBuffer::new(offsets.into());
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    check_keys(&k, &offsets, nulls.as_ref())?;
    build_map(entries, offsets, k, v, nulls)
}
