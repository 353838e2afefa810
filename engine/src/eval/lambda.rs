//! Higher-order functions, a column at a time: the elements of every row's
//! array (or map) are flattened into one column, the lambda's body is
//! evaluated once over all of them with its variables bound to those
//! columns (and the outer columns gathered by each element's row), and the
//! results are put back into arrays. `aggregate` runs position by position
//! across the rows instead, since each step needs the one before.

use std::sync::Arc;

use arrow::array::*;
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::compute::{filter, interleave, take};
use arrow::datatypes::{DataType, Field, FieldRef, Schema};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};

use super::{as_bool, definite, EvalCtx};
use crate::error::{EngineError, Result};
use crate::plan::expr::{HigherOrderFn, PExpr, PLambda};

fn internal(msg: impl std::fmt::Display) -> EngineError {
    EngineError::execution("INTERNAL_ERROR", msg, "XX000")
}

/// The value bound to a lambda variable's slot.
pub fn lambda_var(slot: usize, ctx: &EvalCtx) -> Result<ArrayRef> {
    ctx.lambda.get(slot).cloned().ok_or_else(|| internal(format!("lambda variable {slot} is not bound")))
}

/// A column of arrays taken apart: every element, the row it belongs to and
/// its position in that row's array.
struct Flat {
    values: ArrayRef,
    parents: UInt32Array,
    positions: Int32Array,
    /// Offsets into `values`, from 0.
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
}

fn flatten_offsets(offsets: &[i32], n: usize) -> (Vec<i32>, UInt32Array, Int32Array) {
    let start = offsets.first().copied().unwrap_or(0);
    let total = (offsets.get(n).copied().unwrap_or(start) - start).max(0) as usize;
    let mut parents = Vec::with_capacity(total);
    let mut positions = Vec::with_capacity(total);
    let mut rebased = Vec::with_capacity(n + 1);
    rebased.push(0);
    for i in 0..n {
        let (lo, hi) = (offsets[i], offsets[i + 1]);
        for k in 0..(hi - lo).max(0) {
            parents.push(i as u32);
            positions.push(k);
        }
        rebased.push(hi - start);
    }
    (rebased, UInt32Array::from(parents), Int32Array::from(positions))
}

fn flatten_list(a: &ArrayRef) -> Result<Flat> {
    let n = a.len();
    if a.data_type() == &DataType::Null {
        return Ok(Flat {
            values: new_empty_array(&DataType::Null),
            parents: UInt32Array::from(Vec::<u32>::new()),
            positions: Int32Array::from(Vec::<i32>::new()),
            offsets: OffsetBuffer::new(vec![0i32; n + 1].into()),
            nulls: Some(NullBuffer::new_null(n)),
        });
    }
    let l = a.as_list_opt::<i32>().ok_or_else(|| internal(format!("expected an array column, got {}", a.data_type())))?;
    let offs = l.value_offsets();
    let (rebased, parents, positions) = flatten_offsets(offs, n);
    let start = offs[0] as usize;
    let len = *rebased.last().unwrap_or(&0) as usize;
    Ok(Flat {
        values: l.values().slice(start, len),
        parents,
        positions,
        offsets: OffsetBuffer::new(rebased.into()),
        nulls: l.nulls().cloned(),
    })
}

/// A map column taken apart: keys and values flattened as for arrays.
struct FlatMap {
    keys: ArrayRef,
    values: ArrayRef,
    parents: UInt32Array,
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
    entries: FieldRef,
}

fn flatten_map(a: &ArrayRef) -> Result<FlatMap> {
    let m = a.as_map_opt().ok_or_else(|| internal(format!("expected a map column, got {}", a.data_type())))?;
    let n = m.len();
    let offs = m.value_offsets();
    let (rebased, parents, _) = flatten_offsets(offs, n);
    let start = offs[0] as usize;
    let len = *rebased.last().unwrap_or(&0) as usize;
    let entries = match m.data_type() {
        DataType::Map(f, _) => f.clone(),
        _ => return Err(internal("map type expected")),
    };
    Ok(FlatMap {
        keys: m.keys().slice(start, len),
        values: m.values().slice(start, len),
        parents,
        offsets: OffsetBuffer::new(rebased.into()),
        nulls: m.nulls().cloned(),
        entries,
    })
}

