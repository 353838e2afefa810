//! Column expressions: `Expr` is what a script builds (`col("x") + 1`,
//! `F.length("value")`, a SQL string), not yet tied to any DataFrame;
//! `PExpr` is the same expression resolved against a schema: typed, with
//! columns as indexes, ready to evaluate on a batch.

use arrow::datatypes::DataType;

use crate::display::java_double_to_string;
use crate::types;

/// A literal value.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Double(f64),
    Str(String),
    /// unscaled value, precision, scale
    Decimal(i128, u8, i8),
    /// days since the epoch
    Date(i32),
    /// micros since the epoch (UTC)
    Timestamp(i64),
    /// a day-time interval in micros, with the text Spark names it by
    /// (`INTERVAL '01' MINUTE`)
    Interval(i64, String),
}

impl Lit {
    pub fn data_type(&self) -> DataType {
        match self {
            Lit::Null => DataType::Null,
            Lit::Bool(_) => DataType::Boolean,
            Lit::Int(_) => DataType::Int32,
            Lit::Long(_) => DataType::Int64,
            Lit::Double(_) => DataType::Float64,
            Lit::Str(_) => DataType::Utf8,
            Lit::Decimal(_, p, s) => DataType::Decimal128(*p, *s),
            Lit::Date(_) => DataType::Date32,
            Lit::Timestamp(_) => types::timestamp(),
            Lit::Interval(_, _) => types::day_time_interval(),
        }
    }

    /// How the literal appears in a generated column name.
    pub fn pretty(&self) -> String {
        match self {
            Lit::Null => "NULL".into(),
            Lit::Bool(b) => b.to_string(),
            Lit::Int(i) => i.to_string(),
            Lit::Long(i) => i.to_string(),
            Lit::Double(d) => java_double_to_string(*d),
            Lit::Str(s) => s.clone(),
            Lit::Decimal(v, _, s) => decimal_text(*v, *s),
            Lit::Date(d) => format!("DATE '{}'", date_text(*d)),
            Lit::Timestamp(t) => format!("TIMESTAMP '{}'", timestamp_text(*t)),
            Lit::Interval(_, name) => name.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// SQL `div`: integral division
    IntDiv,
    Mod,
    Eq,
    NotEq,
    /// `<=>`
    EqNullSafe,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    BitAnd,
    BitOr,
    BitXor,
    /// `||` string concatenation
    Concat,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::IntDiv => "div",
            BinaryOp::Mod => "%",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "!=",
            BinaryOp::EqNullSafe => "<=>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::Concat => "||",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::EqNullSafe
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    pub fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::IntDiv | BinaryOp::Mod
        )
    }
}

/// An unresolved column expression, as a script builds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A column by name; dotted names (`window.start`, `a.x`) are split.
    Column(Vec<String>),
    /// A column bound to a DataFrame's attribute (`df.value`, `df["x"]`).
    Attr { id: u64, name: String },
    /// `*` or `alias.*`
    Star(Option<String>),
    Literal(Lit),
    Alias(Box<Expr>, String),
    Not(Box<Expr>),
    /// SQL's unary minus, named `(- x)`
    Neg(Box<Expr>),
    /// SQL's unary plus, named `(+ x)`
    Pos(Box<Expr>),
    IsNull(Box<Expr>),
    IsNotNull(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Cast { expr: Box<Expr>, to: DataType, try_: bool },
    Case { branches: Vec<(Expr, Expr)>, otherwise: Option<Box<Expr>> },
    In { expr: Box<Expr>, list: Vec<Expr> },
    /// `LIKE` / `RLIKE` / `ILIKE`
    Like { expr: Box<Expr>, pattern: Box<Expr>, kind: LikeKind, negated: bool },
    /// A function call by name: scalar, aggregate or generator.
    Call { name: String, args: Vec<Expr>, distinct: bool },
    /// `a[i]`, `m[k]`, `getItem`.
    Extract { expr: Box<Expr>, key: Box<Expr> },
    /// `getField("f")` or `s.f` on a struct.
    Field { expr: Box<Expr>, name: String },
    /// A sort key: `asc`/`desc` with the nulls order.
    Sort { expr: Box<Expr>, asc: bool, nulls_first: bool },
    /// A lambda's variable (`x` in `x -> x + 1`; PySpark's placeholders).
    LambdaVar(String),
    /// A lambda function, as an argument of a higher-order function call.
    Lambda { params: Vec<String>, body: Box<Expr> },
    /// A user-defined function (a Python UDF) applied to columns.
    Udf { udf: UdfRef, args: Vec<Expr> },
}

