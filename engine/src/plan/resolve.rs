//! Resolution (Spark's Analyzer for one expression): binds column names to
//! the input's attributes, checks types, inserts Spark's implicit casts, and
//! names the result.

use arrow::datatypes::DataType;

use super::expr::{BinaryOp, Expr, Lit, PExpr, PKind};
use super::functions;
use super::schema::Schema;
use crate::error::{EngineError, Result};
use crate::types;

/// Resolves `e` against `input`.
pub fn resolve(e: &Expr, input: &Schema) -> Result<PExpr> {
    Resolver { input, scope: Default::default() }.expr(e)
}

/// The output name of an expression: its alias, or Spark's generated name.
pub fn output_name(e: &Expr) -> String {
    match e {
        Expr::Alias(_, n) => n.clone(),
        Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
        // `s.f` (attribute access on a Column) is named with its path.
        Expr::Field { .. } => e.pretty(),
        // A cast of a named column keeps the column's name (at the top of a
        // select list only; nested, it reads `CAST(value AS INT)`).
        Expr::Cast { expr, .. } if expr.is_named_column() => output_name(expr),
        other => other.pretty(),
    }
}

pub(super) struct Resolver<'a> {
    input: &'a Schema,
    /// The lambda variables in scope, by slot: name and type.
    pub(super) scope: std::cell::RefCell<Vec<(String, DataType)>>,
}

/// Levenshtein distance, for "Did you mean" suggestions.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Spark's UNRESOLVED_COLUMN error, with the closest names suggested.
pub fn unresolved_column(name: &str, input: &Schema) -> EngineError {
    let quoted = |s: &str| format!("`{}`", s.replace('`', "``"));
    let shown = name.split('.').map(quoted).collect::<Vec<_>>().join(".");
    if input.is_empty() {
        return EngineError::analysis(
            "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
            format!("A column, variable, or function parameter with name {shown} cannot be resolved."),
            "42703;",
        );
    }
    let mut candidates: Vec<String> = input
        .attrs
        .iter()
        .map(|a| match &a.qualifier {
            Some(q) => format!("{}.{}", quoted(q), quoted(&a.name)),
            None => quoted(&a.name),
        })
        .collect();
    candidates.sort_by_key(|c| distance(c, &shown));
    candidates.truncate(5);
    EngineError::analysis(
        "UNRESOLVED_COLUMN.WITH_SUGGESTION",
        format!(
            "A column, variable, or function parameter with name {shown} cannot be resolved. Did you mean one of the following? [{}].",
            candidates.join(", ")
        ),
        "42703;",
    )
}

fn ambiguous(name: &str, matches: &[String]) -> EngineError {
    EngineError::analysis(
        "AMBIGUOUS_REFERENCE",
        format!(
            "Reference `{name}` is ambiguous, could be: [{}].",
            matches.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
        ),
        "42704",
    )
}

impl<'a> Resolver<'a> {
    /// Finds the attribute for a (possibly qualified, possibly nested) name.
    fn column(&self, parts: &[String]) -> Result<PExpr> {
        let full = parts.join(".");
        let find = |qual: Option<&str>, name: &str| -> Vec<usize> {
            self.input
                .attrs
                .iter()
                .enumerate()
                .filter(|(_, a)| {
                    a.name.eq_ignore_ascii_case(name)
                        && qual.map_or(true, |q| a.qualifier.as_deref().is_some_and(|aq| aq.eq_ignore_ascii_case(q)))
                })
                .map(|(i, _)| i)
                .collect()
        };
        // Try `qualifier.name[.field...]`, then `name[.field...]`.
        let mut attempts: Vec<(Vec<usize>, usize)> = Vec::new();
        if parts.len() >= 2 {
            attempts.push((find(Some(&parts[0]), &parts[1]), 2));
        }
        attempts.push((find(None, &parts[0]), 1));
        for (found, used) in attempts {
            match found.len() {
                0 => continue,
                1 => {
                    let i = found[0];
                    let mut e = PExpr::column(i, self.input.attrs[i].ty.clone());
                    for field in &parts[used..] {
                        e = self.field(e, field, &full)?;
                    }
                    return Ok(e);
                }
                _ => {
                    let names: Vec<String> = found
                        .iter()
                        .map(|&i| {
                            let a = &self.input.attrs[i];
                            match &a.qualifier {
                                Some(q) => format!("{q}`.`{}", a.name),
                                None => a.name.clone(),
                            }
                        })
                        .collect();
                    return Err(ambiguous(&full, &names));
                }
            }
        }
        Err(unresolved_column(&full, self.input))
    }