/// The batch a lambda body sees: one row per element, with the outer
/// columns it reads gathered from each element's row (the others left NULL).
fn gather_batch(batch: &RecordBatch, parents: &UInt32Array, body: &PExpr) -> Result<RecordBatch> {
    let mut used = Vec::new();
    body.columns(&mut used);
    let m = parents.len();
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (i, f) in schema.fields().iter().enumerate() {
        fields.push(Field::new(f.name(), f.data_type().clone(), true));
        columns.push(if used.contains(&i) { take(batch.column(i), parents, None)? } else { new_null_array(f.data_type(), m) });
    }
    Ok(RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(m)),
    )?)
}

/// Evaluates a lambda's body over elements: `parents` maps each element to
/// its row (None: one element per row, in order), `vars` are the values of
/// its variables.
fn call_lambda(
    l: &PLambda,
    batch: &RecordBatch,
    ctx: &EvalCtx,
    parents: Option<&UInt32Array>,
    vars: Vec<ArrayRef>,
) -> Result<ArrayRef> {
    if ctx.lambda.len() != l.first_slot {
        return Err(internal(format!("lambda bound at slot {} with {} variables in scope", l.first_slot, ctx.lambda.len())));
    }
    let (inner_batch, mut bound) = match parents {
        None => (batch.clone(), ctx.lambda.clone()),
        Some(p) => (
            gather_batch(batch, p, &l.body)?,
            ctx.lambda.iter().map(|a| take(a, p, None)).collect::<std::result::Result<Vec<_>, _>>()?,
        ),
    };
    bound.extend(vars.into_iter().take(l.arity));
    let inner = EvalCtx { lambda: bound, ..ctx.clone() };
    super::eval(&l.body, &inner_batch, &inner)
}

fn list_field(ty: &DataType) -> Result<FieldRef> {
    match ty {
        DataType::List(f) => Ok(f.clone()),
        other => Err(internal(format!("expected an array type, got {other}"))),
    }
}

/// Per row: offsets of the elements `mask` keeps.
fn kept_offsets(offsets: &OffsetBuffer<i32>, mask: &BooleanArray) -> OffsetBuffer<i32> {
    let mut out = Vec::with_capacity(offsets.len());
    out.push(0i32);
    let mut acc = 0i32;
    for w in offsets.windows(2) {
        for k in w[0]..w[1] {
            if mask.value(k as usize) {
                acc += 1;
            }
        }
        out.push(acc);
    }
    OffsetBuffer::new(out.into())
}