/// A row-at-a-time function the host language defines (a Python UDF):
/// evaluation hands it the argument columns and takes back its result.
pub trait RowUdf: std::fmt::Debug {
    /// The name Spark shows (`shout`, `<lambda>`).
    fn name(&self) -> &str;
    fn return_type(&self) -> &DataType;
    /// The result for each of the `n` rows of `args`.
    fn call(&self, args: &[arrow::array::ArrayRef], n: usize) -> crate::error::Result<arrow::array::ArrayRef>;
}

/// A shared UDF; two references are equal when they are the same UDF.
#[derive(Clone, Debug)]
pub struct UdfRef(pub std::rc::Rc<dyn RowUdf>);

impl PartialEq for UdfRef {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LikeKind {
    Like,
    ILike,
    RLike,
}

impl Expr {
    pub fn col(name: &str) -> Expr {
        Expr::Column(split_name(name))
    }

    pub fn lit(l: Lit) -> Expr {
        Expr::Literal(l)
    }

    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        Expr::Call { name: name.to_string(), args, distinct: false }
    }

    pub fn binary(op: BinaryOp, l: Expr, r: Expr) -> Expr {
        Expr::Binary(op, Box::new(l), Box::new(r))
    }

    pub fn alias(self, name: &str) -> Expr {
        Expr::Alias(Box::new(self.strip_alias()), name.to_string())
    }

    /// The expression under any alias.
    pub fn strip_alias(self) -> Expr {
        match self {
            Expr::Alias(e, _) => e.strip_alias(),
            e => e,
        }
    }