    fn field(&self, e: PExpr, name: &str, full: &str) -> Result<PExpr> {
        match &e.ty {
            DataType::Struct(fields) => {
                let pos = fields
                    .iter()
                    .position(|f| f.name().eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        EngineError::analysis(
                            "FIELD_NOT_FOUND",
                            format!(
                                "No such struct field `{name}` in {}.",
                                fields.iter().map(|f| format!("`{}`", f.name())).collect::<Vec<_>>().join(", ")
                            ),
                            "42704",
                        )
                    })?;
                let ty = fields[pos].data_type().clone();
                Ok(PExpr::new(PKind::GetField(Box::new(e), pos), ty))
            }
            _ => Err(unresolved_column(full, self.input)),
        }
    }

    pub(super) fn expr(&self, e: &Expr) -> Result<PExpr> {
        Ok(match e {
            Expr::LambdaVar(name) => {
                let scope = self.scope.borrow();
                match scope.iter().rposition(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    Some(slot) => PExpr::new(PKind::LambdaVar(slot), scope[slot].1.clone()),
                    None => return Err(unresolved_column(name, self.input)),
                }
            }
            Expr::Lambda { .. } => {
                return Err(EngineError::analysis(
                    "_LEGACY_ERROR_TEMP_2429",
                    format!("A lambda function should only be used in a higher order function. However, its class is {}.", e.pretty()),
                    "",
                ))
            }
            Expr::Udf { udf, args } => {
                let args = args.iter().map(|a| self.expr(a)).collect::<Result<_>>()?;
                PExpr::new(PKind::Udf { udf: udf.clone(), args }, udf.0.return_type().clone())
            }
            Expr::Call { name, args, .. } if super::lambda::is_higher_order(name) => {
                super::lambda::resolve_higher_order(self, name, args, e)?
            }
            Expr::Column(parts) => self.column(parts)?,
            Expr::Attr { id, name } => match self.input.index_of_id(*id) {
                Some(i) => PExpr::column(i, self.input.attrs[i].ty.clone()),
                None => self.column(&[name.clone()])?,
            },
            Expr::Star(_) => {
                return Err(EngineError::analysis(
                    "INVALID_USAGE_OF_STAR_OR_REGEX",
                    "Invalid usage of '*' in expression.",
                    "42000",
                ))
            }
            Expr::Literal(l) => PExpr::literal(l.clone()),
            Expr::Alias(inner, _) => self.expr(inner)?,
            Expr::Not(inner) => {
                let v = self.boolean(inner, e)?;
                PExpr::new(PKind::Not(Box::new(v)), DataType::Boolean)
            }
            Expr::Neg(inner) => {
                let v = self.numeric(self.expr(inner)?);
                let ty = v.ty.clone();
                PExpr::new(PKind::Negate(Box::new(v)), ty)
            }
            // Unary plus casts a string to a number, as Spark's UnaryPositive does.
            Expr::Pos(inner) => self.numeric(self.expr(inner)?),
            Expr::IsNull(inner) => PExpr::new(PKind::IsNull(Box::new(self.expr(inner)?)), DataType::Boolean),
            Expr::IsNotNull(inner) => PExpr::new(PKind::IsNotNull(Box::new(self.expr(inner)?)), DataType::Boolean),
            Expr::Binary(op, l, r) => self.binary(*op, self.expr(l)?, self.expr(r)?, e)?,
            Expr::Cast { expr, to, try_ } => {
                let v = self.expr(expr)?;
                check_cast(&v.ty, to, e)?;
                if &v.ty == to {
                    v
                } else {
                    PExpr::new(PKind::Cast { expr: Box::new(v), try_: *try_ }, to.clone())
                }
            }
            Expr::Case { branches, otherwise } => {
                let mut conds = Vec::new();
                let mut vals = Vec::new();
                for (c, v) in branches {
                    conds.push(self.boolean(c, e)?);
                    vals.push(self.expr(v)?);
                }
                let other = otherwise.as_ref().map(|o| self.expr(o)).transpose()?;
                let ty = common_type_of(vals.iter().chain(other.iter()).map(|v| &v.ty)).ok_or_else(|| {
                    EngineError::analysis(
                        "DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                        format!(
                            "Cannot resolve \"{}\" due to data type mismatch: Input to `casewhen` should all be the same type.",
                            e.pretty()
                        ),
                        "42K09",
                    )
                })?;
                PExpr::new(
                    PKind::Case {
                        branches: conds.into_iter().zip(vals.into_iter().map(|v| v.cast(ty.clone()))).collect(),
                        otherwise: other.map(|o| Box::new(o.cast(ty.clone()))),
                    },
                    ty,
                )
            }
            Expr::In { expr, list } => {
                let v = self.expr(expr)?;
                let items: Vec<PExpr> = list.iter().map(|i| self.expr(i)).collect::<Result<_>>()?;
                let ty = common_type_of(std::iter::once(&v.ty).chain(items.iter().map(|i| &i.ty)))
                    .unwrap_or_else(|| v.ty.clone());
                PExpr::new(
                    PKind::In {
                        expr: Box::new(v.cast(ty.clone())),
                        list: items.into_iter().map(|i| i.cast(ty.clone())).collect(),
                    },
                    DataType::Boolean,
                )
            }
            Expr::Like { expr, pattern, kind, negated } => {
                let v = self.expr(expr)?.cast(DataType::Utf8);
                let p = self.expr(pattern)?.cast(DataType::Utf8);
                PExpr::new(
                    PKind::Like { expr: Box::new(v), pattern: Box::new(p), kind: *kind, negated: *negated },
                    DataType::Boolean,
                )
            }
            Expr::Call { name, args, .. } => {
                if functions::is_aggregate(name) {
                    return Err(EngineError::analysis(
                        "MISSING_GROUP_BY",
                        "The query does not include a GROUP BY clause. Add GROUP BY or turn it into the window functions using OVER clauses.",
                        "42803",
                    ));
                }
                if functions::is_generator(name) {
                    return Err(EngineError::analysis(
                        "UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS",
                        format!("The generator is not supported: nested in expressions \"{}\".", e.pretty()),
                        "42K0E",
                    ));
                }
                if name == "window" || name == "session_window" {
                    return Err(EngineError::unsupported(format!("`{name}` outside of groupBy")));
                }
                if name == "struct" {
                    return self.make_struct(args);
                }
                let resolved: Vec<PExpr> = args.iter().map(|a| self.expr(a)).collect::<Result<_>>()?;
                functions::resolve_scalar(name, resolved, &e.pretty())?
            }
            Expr::Extract { expr, key } => {
                let c = self.expr(expr)?;
                match &c.ty {
                    DataType::List(f) => {
                        let ty = f.data_type().clone();
                        let k = self.expr(key)?.cast(DataType::Int32);
                        PExpr::new(PKind::Scalar { func: functions::ScalarFn::ArrayIndex, args: vec![c, k] }, ty)
                    }
                    DataType::Map(entries, _) => {
                        let (kt, vt) = functions::map_types(entries.data_type());
                        let k = self.expr(key)?.cast(kt);
                        PExpr::new(PKind::Scalar { func: functions::ScalarFn::MapValue, args: vec![c, k] }, vt)
                    }
                    DataType::Struct(_) => match key.as_ref() {
                        Expr::Literal(Lit::Str(name)) => self.field(c, name, &e.pretty())?,
                        _ => return Err(EngineError::analysis("INVALID_EXTRACT_FIELD_TYPE", "Field name should be a non-null string literal.", "42000")),
                    },
                    other => {
                        return Err(EngineError::analysis(
                            "INVALID_EXTRACT_BASE_FIELD_TYPE",
                            format!(
                                "Can't extract a value from \"{}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{}\".",
                                expr.pretty(),
                                types::sql_name(other)
                            ),
                            "42000",
                        ))
                    }
                }
            }
            Expr::Field { expr, name } => {
                let c = self.expr(expr)?;
                self.field(c, name, &e.pretty())?
            }
            Expr::Sort { expr, .. } => self.expr(expr)?,
        })
    }

    fn make_struct(&self, args: &[Expr]) -> Result<PExpr> {
        let mut fields = Vec::new();
        let mut values = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let v = self.expr(a)?;
            let name = match a {
                Expr::Alias(_, n) => n.clone(),
                Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
                Expr::Attr { name, .. } => name.clone(),
                Expr::Field { name, .. } => name.clone(),
                _ => format!("col{}", i + 1),
            };
            fields.push((name, v.ty.clone()));
            values.push(v);
        }
        Ok(PExpr::new(
            PKind::Scalar { func: functions::ScalarFn::MakeStruct, args: values },
            types::struct_of(fields),
        ))
    }

    fn boolean(&self, e: &Expr, whole: &Expr) -> Result<PExpr> {
        let v = self.expr(e)?;
        match v.ty {
            DataType::Boolean => Ok(v),
            DataType::Null => Ok(v.cast(DataType::Boolean)),
            DataType::Utf8 => Ok(v.cast(DataType::Boolean)),
            ref other => Err(EngineError::analysis(
                "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                format!(
                    "Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the \"BOOLEAN\" type, however \"{}\" has the type \"{}\".",
                    whole.pretty(),
                    e.pretty(),
                    types::sql_name(other)
                ),
                "42K09",
            )),
        }
    }

    fn numeric(&self, v: PExpr) -> PExpr {
        match v.ty {
            DataType::Utf8 => v.cast(DataType::Float64),
            DataType::Null => v.cast(DataType::Int32),
            _ => v,
        }
    }

    fn binary(&self, op: BinaryOp, l: PExpr, r: PExpr, whole: &Expr) -> Result<PExpr> {
        use BinaryOp::*;
        let mismatch = |l: &PExpr, r: &PExpr| {
            EngineError::analysis(
                "DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                format!(
                    "Cannot resolve \"{}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\").",
                    whole.pretty(),
                    types::sql_name(&l.ty),
                    types::sql_name(&r.ty)
                ),
                "42K09",
            )
        };
        match op {
            And | Or => {
                let lb = if l.ty == DataType::Boolean { l } else { l.cast(DataType::Boolean) };
                let rb = if r.ty == DataType::Boolean { r } else { r.cast(DataType::Boolean) };
                Ok(PExpr::new(PKind::Binary(op, Box::new(lb), Box::new(rb)), DataType::Boolean))
            }
            Concat => Ok(PExpr::new(
                PKind::Scalar { func: functions::ScalarFn::Concat, args: vec![l.cast(DataType::Utf8), r.cast(DataType::Utf8)] },
                DataType::Utf8,
            )),
            Eq | NotEq | EqNullSafe | Lt | LtEq | Gt | GtEq => {
                let ty = comparison_type(&l.ty, &r.ty).ok_or_else(|| mismatch(&l, &r))?;
                Ok(PExpr::new(
                    PKind::Binary(op, Box::new(l.cast(ty.clone())), Box::new(r.cast(ty))),
                    DataType::Boolean,
                ))
            }
            BitAnd | BitOr | BitXor => {
                let ty = wider_numeric(&l.ty, &r.ty).filter(types::is_integral).ok_or_else(|| mismatch(&l, &r))?;
                Ok(PExpr::new(PKind::Binary(op, Box::new(l.cast(ty.clone())), Box::new(r.cast(ty.clone()))), ty))
            }
            Add | Sub | Mul | Div | IntDiv | Mod => arithmetic(op, l, r, mismatch),
        }
    }
}

