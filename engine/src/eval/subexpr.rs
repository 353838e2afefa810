//! Common subexpressions of a projection, found as Spark's
//! `EquivalentExpressions` finds them and computed once per batch before the
//! projection, as Spark's generated code does.
//!
//! This is visible behaviour, not only speed: an expression that occurs twice
//! where it is always evaluated (AND/OR count as always evaluated, the
//! branches of CASE/IF/COALESCE do not) runs for every row, so a condition
//! around one of its uses no longer shields a row from its errors.

use arrow::array::{ArrayRef, RecordBatch};

use super::{eval, EvalCtx};
use crate::error::Result;
use crate::exec::project::batch_of;
use crate::plan::expr::{PExpr, PKind};
use crate::plan::functions::ScalarFn;

/// A projection with its common subexpressions taken out.
#[derive(Clone, Debug)]
pub struct Projection {
    /// Computed first, in order; the k-th becomes input column `width + k`.
    common: Vec<PExpr>,
    exprs: Vec<PExpr>,
    width: usize,
}

impl Projection {
    pub fn new(exprs: Vec<PExpr>, input_width: usize) -> Projection {
        let mut seen: Vec<(PExpr, usize)> = Vec::new();
        for e in &exprs {
            count_tree(e, &mut seen);
        }
        let mut common: Vec<PExpr> = seen.into_iter().filter(|(_, n)| *n > 1).map(|(e, _)| e).collect();
        // Inner ones first, so that outer ones can read them.
        common.sort_by_key(height);
        let mut rewritten_common: Vec<PExpr> = Vec::with_capacity(common.len());
        for (k, c) in common.iter().enumerate() {
            let inner = rewrite_children(c, &common[..k], input_width);
            rewritten_common.push(inner);
        }
        let exprs = exprs.iter().map(|e| rewrite(e, &common, input_width)).collect();
        Projection { common: rewritten_common, exprs, width: input_width }
    }

    pub fn eval(&self, batch: &RecordBatch, ctx: &EvalCtx) -> Result<Vec<ArrayRef>> {
        if self.common.is_empty() {
            return self.exprs.iter().map(|e| eval(e, batch, ctx)).collect();
        }
        let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
        columns.truncate(self.width);
        let mut extended = batch.clone();
        for c in &self.common {
            columns.push(eval(c, &extended, ctx)?);
            extended = with_columns(&columns, batch.num_rows())?;
        }
        self.exprs.iter().map(|e| eval(e, &extended, ctx)).collect()
    }
}

fn with_columns(columns: &[ArrayRef], rows: usize) -> Result<RecordBatch> {
    let fields: Vec<arrow::datatypes::Field> = (0..columns.len())
        .map(|i| arrow::datatypes::Field::new(format!("_{i}"), columns[i].data_type().clone(), true))
        .collect();
    batch_of(&std::sync::Arc::new(arrow::datatypes::Schema::new(fields)), columns.to_vec(), rows)
}

/// Counts `e` and, the first time it is seen, what is always evaluated
/// under it (Spark's `addExprTree`).
fn count_tree(e: &PExpr, seen: &mut Vec<(PExpr, usize)>) {
    // Spark skips higher-order functions (CodegenFallback) and everything
    // under them; Python UDFs run in a projection of their own.
    if matches!(e.kind, PKind::HigherOrder { .. } | PKind::Udf { .. } | PKind::LambdaVar(_)) {
        return;
    }
    let leaf = matches!(e.kind, PKind::Column(_) | PKind::Literal(_))
        || matches!(e.kind, PKind::Scalar { func: ScalarFn::CurrentTimestamp, .. });
    if !leaf {
        if let Some(entry) = seen.iter_mut().find(|(x, _)| x == e) {
            entry.1 += 1;
            return;
        }
        seen.push((e.clone(), 1));
    }
    for child in always_evaluated(e) {
        count_tree(child, seen);
    }
}