    /// Whether any aggregate function call is inside.
    pub fn contains_agg(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if let Expr::Call { name, .. } = e {
                if super::functions::is_aggregate(name) {
                    found = true;
                }
            }
        });
        found
    }

    /// Whether a generator (`explode`...) is inside.
    pub fn contains_generator(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| {
            if let Expr::Call { name, .. } = e {
                if super::functions::is_generator(name) {
                    found = true;
                }
            }
        });
        found
    }

    /// Calls `f` on this expression and every sub-expression.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Column(_) | Expr::Attr { .. } | Expr::Star(_) | Expr::Literal(_) | Expr::LambdaVar(_) => {}
            Expr::Lambda { body, .. } => body.visit(f),
            Expr::Udf { args, .. } => args.iter().for_each(|e| e.visit(f)),
            Expr::Alias(e, _)
            | Expr::Not(e)
            | Expr::Neg(e)
            | Expr::Pos(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::Field { expr: e, .. }
            | Expr::Sort { expr: e, .. }
            | Expr::Cast { expr: e, .. } => e.visit(f),
            Expr::Binary(_, l, r) => {
                l.visit(f);
                r.visit(f);
            }
            Expr::Case { branches, otherwise } => {
                for (c, v) in branches {
                    c.visit(f);
                    v.visit(f);
                }
                if let Some(o) = otherwise {
                    o.visit(f);
                }
            }
            Expr::In { expr, list } => {
                expr.visit(f);
                list.iter().for_each(|e| e.visit(f));
            }
            Expr::Like { expr, pattern, .. } => {
                expr.visit(f);
                pattern.visit(f);
            }
            Expr::Call { args, .. } => args.iter().for_each(|e| e.visit(f)),
            Expr::Extract { expr, key } => {
                expr.visit(f);
                key.visit(f);
            }
        }
    }

    /// Rebuilds the expression bottom-up through `f`.
    pub fn transform(self, f: &mut dyn FnMut(Expr) -> Expr) -> Expr {
        let b = |e: Box<Expr>, f: &mut dyn FnMut(Expr) -> Expr| Box::new(e.transform(f));
        let e = match self {
            Expr::Alias(e, n) => Expr::Alias(b(e, f), n),
            Expr::Not(e) => Expr::Not(b(e, f)),
            Expr::Neg(e) => Expr::Neg(b(e, f)),
            Expr::Pos(e) => Expr::Pos(b(e, f)),
            Expr::IsNull(e) => Expr::IsNull(b(e, f)),
            Expr::IsNotNull(e) => Expr::IsNotNull(b(e, f)),
            Expr::Field { expr, name } => Expr::Field { expr: b(expr, f), name },
            Expr::Sort { expr, asc, nulls_first } => Expr::Sort { expr: b(expr, f), asc, nulls_first },
            Expr::Cast { expr, to, try_ } => Expr::Cast { expr: b(expr, f), to, try_ },
            Expr::Binary(op, l, r) => Expr::Binary(op, b(l, f), b(r, f)),
            Expr::Case { branches, otherwise } => Expr::Case {
                branches: branches.into_iter().map(|(c, v)| (c.transform(f), v.transform(f))).collect(),
                otherwise: otherwise.map(|o| b(o, f)),
            },
            Expr::In { expr, list } => Expr::In {
                expr: b(expr, f),
                list: list.into_iter().map(|e| e.transform(f)).collect(),
            },
            Expr::Like { expr, pattern, kind, negated } => {
                Expr::Like { expr: b(expr, f), pattern: b(pattern, f), kind, negated }
            }
            Expr::Call { name, args, distinct } => Expr::Call {
                name,
                args: args.into_iter().map(|e| e.transform(f)).collect(),
                distinct,
            },
            Expr::Extract { expr, key } => Expr::Extract { expr: b(expr, f), key: b(key, f) },
            Expr::Lambda { params, body } => Expr::Lambda { params, body: b(body, f) },
            Expr::Udf { udf, args } => Expr::Udf { udf, args: args.into_iter().map(|e| e.transform(f)).collect() },
            leaf => leaf,
        };
        f(e)
    }

    /// The column name Spark generates for this expression when it has no
    /// alias (Spark's `toPrettySQL`): `length(value)`, `(n + 1)`,
    /// `CASE WHEN ... END`, `count(1)`.
    pub fn pretty(&self) -> String {
        match self {
            Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
            Expr::Attr { name, .. } => name.clone(),
            Expr::Star(None) => "*".into(),
            Expr::Star(Some(q)) => format!("{q}.*"),
            Expr::Literal(l) => l.pretty(),
            Expr::Alias(_, n) => n.clone(),
            Expr::Not(e) => format!("(NOT {})", e.pretty()),
            Expr::Neg(e) => format!("(- {})", e.pretty()),
            Expr::Pos(e) => format!("(+ {})", e.pretty()),
            Expr::IsNull(e) => format!("({} IS NULL)", e.pretty()),
            Expr::IsNotNull(e) => format!("({} IS NOT NULL)", e.pretty()),
            Expr::Binary(BinaryOp::NotEq, l, r) => format!("(NOT ({} = {}))", l.pretty(), r.pretty()),
            Expr::Binary(BinaryOp::Concat, l, r) => format!("concat({}, {})", l.pretty(), r.pretty()),
            // A timestamp plus or minus an interval literal is Spark's TimeAdd /
            // DatetimeSub, named without parentheses.
            Expr::Binary(op @ (BinaryOp::Add | BinaryOp::Sub), l, r)
                if matches!(**r, Expr::Literal(Lit::Interval(..))) != matches!(**l, Expr::Literal(Lit::Interval(..)))
                    && (*op == BinaryOp::Add || matches!(**r, Expr::Literal(Lit::Interval(..)))) =>
            {
                format!("{} {} {}", l.pretty(), op.symbol(), r.pretty())
            }
            Expr::Binary(op, l, r) => format!("({} {} {})", l.pretty(), op.symbol(), r.pretty()),
            Expr::Cast { expr, to, try_ } => {
                format!("{}({} AS {})", if *try_ { "TRY_CAST" } else { "CAST" }, expr.pretty(), types::sql_name(to))
            }
            Expr::Case { branches, otherwise } => {
                let mut s = String::from("CASE");
                for (c, v) in branches {
                    s += &format!(" WHEN {} THEN {}", c.pretty(), v.pretty());
                }
                if let Some(o) = otherwise {
                    s += &format!(" ELSE {}", o.pretty());
                }
                s + " END"
            }
            Expr::In { expr, list } => format!(
                "({} IN ({}))",
                expr.pretty(),
                list.iter().map(|e| e.pretty()).collect::<Vec<_>>().join(", ")
            ),
            Expr::Like { expr, pattern, kind, negated } => {
                let s = match kind {
                    LikeKind::Like => format!("{} LIKE {}", expr.pretty(), pattern.pretty()),
                    LikeKind::ILike => format!("ilike({}, {})", expr.pretty(), pattern.pretty()),
                    LikeKind::RLike => format!("RLIKE({}, {})", expr.pretty(), pattern.pretty()),
                };
                if *negated {
                    format!("(NOT {s})")
                } else {
                    s
                }
            }
            Expr::Call { name, args, distinct } => super::functions::pretty_call(name, args, *distinct),
            Expr::Extract { expr, key } => format!("{}[{}]", expr.pretty(), key.pretty()),
            Expr::Field { expr, name } => format!("{}.{}", expr.pretty(), name),
            Expr::Sort { expr, asc, nulls_first } => format!(
                "{} {} NULLS {}",
                expr.pretty(),
                if *asc { "ASC" } else { "DESC" },
                if *nulls_first { "FIRST" } else { "LAST" }
            ),
            // Resolved lambda variables print without their names.
            Expr::LambdaVar(_) => "namedlambdavariable()".into(),
            Expr::Lambda { params, body } => format!(
                "lambdafunction({}{})",
                body.pretty(),
                ", namedlambdavariable()".repeat(params.len())
            ),
            Expr::Udf { udf, args } => format!(
                "{}({})",
                udf.0.name(),
                args.iter().map(|a| a.pretty()).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// A bare column reference (whose name a cast keeps).
    pub fn is_named_column(&self) -> bool {
        matches!(self, Expr::Column(_) | Expr::Attr { .. } | Expr::Alias(..) | Expr::Field { .. })
    }
}

/// A decimal's unscaled value written with its scale (`1.50`).
pub fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return v.to_string();
    }
    let neg = v < 0;
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = if digits.len() <= scale { format!("{}{}", "0".repeat(scale + 1 - digits.len()), digits) } else { digits };
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{}{}.{}", if neg { "-" } else { "" }, int, frac)
}