/// Arithmetic `l op r` with Spark's implicit casts and result type (also
/// the `try_` functions' typing); `mismatch` reports incompatible operands.
pub fn arithmetic(op: BinaryOp, l: PExpr, r: PExpr, mismatch: impl Fn(&PExpr, &PExpr) -> EngineError) -> Result<PExpr> {
    use BinaryOp::*;
    // Date arithmetic with intervals.
    if (op == Add || op == Sub) && types::is_timestamp(&l.ty) && matches!(r.ty, DataType::Duration(_)) {
        let ty = l.ty.clone();
        return Ok(PExpr::new(PKind::Binary(op, Box::new(l), Box::new(r)), ty));
    }
    if op == Add && matches!(l.ty, DataType::Duration(_)) && types::is_timestamp(&r.ty) {
        let ty = r.ty.clone();
        return Ok(PExpr::new(PKind::Binary(op, Box::new(r), Box::new(l)), ty));
    }
    let (l, r) = string_to_numeric(l, r);
    if !(types::is_numeric(&l.ty) || l.ty == DataType::Null) || !(types::is_numeric(&r.ty) || r.ty == DataType::Null) {
        return Err(mismatch(&l, &r));
    }
    let lt = if l.ty == DataType::Null { r.ty.clone() } else { l.ty.clone() };
    let rt = if r.ty == DataType::Null { lt.clone() } else { r.ty.clone() };
    let lt = if lt == DataType::Null { DataType::Int32 } else { lt };
    let rt = if rt == DataType::Null { DataType::Int32 } else { rt };
    if let (Some(ld), Some(rd)) = (as_decimal(&lt), as_decimal(&rt)) {
        if matches!(lt, DataType::Decimal128(..)) || matches!(rt, DataType::Decimal128(..)) {
            // An integer literal beside a decimal takes the fewest digits it
            // needs (Spark's DecimalType.fromLiteral): `d / 3` divides by a
            // DECIMAL(1,0).
            let literal_digits = |e: &PExpr| match e.as_literal() {
                Some(Lit::Int(v)) => Some((v.unsigned_abs().to_string().len() as u8, 0i8)),
                Some(Lit::Long(v)) => Some((v.unsigned_abs().to_string().len() as u8, 0i8)),
                _ => None,
            };
            let ld = if matches!(lt, DataType::Decimal128(..)) { ld } else { literal_digits(&l).unwrap_or(ld) };
            let rd = if matches!(rt, DataType::Decimal128(..)) { rd } else { literal_digits(&r).unwrap_or(rd) };
            let out = decimal_result(op, ld, rd);
            let (operand, result) = match op {
                IntDiv => (DataType::Decimal128(38, 18), DataType::Int64),
                _ => (out.clone(), out),
            };
            // Operands are widened to the result's scale for evaluation.
            return Ok(PExpr::new(
                PKind::Binary(op, Box::new(l.cast(DataType::Decimal128(ld.0, ld.1))), Box::new(r.cast(DataType::Decimal128(rd.0, rd.1)))),
                if matches!(op, IntDiv) { result } else { operand },
            ));
        }
    }
    let wide = wider_numeric(&lt, &rt).ok_or_else(|| mismatch(&l, &r))?;
    let (operand, result) = match op {
        Div => (DataType::Float64, DataType::Float64),
        IntDiv => (DataType::Int64, DataType::Int64),
        _ => (wide.clone(), wide),
    };
    Ok(PExpr::new(PKind::Binary(op, Box::new(l.cast(operand.clone())), Box::new(r.cast(operand))), result))
}