/// Evaluates a higher-order function over `batch`.
pub fn eval_higher_order(
    func: HigherOrderFn,
    args: &[PExpr],
    lambdas: &[PLambda],
    ty: &DataType,
    batch: &RecordBatch,
    ctx: &EvalCtx,
) -> Result<ArrayRef> {
    use HigherOrderFn as H;
    let n = batch.num_rows();
    let (Some(first), Some(lambda)) = (args.first(), lambdas.first()) else {
        return Err(internal("higher-order function without its arguments"));
    };
    let a0 = super::eval(first, batch, ctx)?;
    match func {
        H::Transform | H::Filter | H::Exists | H::Forall => {
            let flat = flatten_list(&a0)?;
            let index: ArrayRef = Arc::new(flat.positions.clone());
            let out = call_lambda(lambda, batch, ctx, Some(&flat.parents), vec![flat.values.clone(), index])?;
            match func {
                H::Transform => {
                    Ok(Arc::new(ListArray::try_new(list_field(ty)?, flat.offsets, out, flat.nulls)?))
                }
                H::Filter => {
                    let mask = definite(as_bool(&out)?);
                    let kept = filter(&flat.values, &mask)?;
                    let offsets = kept_offsets(&flat.offsets, &mask);
                    Ok(Arc::new(ListArray::try_new(list_field(ty)?, offsets, kept, flat.nulls)?))
                }
                _ => {
                    let b = as_bool(&out)?;
                    let exists = func == H::Exists;
                    let mut res = BooleanBuilder::with_capacity(n);
                    for (i, w) in flat.offsets.windows(2).enumerate() {
                        if flat.nulls.as_ref().is_some_and(|nb| nb.is_null(i)) {
                            res.append_null();
                            continue;
                        }
                        // Three-valued: a decisive element wins, else a NULL makes NULL.
                        let mut saw_null = false;
                        let mut decided = false;
                        for k in w[0]..w[1] {
                            let k = k as usize;
                            if b.is_null(k) {
                                saw_null = true;
                            } else if b.value(k) == exists {
                                decided = true;
                                break;
                            }
                        }
                        if decided {
                            res.append_value(exists);
                        } else if saw_null {
                            res.append_null();
                        } else {
                            res.append_value(!exists);
                        }
                    }
                    Ok(Arc::new(res.finish()))
                }
            }
        }
        H::Aggregate => aggregate(&a0, args, lambdas, batch, ctx),
        H::ZipWith => {
            let b0 = super::eval(args.get(1).ok_or_else(|| internal("zip_with needs two arrays"))?, batch, ctx)?;
            let fa = flatten_list(&a0)?;
            let fb = flatten_list(&b0)?;
            let mut ia: Vec<Option<u32>> = Vec::new();
            let mut ib: Vec<Option<u32>> = Vec::new();
            let mut parents: Vec<u32> = Vec::new();
            let mut offsets = vec![0i32];
            let mut nulls = Vec::with_capacity(n);
            for i in 0..n {
                let null = fa.nulls.as_ref().is_some_and(|x| x.is_null(i)) || fb.nulls.as_ref().is_some_and(|x| x.is_null(i));
                nulls.push(!null);
                if !null {
                    let (alo, ahi) = (fa.offsets[i], fa.offsets[i + 1]);
                    let (blo, bhi) = (fb.offsets[i], fb.offsets[i + 1]);
                    let len = (ahi - alo).max(bhi - blo);
                    for k in 0..len {
                        ia.push((alo + k < ahi).then_some((alo + k) as u32));
                        ib.push((blo + k < bhi).then_some((blo + k) as u32));
                        parents.push(i as u32);
                    }
                }
                offsets.push(parents.len() as i32);
            }
            let x = take(&fa.values, &UInt32Array::from(ia), None)?;
            let y = take(&fb.values, &UInt32Array::from(ib), None)?;
            let out = call_lambda(lambda, batch, ctx, Some(&UInt32Array::from(parents)), vec![x, y])?;
            let nulls = NullBuffer::from(nulls);
            let nulls = (nulls.null_count() > 0).then_some(nulls);
            Ok(Arc::new(ListArray::try_new(list_field(ty)?, OffsetBuffer::new(offsets.into()), out, nulls)?))
        }
        H::MapFilter | H::TransformKeys | H::TransformValues => {
            let fm = flatten_map(&a0)?;
            let out = call_lambda(lambda, batch, ctx, Some(&fm.parents), vec![fm.keys.clone(), fm.values.clone()])?;
            let (entries, keys, values, offsets) = match func {
                H::MapFilter => {
                    let mask = definite(as_bool(&out)?);
                    let offsets = kept_offsets(&fm.offsets, &mask);
                    (fm.entries.clone(), filter(&fm.keys, &mask)?, filter(&fm.values, &mask)?, offsets)
                }
                _ => {
                    let entries = match ty {
                        DataType::Map(f, _) => f.clone(),
                        other => return Err(internal(format!("expected a map type, got {other}"))),
                    };
                    if func == H::TransformKeys {
                        super::maps::check_keys(&out, &fm.offsets, fm.nulls.as_ref())?;
                        (entries, out, fm.values.clone(), fm.offsets.clone())
                    } else {
                        (entries, fm.keys.clone(), out, fm.offsets.clone())
                    }
                }
            };
            super::maps::build_map(entries, offsets, keys, values, fm.nulls)
        }
    }
}