/// The children Spark recurses into: only the first input of a conditional.
fn always_evaluated(e: &PExpr) -> Vec<&PExpr> {
    match &e.kind {
        PKind::Case { branches, .. } => branches.first().map(|(c, _)| vec![c]).unwrap_or_default(),
        PKind::Scalar { func: ScalarFn::Coalesce | ScalarFn::If, args } => args.first().into_iter().collect(),
        _ => e.children(),
    }
}

fn height(e: &PExpr) -> usize {
    1 + e.children().into_iter().map(height).max().unwrap_or(0)
}

/// `e` with every occurrence of a common subexpression read from its column.
fn rewrite(e: &PExpr, common: &[PExpr], width: usize) -> PExpr {
    if let Some(k) = common.iter().position(|c| c == e) {
        return PExpr::column(width + k, e.ty.clone());
    }
    rewrite_children(e, common, width)
}

fn rewrite_children(e: &PExpr, common: &[PExpr], width: usize) -> PExpr {
    let r = |x: &PExpr| Box::new(rewrite(x, common, width));
    let kind = match &e.kind {
        PKind::Column(_) | PKind::Literal(_) => return e.clone(),
        // Never taken apart (see count_tree).
        PKind::HigherOrder { .. } | PKind::Udf { .. } | PKind::LambdaVar(_) => return e.clone(),
        PKind::Not(x) => PKind::Not(r(x)),
        PKind::Negate(x) => PKind::Negate(r(x)),
        PKind::IsNull(x) => PKind::IsNull(r(x)),
        PKind::IsNotNull(x) => PKind::IsNotNull(r(x)),
        PKind::GetField(x, i) => PKind::GetField(r(x), *i),
        PKind::Cast { expr, try_ } => PKind::Cast { expr: r(expr), try_: *try_ },
        PKind::Binary(op, a, b) => PKind::Binary(*op, r(a), r(b)),
        PKind::Case { branches, otherwise } => PKind::Case {
            branches: branches.iter().map(|(c, v)| (rewrite(c, common, width), rewrite(v, common, width))).collect(),
            otherwise: otherwise.as_deref().map(r),
        },
        PKind::In { expr, list } => PKind::In { expr: r(expr), list: list.iter().map(|x| rewrite(x, common, width)).collect() },
        PKind::Like { expr, pattern, kind, negated } => {
            PKind::Like { expr: r(expr), pattern: r(pattern), kind: *kind, negated: *negated }
        }
        PKind::Scalar { func, args } => {
            PKind::Scalar { func: *func, args: args.iter().map(|x| rewrite(x, common, width)).collect() }
        }
    };
    PExpr::new(kind, e.ty.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::expr::{BinaryOp, Lit};
    use arrow::datatypes::DataType;

    fn col(i: usize) -> PExpr {
        PExpr::column(i, DataType::Int64)
    }
    fn div(a: PExpr, b: PExpr) -> PExpr {
        PExpr::new(PKind::Binary(BinaryOp::Div, Box::new(a), Box::new(b)), DataType::Float64)
    }
    fn lit(v: i64) -> PExpr {
        PExpr::new(PKind::Literal(Lit::Long(v)), DataType::Int64)
    }

    #[test]
    fn repeated_unconditional_expressions_are_computed_once() {
        let q = div(lit(10), col(0));
        let gt = |x: PExpr| PExpr::new(PKind::Binary(BinaryOp::Gt, Box::new(x), Box::new(lit(1))), DataType::Boolean);
        let p = Projection::new(vec![gt(q.clone()), q.clone()], 1);
        assert_eq!(p.common, vec![q.clone()]);
        assert_eq!(p.exprs[1], PExpr::column(1, DataType::Float64));
    }

    #[test]
    fn branches_of_conditionals_do_not_count() {
        let q = div(lit(10), col(0));
        let cond = PExpr::new(PKind::IsNotNull(Box::new(col(0))), DataType::Boolean);
        let case = PExpr::new(PKind::Case { branches: vec![(cond, q.clone())], otherwise: None }, DataType::Float64);
        let p = Projection::new(vec![case, q], 1);
        assert!(p.common.is_empty());
    }
}