/// Under ANSI, a string in arithmetic becomes a number: bigint beside an
/// integral operand, double otherwise.
fn string_to_numeric(l: PExpr, r: PExpr) -> (PExpr, PExpr) {
    let target = |other: &DataType| {
        if types::is_integral(other) {
            DataType::Int64
        } else if matches!(other, DataType::Decimal128(..)) {
            DataType::Float64
        } else {
            DataType::Float64
        }
    };
    match (&l.ty, &r.ty) {
        (DataType::Utf8, DataType::Utf8) => (l.cast(DataType::Float64), r.cast(DataType::Float64)),
        (DataType::Utf8, o) => {
            let t = target(o);
            (l.cast(t), r)
        }
        (o, DataType::Utf8) => {
            let t = target(o);
            (l, r.cast(t))
        }
        _ => (l, r),
    }
}

/// Precision and scale of a type as a decimal, for decimal arithmetic.
fn as_decimal(t: &DataType) -> Option<(u8, i8)> {
    match t {
        DataType::Decimal128(p, s) => Some((*p, *s)),
        DataType::Int8 => Some((3, 0)),
        DataType::Int16 => Some((5, 0)),
        DataType::Int32 => Some((10, 0)),
        DataType::Int64 => Some((20, 0)),
        _ => None,
    }
}