/// `aggregate(arr, zero, merge, finish)`: the accumulator of every row
/// steps through position 0, 1, ... of the rows whose arrays reach it.
fn aggregate(a0: &ArrayRef, args: &[PExpr], lambdas: &[PLambda], batch: &RecordBatch, ctx: &EvalCtx) -> Result<ArrayRef> {
    let n = batch.num_rows();
    let (Some(zero), [merge, finish]) = (args.get(1), lambdas) else {
        return Err(internal("aggregate needs a zero, a merge and a finish"));
    };
    let flat = flatten_list(a0)?;
    let mut acc = super::eval(zero, batch, ctx)?;
    let is_null = |i: usize| flat.nulls.as_ref().is_some_and(|x| x.is_null(i));
    let max_len = flat.offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    for k in 0..max_len {
        let mut rows = Vec::new();
        let mut elems = Vec::new();
        for (i, w) in flat.offsets.windows(2).enumerate() {
            if !is_null(i) && w[1] - w[0] > k {
                rows.push(i as u32);
                elems.push((w[0] + k) as u32);
            }
        }
        let rows = UInt32Array::from(rows);
        let x = take(&flat.values, &UInt32Array::from(elems), None)?;
        let acc_rows = take(&acc, &rows, None)?;
        let next = call_lambda(merge, batch, ctx, Some(&rows), vec![acc_rows, x])?;
        if next.data_type() != acc.data_type() {
            return Err(internal(format!("aggregate's merge gave {} for an accumulator of {}", next.data_type(), acc.data_type())));
        }
        // Rows that stepped take their new value; the others keep theirs.
        let mut pick: Vec<(usize, usize)> = (0..n).map(|i| (0, i)).collect();
        for (j, r) in rows.values().iter().enumerate() {
            pick[*r as usize] = (1, j);
        }
        acc = interleave(&[acc.as_ref(), next.as_ref()], &pick)?;
    }
    let out = call_lambda(finish, batch, ctx, None, vec![acc])?;
    match &flat.nulls {
        Some(nb) if nb.null_count() > 0 => {
            let null_rows = BooleanArray::from((0..n).map(|i| nb.is_null(i)).collect::<Vec<_>>());
            Ok(arrow::compute::nullif(&out, &null_rows)?)
        }
        _ => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::expr::{BinaryOp, Lit, PKind};
    use crate::types;

    fn words() -> RecordBatch {
        let mut b = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new("element", DataType::Utf8, true)));
        b.append_value([Some("a"), Some("bb"), Some("ccc")]);
        b.append_null();
        b.append_value(Vec::<Option<&str>>::new());
        b.append_value([Some("dddd")]);
        let arr: ArrayRef = Arc::new(b.finish());
        let n: ArrayRef = Arc::new(Int32Array::from(vec![10, 20, 30, 40]));
        RecordBatch::try_from_iter(vec![("w", arr), ("n", n)]).unwrap()
    }

    fn col(i: usize, ty: DataType) -> PExpr {
        PExpr::column(i, ty)
    }

    fn length(e: PExpr) -> PExpr {
        PExpr::new(PKind::Scalar { func: crate::plan::functions::ScalarFn::Length, args: vec![e] }, DataType::Int32)
    }

    fn var(slot: usize, ty: DataType) -> PExpr {
        PExpr::new(PKind::LambdaVar(slot), ty)
    }

    fn hof(func: HigherOrderFn, args: Vec<PExpr>, lambdas: Vec<PLambda>, ty: DataType) -> PExpr {
        PExpr::new(PKind::HigherOrder { func, args, lambdas }, ty)
    }

    fn lam(first_slot: usize, arity: usize, body: PExpr) -> PLambda {
        PLambda { first_slot, arity, body: Box::new(body) }
    }

    fn list_ty() -> DataType {
        types::array_of(DataType::Utf8)
    }

    #[test]
    fn transform_with_outer_column() {
        // transform(w, x -> length(x) + n)
        let body = PExpr::new(
            PKind::Binary(BinaryOp::Add, Box::new(length(var(0, DataType::Utf8))), Box::new(col(1, DataType::Int32))),
            DataType::Int32,
        );
        let e = hof(HigherOrderFn::Transform, vec![col(0, list_ty())], vec![lam(0, 1, body)], types::array_of(DataType::Int32));
        let out = super::super::eval(&e, &words(), &EvalCtx::default()).unwrap();
        let l = out.as_list::<i32>();
        assert_eq!(l.len(), 4);
        assert!(l.is_null(1));
        let v0 = l.value(0);
        assert_eq!(v0.as_primitive::<arrow::datatypes::Int32Type>().values().to_vec(), vec![11, 12, 13]);
        assert_eq!(l.value_length(2), 0);
        assert_eq!(l.value(3).as_primitive::<arrow::datatypes::Int32Type>().values().to_vec(), vec![44]);
    }

    #[test]
    fn filter_exists_and_aggregate() {
        let batch = words();
        let long = PExpr::new(
            PKind::Binary(BinaryOp::Gt, Box::new(length(var(0, DataType::Utf8))), Box::new(PExpr::literal(Lit::Int(1)))),
            DataType::Boolean,
        );
        let f = hof(HigherOrderFn::Filter, vec![col(0, list_ty())], vec![lam(0, 1, long.clone())], list_ty());
        let out = super::super::eval(&f, &batch, &EvalCtx::default()).unwrap();
        let l = out.as_list::<i32>();
        assert_eq!(l.value_length(0), 2);
        assert_eq!(l.value_length(3), 1);
        let ex = hof(HigherOrderFn::Exists, vec![col(0, list_ty())], vec![lam(0, 1, long)], DataType::Boolean);
        let out = super::super::eval(&ex, &batch, &EvalCtx::default()).unwrap();
        let b = out.as_boolean();
        assert!(b.value(0) && b.is_null(1) && !b.value(2) && b.value(3));
        // aggregate(w, 0, (acc, x) -> acc + length(x), acc -> acc * 10)
        let merge = PExpr::new(
            PKind::Binary(BinaryOp::Add, Box::new(var(0, DataType::Int32)), Box::new(length(var(1, DataType::Utf8)))),
            DataType::Int32,
        );
        let finish = PExpr::new(
            PKind::Binary(BinaryOp::Mul, Box::new(var(0, DataType::Int32)), Box::new(PExpr::literal(Lit::Int(10)))),
            DataType::Int32,
        );
        let agg = hof(
            HigherOrderFn::Aggregate,
            vec![col(0, list_ty()), PExpr::literal(Lit::Int(0))],
            vec![lam(0, 2, merge), lam(0, 1, finish)],
            DataType::Int32,
        );
        let out = super::super::eval(&agg, &batch, &EvalCtx::default()).unwrap();
        let v = out.as_primitive::<arrow::datatypes::Int32Type>();
        assert_eq!((v.value(0), v.is_null(1), v.value(2), v.value(3)), (60, true, 0, 40));
    }

    #[test]
    fn nested_lambda_sees_outer_variable() {
        // transform(w, x -> transform(array(x, x), y -> concat(y, x)))
        let inner_arr = PExpr::new(
            PKind::Scalar { func: crate::plan::functions::ScalarFn::MakeArray, args: vec![var(0, DataType::Utf8), var(0, DataType::Utf8)] },
            list_ty(),
        );
        let concat = PExpr::new(
            PKind::Scalar { func: crate::plan::functions::ScalarFn::Concat, args: vec![var(1, DataType::Utf8), var(0, DataType::Utf8)] },
            DataType::Utf8,
        );
        let inner = hof(HigherOrderFn::Transform, vec![inner_arr], vec![lam(1, 1, concat)], list_ty());
        let outer = hof(HigherOrderFn::Transform, vec![col(0, list_ty())], vec![lam(0, 1, inner)], types::array_of(list_ty()));
        let out = super::super::eval(&outer, &words(), &EvalCtx::default()).unwrap();
        let shown = crate::display::format_value(out.as_ref(), 0, &Default::default(), crate::display::Style::Pretty).unwrap();
        assert_eq!(shown, "[[aa, aa], [bbbb, bbbb], [cccccc, cccccc]]");
    }
}