/// Days since the epoch as `yyyy-MM-dd`.
pub fn date_text(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(days as i64)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| days.to_string())
}

/// Wall-clock micros as `yyyy-MM-dd HH:mm:ss[.ffffff]`.
pub fn timestamp_text(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(dt) => {
            let base = dt.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
            if frac == 0 {
                base
            } else {
                let f = format!("{frac:06}");
                format!("{base}.{}", f.trim_end_matches('0'))
            }
        }
        None => micros.to_string(),
    }
}

/// Splits `a.b` into parts, honouring backticks (`` `a.b`.c ``).
pub fn split_name(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_tick = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if in_tick && chars.peek() == Some(&'`') => {
                cur.push('`');
                chars.next();
            }
            '`' => in_tick = !in_tick,
            '.' if !in_tick => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

/// A resolved expression: typed, its columns bound to input positions.
#[derive(Clone, Debug, PartialEq)]
pub struct PExpr {
    pub kind: PKind,
    pub ty: DataType,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PKind {
    Column(usize),
    Literal(Lit),
    Not(Box<PExpr>),
    Negate(Box<PExpr>),
    IsNull(Box<PExpr>),
    IsNotNull(Box<PExpr>),
    Binary(BinaryOp, Box<PExpr>, Box<PExpr>),
    /// A cast to `ty`; `try_` gives NULL instead of failing.
    Cast { expr: Box<PExpr>, try_: bool },
    Case { branches: Vec<(PExpr, PExpr)>, otherwise: Option<Box<PExpr>> },
    In { expr: Box<PExpr>, list: Vec<PExpr> },
    Like { expr: Box<PExpr>, pattern: Box<PExpr>, kind: LikeKind, negated: bool },
    Scalar { func: super::functions::ScalarFn, args: Vec<PExpr> },
    /// A struct's field by position.
    GetField(Box<PExpr>, usize),
    /// The value of the lambda variable bound at this slot (see eval::lambda).
    LambdaVar(usize),
    /// A higher-order function: `transform`, `filter`, `aggregate`...
    HigherOrder { func: HigherOrderFn, args: Vec<PExpr>, lambdas: Vec<PLambda> },
    /// A Python UDF over its argument columns.
    Udf { udf: UdfRef, args: Vec<PExpr> },
}

/// Higher-order functions over arrays and maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HigherOrderFn {
    Transform,
    Filter,
    Exists,
    Forall,
    /// `aggregate`/`reduce`: args are the array and the zero; lambdas the
    /// merge and the finish.
    Aggregate,
    ZipWith,
    MapFilter,
    TransformKeys,
    TransformValues,
}

/// A resolved lambda: its variables are bound at slots `first_slot..`
/// (one slot per enclosing lambda variable before them).
#[derive(Clone, Debug, PartialEq)]
pub struct PLambda {
    pub first_slot: usize,
    pub arity: usize,
    pub body: Box<PExpr>,
}

impl PExpr {
    pub fn new(kind: PKind, ty: DataType) -> Self {
        PExpr { kind, ty }
    }

    /// The expressions directly under this one.
    pub fn children(&self) -> Vec<&PExpr> {
        match &self.kind {
            PKind::Column(_) | PKind::Literal(_) => vec![],
            PKind::Not(x) | PKind::Negate(x) | PKind::IsNull(x) | PKind::IsNotNull(x) | PKind::GetField(x, _) => vec![x],
            PKind::Cast { expr, .. } => vec![expr],
            PKind::Binary(_, l, r) => vec![l, r],
            PKind::Case { branches, otherwise } => {
                let mut out: Vec<&PExpr> = branches.iter().flat_map(|(c, v)| [c, v]).collect();
                out.extend(otherwise.as_deref());
                out
            }
            PKind::In { expr, list } => std::iter::once(expr.as_ref()).chain(list).collect(),
            PKind::Like { expr, pattern, .. } => vec![expr, pattern],
            PKind::Scalar { args, .. } | PKind::Udf { args, .. } => args.iter().collect(),
            PKind::LambdaVar(_) => vec![],
            PKind::HigherOrder { args, lambdas, .. } => args.iter().chain(lambdas.iter().map(|l| l.body.as_ref())).collect(),
        }
    }

    /// Marks the input columns this expression reads.
    pub fn mark_columns(&self, used: &mut [bool]) {
        if let PKind::Column(i) = self.kind {
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
        }
        for c in self.children() {
            c.mark_columns(used);
        }
    }

    pub fn column(index: usize, ty: DataType) -> Self {
        PExpr { kind: PKind::Column(index), ty }
    }

    pub fn literal(l: Lit) -> Self {
        let ty = l.data_type();
        PExpr { kind: PKind::Literal(l), ty }
    }

    pub fn cast(self, to: DataType) -> Self {
        if self.ty == to {
            return self;
        }
        PExpr { kind: PKind::Cast { expr: Box::new(self), try_: false }, ty: to }
    }

    /// The literal value, when the expression is one.
    pub fn as_literal(&self) -> Option<&Lit> {
        match &self.kind {
            PKind::Literal(l) => Some(l),
            _ => None,
        }
    }

    /// Column indexes this expression reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        match &self.kind {
            PKind::Column(i) => out.push(*i),
            PKind::Literal(_) => {}
            PKind::Not(e) | PKind::Negate(e) | PKind::IsNull(e) | PKind::IsNotNull(e) | PKind::GetField(e, _) => {
                e.columns(out)
            }
            PKind::Cast { expr, .. } => expr.columns(out),
            PKind::Binary(_, l, r) => {
                l.columns(out);
                r.columns(out);
            }
            PKind::Case { branches, otherwise } => {
                for (c, v) in branches {
                    c.columns(out);
                    v.columns(out);
                }
                if let Some(o) = otherwise {
                    o.columns(out);
                }
            }
            PKind::In { expr, list } => {
                expr.columns(out);
                list.iter().for_each(|e| e.columns(out));
            }
            PKind::Like { expr, pattern, .. } => {
                expr.columns(out);
                pattern.columns(out);
            }
            PKind::Scalar { args, .. } | PKind::Udf { args, .. } => args.iter().for_each(|e| e.columns(out)),
            PKind::LambdaVar(_) => {}
            PKind::HigherOrder { args, lambdas, .. } => {
                args.iter().for_each(|e| e.columns(out));
                lambdas.iter().for_each(|l| l.body.columns(out));
            }
        }
    }

    /// Rewrites column indexes through `map` (old index -> new index).
    pub fn remap_columns(&mut self, map: &dyn Fn(usize) -> usize) {
        match &mut self.kind {
            PKind::Column(i) => *i = map(*i),
            PKind::Literal(_) => {}
            PKind::Not(e) | PKind::Negate(e) | PKind::IsNull(e) | PKind::IsNotNull(e) | PKind::GetField(e, _) => {
                e.remap_columns(map)
            }
            PKind::Cast { expr, .. } => expr.remap_columns(map),
            PKind::Binary(_, l, r) => {
                l.remap_columns(map);
                r.remap_columns(map);
            }
            PKind::Case { branches, otherwise } => {
                for (c, v) in branches {
                    c.remap_columns(map);
                    v.remap_columns(map);
                }
                if let Some(o) = otherwise {
                    o.remap_columns(map);
                }
            }
            PKind::In { expr, list } => {
                expr.remap_columns(map);
                list.iter_mut().for_each(|e| e.remap_columns(map));
            }
            PKind::Like { expr, pattern, .. } => {
                expr.remap_columns(map);
                pattern.remap_columns(map);
            }
            PKind::Scalar { args, .. } | PKind::Udf { args, .. } => args.iter_mut().for_each(|e| e.remap_columns(map)),
            PKind::LambdaVar(_) => {}
            PKind::HigherOrder { args, lambdas, .. } => {
                args.iter_mut().for_each(|e| e.remap_columns(map));
                lambdas.iter_mut().for_each(|l| l.body.remap_columns(map));
            }
        }
    }
}