/// Spark's result type for decimal arithmetic (DecimalPrecision), with
/// precision loss allowed as by default.
fn decimal_result(op: BinaryOp, (p1, s1): (u8, i8), (p2, s2): (u8, i8)) -> DataType {
    let (p1, s1, p2, s2) = (p1 as i32, s1 as i32, p2 as i32, s2 as i32);
    let (p, s) = match op {
        BinaryOp::Add | BinaryOp::Sub => {
            let s = s1.max(s2);
            (s + (p1 - s1).max(p2 - s2) + 1, s)
        }
        BinaryOp::Mul => (p1 + p2 + 1, s1 + s2),
        BinaryOp::Div => {
            let s = 6.max(s1 + p2 + 1);
            (p1 - s1 + s2 + s, s)
        }
        BinaryOp::Mod => {
            let s = s1.max(s2);
            ((p1 - s1).min(p2 - s2) + s, s)
        }
        _ => (38, 18),
    };
    adjust_precision(p, s)
}

fn adjust_precision(p: i32, s: i32) -> DataType {
    if p <= 38 {
        return DataType::Decimal128(p.max(1) as u8, s as i8);
    }
    let int_digits = p - s;
    let min_scale = s.min(6);
    let s = (38 - int_digits).max(min_scale);
    DataType::Decimal128(38, s as i8)
}

fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Decimal128(..) => 5,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

/// The wider of two numeric types (int + long = long, int + double = double).
pub fn wider_numeric(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return numeric_rank(a).map(|_| a.clone());
    }
    if let (DataType::Decimal128(..), _) | (_, DataType::Decimal128(..)) = (a, b) {
        if let (Some(x), Some(y)) = (as_decimal(a), as_decimal(b)) {
            let s = x.1.max(y.1) as i32;
            let int = (x.0 as i32 - x.1 as i32).max(y.0 as i32 - y.1 as i32);
            return Some(adjust_precision(int + s, s));
        }
    }
    // ANSI: int or bigint with float widen to double (float cannot hold them).
    if matches!((a, b), (DataType::Float32, DataType::Int32 | DataType::Int64) | (DataType::Int32 | DataType::Int64, DataType::Float32)) {
        return Some(DataType::Float64);
    }
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    Some(if ra >= rb { a.clone() } else { b.clone() })
}

/// The type both sides of a comparison are cast to.
fn comparison_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, o) | (o, DataType::Null) => Some(o.clone()),
        (DataType::Utf8, o) | (o, DataType::Utf8) => Some(match o {
            t if types::is_integral(t) => DataType::Int64,
            DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => DataType::Float64,
            other => other.clone(),
        }),
        (DataType::Date32, t) | (t, DataType::Date32) if types::is_timestamp(t) => Some(t.clone()),
        _ => wider_numeric(a, b),
    }
}

/// The common type of several values (CASE branches, coalesce, array).
pub fn common_type_of<'a>(types_: impl Iterator<Item = &'a DataType>) -> Option<DataType> {
    let mut acc: Option<DataType> = None;
    for t in types_ {
        acc = Some(match acc {
            None => t.clone(),
            Some(a) if &a == t => a,
            Some(DataType::Null) => t.clone(),
            Some(a) if t == &DataType::Null => a,
            Some(a) => match (&a, t) {
                // Structs with the same field names and arrays widen field by field.
                (DataType::Struct(fa), DataType::Struct(fb))
                    if fa.len() == fb.len() && fa.iter().zip(fb.iter()).all(|(x, y)| x.name().eq_ignore_ascii_case(y.name())) =>
                {
                    let mut fields = Vec::new();
                    for (x, y) in fa.iter().zip(fb.iter()) {
                        fields.push((x.name().clone(), common_type_of([x.data_type(), y.data_type()].into_iter())?));
                    }
                    types::struct_of(fields)
                }
                (DataType::List(ea), DataType::List(eb)) => types::array_of(common_type_of([ea.data_type(), eb.data_type()].into_iter())?),
                (DataType::Utf8, _) | (_, DataType::Utf8) => DataType::Utf8,
                (DataType::Date32, x) | (x, DataType::Date32) if types::is_timestamp(x) => x.clone(),
                _ => wider_numeric(&a, t)?,
            },
        });
    }
    acc
}

/// Casts Spark refuses at analysis time.
fn check_cast(from: &DataType, to: &DataType, e: &Expr) -> Result<()> {
    let ok = match (from, to) {
        (a, b) if a == b => true,
        (DataType::Null, _) => true,
        (_, DataType::Utf8) => true,
        (DataType::Utf8, _) => !matches!(to, DataType::Struct(_) | DataType::Map(..) | DataType::List(_)),
        (a, b) if types::is_numeric(a) && types::is_numeric(b) => true,
        (DataType::Boolean, b) | (b, DataType::Boolean) if types::is_numeric(b) => true,
        (DataType::Date32, t) | (t, DataType::Date32) if types::is_timestamp(t) => true,
        (a, b) if types::is_timestamp(a) && types::is_timestamp(b) => true,
        (a, b) if types::is_timestamp(a) && types::is_numeric(b) => true,
        (a, b) if types::is_numeric(a) && types::is_timestamp(b) => true,
        (DataType::List(a), DataType::List(b)) => check_cast(a.data_type(), b.data_type(), e).is_ok(),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(EngineError::analysis(
            "DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
            format!(
                "Cannot resolve \"{}\" due to data type mismatch: cannot cast \"{}\" to \"{}\".",
                e.pretty(),
                types::sql_name(from),
                types::sql_name(to)
            ),
            "42K09",
        ))
    }
}
