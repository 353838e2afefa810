//! Logical plans and the DataFrame operations that build them. Every
//! operation resolves its expressions at once, as PySpark does, so a
//! misspelt column fails on the line that names it.

use std::sync::Arc;

use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

use super::expr::{Expr, Lit, PExpr, PKind};
use super::functions;
use super::resolve::{output_name, resolve, unresolved_column};
use super::schema::{fresh_id, Attribute, Schema};
use crate::error::{EngineError, Result};
use crate::types;

/// An aggregate function over a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    CollectList,
    CollectSet,
    ApproxCountDistinct,
    CountIf,
    BoolAnd,
    BoolOr,
    /// `max_by(x, ord)` / `min_by`: the argument is `struct(x, ord)`.
    MaxBy,
    MinBy,
    Product,
    VarSamp,
    VarPop,
    StddevSamp,
    StddevPop,
    Skewness,
    Kurtosis,
    /// `covar_pop(x, y)`, `covar_samp`, `corr`: the argument is `struct(x, y)` of doubles.
    CovarPop,
    CovarSamp,
    Corr,
    /// `percentile(x, p)` and `median(x)` (p = 0.5): exact, interpolated.
    Percentile,
    /// `percentile_approx(x, p)`: an element of the input.
    PercentileApprox,
    Mode,
}

/// The aggregate function a (canonical) name stands for.
pub fn agg_func_of(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "first" | "first_value" | "any_value" => AggFunc::First,
        "last" | "last_value" => AggFunc::Last,
        "collect_list" | "array_agg" => AggFunc::CollectList,
        "collect_set" => AggFunc::CollectSet,
        "approx_count_distinct" => AggFunc::ApproxCountDistinct,
        "count_if" => AggFunc::CountIf,
        "bool_and" | "every" => AggFunc::BoolAnd,
        "bool_or" | "some" | "any" => AggFunc::BoolOr,
        "max_by" => AggFunc::MaxBy,
        "min_by" => AggFunc::MinBy,
        "product" => AggFunc::Product,
        "var_samp" | "variance" => AggFunc::VarSamp,
        "var_pop" => AggFunc::VarPop,
        "stddev" | "std" | "stddev_samp" => AggFunc::StddevSamp,
        "stddev_pop" => AggFunc::StddevPop,
        "skewness" => AggFunc::Skewness,
        "kurtosis" => AggFunc::Kurtosis,
        "covar_pop" => AggFunc::CovarPop,
        "covar_samp" => AggFunc::CovarSamp,
        "corr" => AggFunc::Corr,
        "percentile" | "median" => AggFunc::Percentile,
        "percentile_approx" | "approx_percentile" => AggFunc::PercentileApprox,
        "mode" => AggFunc::Mode,
        _ => return None,
    })
}

#[derive(Clone, Debug)]
pub struct AggCall {
    pub func: AggFunc,
    /// None for `count(1)` / `count(*)`.
    pub arg: Option<PExpr>,
    pub distinct: bool,
    pub ty: DataType,
    /// first/last: skip NULLs.
    pub ignore_nulls: bool,
    /// percentile/percentile_approx: the percentages, and whether the
    /// result is an array (the percentage argument was one).
    pub percentages: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct SortKey {
    pub expr: PExpr,
    pub asc: bool,
    pub nulls_first: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    LeftOuter,
    RightOuter,
    FullOuter,
    LeftSemi,
    LeftAnti,
    Cross,
}

impl JoinKind {
    /// Spark's accepted spellings of join types.
    pub fn parse(s: &str) -> Option<JoinKind> {
        Some(match s.to_ascii_lowercase().replace('_', "").as_str() {
            "inner" => JoinKind::Inner,
            "left" | "leftouter" => JoinKind::LeftOuter,
            "right" | "rightouter" => JoinKind::RightOuter,
            "outer" | "full" | "fullouter" => JoinKind::FullOuter,
            "leftsemi" | "semi" => JoinKind::LeftSemi,
            "leftanti" | "anti" => JoinKind::LeftAnti,
            "cross" => JoinKind::Cross,
            _ => return None,
        })
    }

    /// The name Spark's messages use (`LeftOuter`).
    pub fn spark_name(self) -> &'static str {
        match self {
            JoinKind::Inner => "Inner",
            JoinKind::LeftOuter => "LeftOuter",
            JoinKind::RightOuter => "RightOuter",
            JoinKind::FullOuter => "FullOuter",
            JoinKind::LeftSemi => "LeftSemi",
            JoinKind::LeftAnti => "LeftAnti",
            JoinKind::Cross => "Cross",
        }
    }
}

/// Time windows that `window(...)` assigns rows to.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSpec {
    pub size: i64,
    pub slide: i64,
    pub start: i64,
}

#[derive(Clone, Debug)]
pub enum Node {
    /// A streaming source, by its index in the session's sources.
    Source { id: usize },
    /// A static table (`spark.read`, `createDataFrame`).
    Static { batch: RecordBatch },
    Project { input: Arc<Plan>, exprs: Vec<PExpr> },
    Filter { input: Arc<Plan>, predicate: PExpr },
    /// Input columns followed by the generated ones (`col`, or `pos, col`,
    /// or `key, value`).
    Explode { input: Arc<Plan>, expr: PExpr, outer: bool, position: bool },
    /// Input columns followed by the `window` struct, one row per window
    /// the time falls in.
    TimeWindow { input: Arc<Plan>, time: PExpr, spec: WindowSpec },
    /// Output: the keys, then the aggregates.
    Aggregate { input: Arc<Plan>, keys: Vec<PExpr>, aggs: Vec<AggCall>, session: Option<SessionSpec> },
    Sort { input: Arc<Plan>, keys: Vec<SortKey> },
    Limit { input: Arc<Plan>, n: usize },
    /// `dropDuplicates`; `within_watermark`: `dropDuplicatesWithinWatermark`,
    /// whose keys are forgotten once the watermark passes a row's event time
    /// plus the delay.
    Dedup { input: Arc<Plan>, keys: Vec<usize>, within_watermark: bool },
    Union { inputs: Vec<Arc<Plan>> },
    /// Output: left columns then right columns (semi/anti: left only).
    /// `left_keys`/`right_keys` are equi-join keys; `condition` is what
    /// remains, over left ++ right columns.
    Join {
        left: Arc<Plan>,
        right: Arc<Plan>,
        kind: JoinKind,
        left_keys: Vec<PExpr>,
        right_keys: Vec<PExpr>,
        condition: Option<PExpr>,
    },
    Watermark { input: Arc<Plan>, column: usize, delay_micros: i64 },
}

/// A session window's grouping: the time column and the gap.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSpec {
    /// Position of the session key among the aggregate's keys.
    pub key_index: usize,
    pub gap: i64,
}

/// A plan node and the attributes it outputs.
#[derive(Clone, Debug)]
pub struct Plan {
    pub node: Node,
    pub schema: Schema,
}

impl Plan {
    pub fn children(&self) -> Vec<&Arc<Plan>> {
        match &self.node {
            Node::Source { .. } | Node::Static { .. } => vec![],
            Node::Project { input, .. }
            | Node::Filter { input, .. }
            | Node::Explode { input, .. }
            | Node::TimeWindow { input, .. }
            | Node::Aggregate { input, .. }
            | Node::Sort { input, .. }
            | Node::Limit { input, .. }
            | Node::Dedup { input, .. }
            | Node::Watermark { input, .. } => vec![input],
            Node::Union { inputs } => inputs.iter().collect(),
            Node::Join { left, right, .. } => vec![left, right],
        }
    }

    /// Whether a streaming source is underneath.
    pub fn is_streaming(&self) -> bool {
        matches!(self.node, Node::Source { .. }) || self.children().iter().any(|c| c.is_streaming())
    }

    /// Calls `f` on every node, parents first.
    pub fn walk(&self, f: &mut dyn FnMut(&Plan)) {
        f(self);
        for c in self.children() {
            c.walk(f);
        }
    }
}

/// A DataFrame: a plan and its output attributes.
#[derive(Clone, Debug)]
pub struct DataFrame {
    pub plan: Arc<Plan>,
    pub schema: Schema,
}

impl DataFrame {
    pub fn new(node: Node, schema: Schema) -> Self {
        DataFrame { plan: Arc::new(Plan { node, schema: schema.clone() }), schema }
    }

    pub fn is_streaming(&self) -> bool {
        self.plan.is_streaming()
    }

    fn derive(&self, node: Node, schema: Schema) -> DataFrame {
        DataFrame::new(node, schema)
    }

    /// Expands `*` and `alias.*` into columns.
    fn expand_stars(&self, exprs: Vec<Expr>) -> Result<Vec<Expr>> {
        let mut out = Vec::new();
        for e in exprs {
            match &e {
                Expr::Star(None) => {
                    out.extend(self.schema.attrs.iter().map(|a| Expr::Attr { id: a.id, name: a.name.clone() }))
                }
                Expr::Star(Some(q)) => {
                    let before = out.len();
                    out.extend(
                        self.schema
                            .attrs
                            .iter()
                            .filter(|a| a.qualifier.as_deref().is_some_and(|aq| aq.eq_ignore_ascii_case(q)))
                            .map(|a| Expr::Attr { id: a.id, name: a.name.clone() }),
                    );
                    if out.len() == before {
                        // `struct.*`: the fields of a struct column.
                        let pe = resolve(&Expr::col(q), &self.schema)?;
                        if let DataType::Struct(fields) = &pe.ty {
                            for f in fields.iter() {
                                out.push(Expr::Field { expr: Box::new(Expr::col(q)), name: f.name().clone() }.alias(f.name()));
                            }
                        } else {
                            return Err(EngineError::analysis(
                                "CANNOT_RESOLVE_STAR_EXPAND",
                                format!("Cannot resolve `{q}`.* given input columns {}.", self.column_list()),
                                "42704",
                            ));
                        }
                    }
                }
                _ => out.push(e),
            }
        }
        Ok(out)
    }

    fn column_list(&self) -> String {
        self.schema.attrs.iter().map(|a| format!("`{}`", a.name)).collect::<Vec<_>>().join(", ")
    }

    /// An output attribute for an expression: a plain column keeps its
    /// identity, anything else is new.
    fn attr_for(&self, e: &Expr, pe: &PExpr) -> Attribute {
        let name = match (e, &pe.kind) {
            // `s["f"]` on a struct is a field, named `s.f`.
            (Expr::Extract { expr, key }, PKind::GetField(..)) => match key.as_ref() {
                Expr::Literal(Lit::Str(k)) => format!("{}.{}", expr.pretty(), k),
                _ => output_name(e),
            },
            _ => output_name(e),
        };
        if let PKind::Column(i) = pe.kind {
            let src = &self.schema.attrs[i];
            if !matches!(e, Expr::Alias(..)) {
                return Attribute { name, ..src.clone() };
            }
        }
        Attribute { id: fresh_id(), name, ty: pe.ty.clone(), nullable: true, qualifier: None }
    }

    /// `select(...)`; aggregates make it a global aggregation, a generator
    /// an explode.
    pub fn select(&self, exprs: Vec<Expr>) -> Result<DataFrame> {
        let exprs = self.expand_stars(exprs)?;
        if exprs.iter().any(|e| e.contains_agg()) {
            return self.aggregate(vec![], exprs);
        }
        // Several generators make a cross product (Spark 4): each is
        // applied in turn, the first one outermost.
        let generators: Vec<usize> = exprs.iter().enumerate().filter(|(_, e)| e.contains_generator()).map(|(i, _)| i).collect();
        if let Some(&gi) = generators.first() {
            return self.select_with_generator(exprs, gi);
        }
        let mut pexprs = Vec::new();
        let mut attrs = Vec::new();
        for e in &exprs {
            let pe = resolve(e, &self.schema)?;
            attrs.push(self.attr_for(e, &pe));
            pexprs.push(pe);
        }
        Ok(self.derive(Node::Project { input: self.plan.clone(), exprs: pexprs }, Schema::new(attrs)))
    }

    fn select_with_generator(&self, exprs: Vec<Expr>, gi: usize) -> Result<DataFrame> {
        let (alias, call) = match exprs[gi].clone() {
            Expr::Alias(inner, n) => (Some(n), *inner),
            other => (None, other),
        };
        let (name, args) = match call {
            Expr::Call { name, args, .. } if functions::is_generator(&name) => (functions::canonical(&name), args),
            other => {
                return Err(EngineError::analysis(
                    "UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS",
                    format!("The generator is not supported: nested in expressions \"{}\".", other.pretty()),
                    "42K0E",
                ))
            }
        };
        let aliases: Option<Vec<String>> = alias.map(|a| a.split(MULTI_ALIAS_SEP).map(String::from).collect());
        let arg = args.first().ok_or_else(|| EngineError::python("TypeError", format!("{name}() missing 1 required positional argument: 'col'")))?;
        let outer = name.ends_with("_outer");
        let position = name.starts_with("pos");
        // What is exploded, and the generator's output columns: plain
        // (explode's elements, a map's key and value) or, for the
        // generators of rows, the fields of the exploded struct.
        let mut gen_attrs = Vec::new();
        let mut fields: Option<Vec<String>> = None;
        let pe = match name.as_str() {
            "explode" | "explode_outer" | "posexplode" | "posexplode_outer" => {
                let pe = resolve(arg, &self.schema)?;
                if position {
                    gen_attrs.push(Attribute::new("pos", DataType::Int32, false));
                }
                match &pe.ty {
                    DataType::List(f) => gen_attrs.push(Attribute::new("col", f.data_type().clone(), true)),
                    DataType::Map(entries, _) => {
                        let (k, v) = functions::map_types(entries.data_type());
                        gen_attrs.push(Attribute::new("key", k, false));
                        gen_attrs.push(Attribute::new("value", v, true));
                    }
                    other => return Err(generator_type_error(&exprs[gi], arg, "(\"ARRAY\" or \"MAP\")", other)),
                }
                pe
            }
            "inline" | "inline_outer" => {
                let pe = resolve(arg, &self.schema)?;
                match &pe.ty {
                    DataType::List(f) if matches!(f.data_type(), DataType::Struct(_)) => {
                        if let DataType::Struct(fs) = f.data_type() {
                            fields = Some(fs.iter().map(|f| f.name().clone()).collect());
                        }
                    }
                    other => return Err(generator_type_error(&exprs[gi], arg, "\"ARRAY<STRUCT>\"", other)),
                }
                pe
            }
            "stack" => {
                let n = match args.first() {
                    Some(Expr::Literal(Lit::Int(n))) if *n > 0 => *n as usize,
                    _ => {
                        return Err(EngineError::analysis(
                            "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
                            format!(
                                "Cannot resolve \"{}\" due to data type mismatch: the input `n` should be a foldable \"INT\" expression; however, got \"{}\".",
                                exprs[gi].clone().strip_alias().pretty(),
                                arg.pretty()
                            ),
                            "42K09",
                        ))
                    }
                };
                let values: Vec<PExpr> = args[1..].iter().map(|a| resolve(a, &self.schema)).collect::<Result<_>>()?;
                let cols = values.len().div_ceil(n).max(1);
                // Each column takes its first row's type (past NULLs); the
                // other rows must have it too.
                let mut col_types = Vec::new();
                for c in 0..cols {
                    let vals = &values;
                    let cells = || (0..n).filter_map(move |r| Some((r * cols + c + 1, vals.get(r * cols + c)?)));
                    let ty = cells().map(|(_, v)| v.ty.clone()).find(|t| *t != DataType::Null).unwrap_or(DataType::Null);
                    if let Some((i, bad)) = cells().find(|(_, v)| v.ty != DataType::Null && v.ty != ty) {
                        return Err(EngineError::analysis(
                            "DATATYPE_MISMATCH.STACK_COLUMN_DIFF_TYPES",
                            format!(
                                "Cannot resolve \"{}\" due to data type mismatch: The data type of the column ({c}) do not have the same type: \"{}\" ({}) <> \"{}\" ({i}).",
                                exprs[gi].clone().strip_alias().pretty(),
                                types::sql_name(&ty),
                                c + 1,
                                types::sql_name(&bad.ty)
                            ),
                            "42K09",
                        ));
                    }
                    col_types.push(ty);
                }
                let st = types::struct_of((0..cols).map(|c| (format!("col{c}"), col_types[c].clone())).collect());
                let rows: Vec<PExpr> = (0..n)
                    .map(|r| {
                        let items = (0..cols)
                            .map(|c| match values.get(r * cols + c) {
                                Some(v) => v.clone().cast(col_types[c].clone()),
                                None => PExpr::literal(Lit::Null).cast(col_types[c].clone()),
                            })
                            .collect();
                        PExpr::new(PKind::Scalar { func: functions::ScalarFn::MakeStruct, args: items }, st.clone())
                    })
                    .collect();
                fields = Some((0..cols).map(|c| format!("col{c}")).collect());
                PExpr::new(PKind::Scalar { func: functions::ScalarFn::MakeArray, args: rows }, types::array_of(st))
            }
            "json_tuple" => {
                let json = resolve(arg, &self.schema)?;
                let keys: Vec<PExpr> = args[1..].iter().map(|a| resolve(a, &self.schema)).collect::<Result<_>>()?;
                if keys.is_empty() {
                    return Err(EngineError::analysis(
                        "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                        "The `json_tuple` requires > 1 parameters but the actual number is 1. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix.",
                        "42605",
                    ));
                }
                fields = Some((0..keys.len()).map(|c| format!("c{c}")).collect());
                let row = crate::functions::collections::json_tuple_struct(json, keys);
                let ty = types::array_of(row.ty.clone());
                PExpr::new(PKind::Scalar { func: functions::ScalarFn::MakeArray, args: vec![row] }, ty)
            }
            other => return Err(EngineError::unsupported(format!("the generator `{other}`"))),
        };
        if let Some(fs) = &fields {
            let DataType::List(f) = &pe.ty else { return Err(EngineError::unsupported("a generator of rows over a non-array")) };
            gen_attrs.push(Attribute::new("\u{0}row", f.data_type().clone(), true));
            let _ = fs;
        }
        let outputs: Vec<String> = match &fields {
            Some(fs) => fs.clone(),
            None => gen_attrs.iter().map(|a| a.name.clone()).collect(),
        };
        let names: Vec<String> = match aliases {
            None => outputs.clone(),
            Some(a) if a.len() == outputs.len() => a,
            Some(a) if a.len() == 1 && outputs.len() == 1 => a,
            Some(a) => {
                return Err(EngineError::analysis(
                    "UDTF_ALIAS_NUMBER_MISMATCH",
                    format!(
                        "The number of aliases supplied in the AS clause does not match the number of columns output by the UDTF. Expected {} aliases, but got {}.",
                        outputs.len(),
                        a.join(", ")
                    ),
                    "42802",
                ))
            }
        };
        // The generator's columns get hidden names below the select, so
        // they never clash with the input's (`value` and a map's `value`).
        for a in gen_attrs.iter_mut() {
            a.name = format!("\u{0}gen{}", a.id);
        }
        let mut exploded_schema = self.schema.clone();
        exploded_schema.attrs.extend(gen_attrs.iter().cloned());
        let exploded = self.derive(Node::Explode { input: self.plan.clone(), expr: pe, outer, position }, exploded_schema);
        let outs: Vec<Expr> = match &fields {
            Some(fs) => {
                let row = gen_attrs.last().map(|a| Expr::Attr { id: a.id, name: a.name.clone() }).unwrap_or(Expr::Star(None));
                fs.iter()
                    .zip(&names)
                    .map(|(f, n)| Expr::Alias(Box::new(Expr::Field { expr: Box::new(row.clone()), name: f.clone() }), n.clone()))
                    .collect()
            }
            None => gen_attrs
                .iter()
                .zip(&names)
                .map(|(a, n)| Expr::Alias(Box::new(Expr::Attr { id: a.id, name: a.name.clone() }), n.clone()))
                .collect(),
        };
        // The select list, with the generator replaced by its output columns.
        let mut list = Vec::new();
        for (i, e) in exprs.into_iter().enumerate() {
            if i == gi {
                list.extend(outs.iter().cloned());
            } else {
                list.push(e);
            }
        }
        exploded.select(list)
    }

    pub fn filter(&self, predicate: Expr) -> Result<DataFrame> {
        let pe = resolve(&predicate, &self.schema)?;
        let pe = match pe.ty {
            DataType::Boolean => pe,
            DataType::Null => pe.cast(DataType::Boolean),
            ref other => {
                return Err(EngineError::analysis(
                    "DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN",
                    format!(
                        "Cannot resolve \"{}\" due to data type mismatch: Filter expression \"{}\" of type \"{}\" is not a boolean.",
                        predicate.pretty(),
                        predicate.pretty(),
                        types::sql_name(other)
                    ),
                    "42K09",
                ))
            }
        };
        Ok(self.derive(Node::Filter { input: self.plan.clone(), predicate: pe }, self.schema.clone()))
    }

    pub fn with_column(&self, name: &str, e: Expr) -> Result<DataFrame> {
        let mut list: Vec<Expr> = Vec::new();
        let mut replaced = false;
        for a in &self.schema.attrs {
            if a.name.eq_ignore_ascii_case(name) {
                list.push(e.clone().alias(name));
                replaced = true;
            } else {
                list.push(Expr::Attr { id: a.id, name: a.name.clone() });
            }
        }
        if !replaced {
            list.push(e.alias(name));
        }
        self.select(list)
    }

    pub fn with_column_renamed(&self, old: &str, new: &str) -> Result<DataFrame> {
        let mut schema = self.schema.clone();
        for a in &mut schema.attrs {
            if a.name.eq_ignore_ascii_case(old) {
                a.name = new.to_string();
                a.id = fresh_id();
            }
        }
        let exprs = (0..schema.len()).map(|i| PExpr::column(i, schema.attrs[i].ty.clone())).collect();
        Ok(self.derive(Node::Project { input: self.plan.clone(), exprs }, schema))
    }

    /// `drop(...)`: names that match nothing are ignored, as in Spark.
    pub fn drop(&self, columns: &[Expr]) -> Result<DataFrame> {
        let mut keep = Vec::new();
        'attrs: for a in &self.schema.attrs {
            for c in columns {
                let hit = match c {
                    Expr::Column(parts) => parts.len() == 1 && a.name.eq_ignore_ascii_case(&parts[0]),
                    Expr::Attr { id, .. } => *id == a.id,
                    _ => false,
                };
                if hit {
                    continue 'attrs;
                }
            }
            keep.push(Expr::Attr { id: a.id, name: a.name.clone() });
        }
        self.select(keep)
    }

    pub fn alias(&self, name: &str) -> DataFrame {
        DataFrame { plan: self.plan.clone(), schema: self.schema.with_qualifier(name) }
    }

    /// `groupBy(keys).agg(aggs)`, also global aggregation with no keys.
    pub fn aggregate(&self, keys: Vec<Expr>, aggs: Vec<Expr>) -> Result<DataFrame> {
        let keys = self.expand_stars(keys)?;
        let mut input = self.clone();
        let mut key_pexprs = Vec::new();
        let mut key_attrs = Vec::new();
        let mut session = None;
        for k in &keys {
            let inner = match k {
                Expr::Alias(e, _) => e.as_ref(),
                e => e,
            };
            if let Expr::Call { name, args, .. } = inner {
                if name == "window" || name == "session_window" {
                    let (df, attr) = input.window_column(name, args, &output_name(k))?;
                    input = df;
                    let idx = input.schema.index_of_id(attr.id).unwrap_or(0);
                    if name == "session_window" {
                        session = Some(SessionSpec { key_index: key_pexprs.len(), gap: session_gap(args)? });
                    }
                    key_pexprs.push(PExpr::column(idx, attr.ty.clone()));
                    key_attrs.push(attr);
                    continue;
                }
            }
            let pe = resolve(k, &input.schema)?;
            key_attrs.push(input.attr_for(k, &pe));
            key_pexprs.push(pe);
        }
        // Pull the aggregate calls out of the agg expressions.
        let mut calls: Vec<(Expr, AggCall)> = Vec::new();
        let mut finals = Vec::new();
        for a in &aggs {
            let mut err = None;
            let name = output_name(a);
            let rewritten = a.clone().strip_alias().transform(&mut |e| match &e {
                Expr::Call { name, args, distinct } if functions::is_aggregate(name) => {
                    match agg_call(name, args, *distinct, &input.schema) {
                        Ok(call) => {
                            let idx = calls.len();
                            let placeholder = format!("\u{0}agg{idx}");
                            calls.push((e.clone(), call));
                            Expr::Column(vec![placeholder])
                        }
                        Err(x) => {
                            err.get_or_insert(x);
                            e
                        }
                    }
                }
                _ => e,
            });
            if let Some(x) = err {
                return Err(x);
            }
            finals.push((rewritten, name, a.clone()));
        }
        let mut agg_attrs = Vec::new();
        for (e, call) in &calls {
            agg_attrs.push(Attribute::new(e.pretty(), call.ty.clone(), true));
        }
        let mut out_schema = Schema::new(key_attrs.iter().cloned().chain(agg_attrs.iter().cloned()).collect());
        let agg_df = input.derive(
            Node::Aggregate { input: input.plan.clone(), keys: key_pexprs, aggs: calls.iter().map(|(_, c)| c.clone()).collect(), session },
            out_schema.clone(),
        );
        // A bare `count(x)` keeps the aggregate's own column; anything else
        // (aliases, arithmetic on aggregates) is computed on top.
        let plain = finals.iter().enumerate().all(|(i, (e, _, orig))| {
            matches!(e, Expr::Column(p) if p.len() == 1 && p[0] == format!("\u{0}agg{i}")) && !matches!(orig, Expr::Alias(..))
        });
        if plain && finals.len() == calls.len() {
            return Ok(agg_df);
        }
        // Placeholders resolve against the aggregate's output by position.
        for (i, a) in out_schema.attrs.iter_mut().enumerate().skip(key_attrs.len()) {
            a.name = format!("\u{0}agg{}", i - key_attrs.len());
        }
        let mut list: Vec<Expr> = key_attrs.iter().map(|a| Expr::Attr { id: a.id, name: a.name.clone() }).collect();
        for (e, name, _) in finals {
            list.push(Expr::Alias(Box::new(e), name));
        }
        let placeholder_df = DataFrame { plan: agg_df.plan.clone(), schema: out_schema };
        let mut projected = placeholder_df.select(list).map_err(|e| {
            // A column that is neither grouped nor aggregated.
            if e.class.as_deref().is_some_and(|c| c.starts_with("UNRESOLVED_COLUMN")) {
                if let Some(name) = e.message.split('`').nth(1) {
                    if input.schema.attrs.iter().any(|a| a.name.eq_ignore_ascii_case(name)) {
                        return EngineError::analysis(
                            "MISSING_AGGREGATION",
                            format!("The non-aggregating expression \"{name}\" is based on columns which are not participating in the GROUP BY clause."),
                            "",
                        );
                    }
                }
            }
            e
        })?;
        // The grouping keys keep their identities.
        for (i, k) in key_attrs.iter().enumerate() {
            projected.schema.attrs[i] = k.clone();
        }
        Ok(projected)
    }

    /// Adds the `window` (or `session_window`) column for a groupBy key.
    fn window_column(&self, name: &str, args: &[Expr], col_name: &str) -> Result<(DataFrame, Attribute)> {
        let time = args.first().ok_or_else(|| EngineError::python("TypeError", format!("{name}() missing 1 required positional argument: 'timeColumn'")))?;
        let pt = resolve(time, &self.schema)?;
        let pt = if types::is_timestamp(&pt.ty) {
            pt
        } else if pt.ty == DataType::Date32 || pt.ty == DataType::Utf8 {
            pt.cast(types::timestamp())
        } else {
            return Err(EngineError::analysis(
                "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                format!(
                    "Cannot resolve \"{name}({})\" due to data type mismatch: The first parameter requires the (\"TIMESTAMP\" or \"TIMESTAMP_NTZ\") type, however \"{}\" has the type \"{}\".",
                    time.pretty(), time.pretty(), types::sql_name(&pt.ty)
                ),
                "42K09",
            ));
        };
        let wty = types::struct_of(vec![("start".into(), pt.ty.clone()), ("end".into(), pt.ty.clone())]);
        let attr = Attribute::new(col_name, wty, true);
        let spec = if name == "window" {
            let dur = |i: usize| -> Result<Option<i64>> {
                match args.get(i) {
                    None => Ok(None),
                    Some(Expr::Literal(Lit::Str(s))) => crate::interval::parse_duration_micros(s).map(Some),
                    Some(Expr::Literal(Lit::Interval(m, _))) => Ok(Some(*m)),
                    Some(other) => Err(EngineError::unsupported(format!("a window duration given as {}", other.pretty()))),
                }
            };
            let size = dur(1)?.ok_or_else(|| EngineError::python("TypeError", "window() missing 1 required positional argument: 'windowDuration'"))?;
            let slide = dur(2)?.unwrap_or(size);
            let start = dur(3)?.unwrap_or(0);
            if size <= 0 {
                return Err(EngineError::analysis("DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE", "The window duration must be greater than 0.", "42K09"));
            }
            if slide <= 0 || slide > size {
                return Err(EngineError::analysis(
                    "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                    format!("Cannot resolve \"window({})\" due to data type mismatch: The slide duration must be less than or equal to the windowDuration.", time.pretty()),
                    "42K09",
                ));
            }
            if start.abs() >= slide {
                return Err(EngineError::analysis(
                    "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                    format!("Cannot resolve \"window({})\" due to data type mismatch: The absolute value of start time must be less than the slideDuration.", time.pretty()),
                    "42K09",
                ));
            }
            WindowSpec { size, slide, start }
        } else {
            // A session window starts as [t, t + gap); the aggregate merges them.
            let gap = session_gap(args)?;
            WindowSpec { size: gap, slide: gap, start: i64::MIN }
        };
        let mut schema = self.schema.clone();
        schema.attrs.push(attr.clone());
        Ok((self.derive(Node::TimeWindow { input: self.plan.clone(), time: pt, spec }, schema), attr))
    }

    pub fn order_by(&self, keys: Vec<Expr>) -> Result<DataFrame> {
        let mut sk = Vec::new();
        for k in keys {
            let (e, asc, nulls_first) = match k {
                Expr::Sort { expr, asc, nulls_first } => (*expr, asc, nulls_first),
                e => (e, true, true),
            };
            sk.push(SortKey { expr: resolve(&e, &self.schema)?, asc, nulls_first });
        }
        Ok(self.derive(Node::Sort { input: self.plan.clone(), keys: sk }, self.schema.clone()))
    }

    pub fn limit(&self, n: usize) -> DataFrame {
        self.derive(Node::Limit { input: self.plan.clone(), n }, self.schema.clone())
    }

    /// `dropDuplicates(subset)`; None means all columns.
    pub fn drop_duplicates(&self, subset: Option<Vec<String>>) -> Result<DataFrame> {
        self.dedup(subset, false)
    }

    /// `dropDuplicatesWithinWatermark(subset)`.
    pub fn drop_duplicates_within_watermark(&self, subset: Option<Vec<String>>) -> Result<DataFrame> {
        self.dedup(subset, self.is_streaming())
    }

    fn dedup(&self, subset: Option<Vec<String>>, within_watermark: bool) -> Result<DataFrame> {
        let keys = match subset {
            None => (0..self.schema.len()).collect(),
            Some(names) => {
                let mut keys = Vec::new();
                for n in names {
                    let i = self
                        .schema
                        .attrs
                        .iter()
                        .position(|a| a.name.eq_ignore_ascii_case(&n))
                        .ok_or_else(|| {
                            EngineError::legacy(
                                "_LEGACY_ERROR_TEMP_1201",
                                format!("Cannot resolve column name \"{n}\" among ({}).", self.schema.names().join(", ")),
                            )
                            .with_no_semicolon()
                        })?;
                    keys.push(i);
                }
                keys
            }
        };
        Ok(self.derive(Node::Dedup { input: self.plan.clone(), keys, within_watermark }, self.schema.clone()))
    }

    pub fn union(&self, other: &DataFrame) -> Result<DataFrame> {
        if self.schema.len() != other.schema.len() {
            return Err(EngineError::analysis(
                "NUM_COLUMNS_MISMATCH",
                format!(
                    "UNION can only be performed on inputs with the same number of columns, but the first input has {} columns and the second input has {} columns.",
                    self.schema.len(),
                    other.schema.len()
                ),
                "42826",
            ));
        }
        let mut attrs = self.schema.attrs.clone();
        let mut right = other.clone();
        let mut casts = Vec::new();
        let mut need_cast = false;
        for (i, (a, b)) in self.schema.attrs.iter().zip(&other.schema.attrs).enumerate() {
            let ty = super::resolve::common_type_of([&a.ty, &b.ty].into_iter()).ok_or_else(|| {
                EngineError::analysis(
                    "INCOMPATIBLE_COLUMN_TYPE",
                    format!(
                        "UNION can only be performed on tables with compatible column types. The {} column of the second table is \"{}\" type which is not compatible with \"{}\" at the same column of the first table.",
                        ordinal(i + 1), types::sql_name(&b.ty), types::sql_name(&a.ty)
                    ),
                    "42825",
                )
            })?;
            need_cast |= ty != b.ty;
            attrs[i].ty = ty.clone();
            casts.push(PExpr::column(i, b.ty.clone()).cast(ty));
        }
        if need_cast {
            right = right.derive(Node::Project { input: right.plan.clone(), exprs: casts }, right.schema.clone());
        }
        Ok(self.derive(Node::Union { inputs: vec![self.plan.clone(), right.plan.clone()] }, Schema::new(attrs)))
    }

    /// `withWatermark(column, delay)`.
    pub fn with_watermark(&self, column: &str, delay: &str) -> Result<DataFrame> {
        let pe = resolve(&Expr::col(column), &self.schema)?;
        let idx = match pe.kind {
            PKind::Column(i) => i,
            _ => return Err(EngineError::unsupported("a watermark on a nested field")),
        };
        if !types::is_timestamp(&pe.ty) {
            return Err(EngineError::analysis(
                "EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE",
                format!(
                    "The event time `{}` has the invalid type \"{}\", but expected \"TIMESTAMP\".",
                    self.schema.attrs.get(match pe.kind { PKind::Column(i) => i, _ => 0 }).map(|a| a.name.clone()).unwrap_or_else(|| column.to_string()),
                    types::sql_name(&pe.ty)
                ),
                "42K09;",
            ));
        }
        let delay_micros = crate::interval::parse_duration_micros(delay)?;
        Ok(self.derive(Node::Watermark { input: self.plan.clone(), column: idx, delay_micros }, self.schema.clone()))
    }

    /// A join; `on` is a condition over both sides, or column names (`using`).
    pub fn join(&self, right: &DataFrame, on: JoinOn, kind: JoinKind) -> Result<DataFrame> {
        let mut both = self.schema.clone();
        both.attrs.extend(right.schema.attrs.iter().cloned());
        let nl = self.schema.len();
        match on {
            JoinOn::None => {
                let attrs = if matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti) { self.schema.attrs.clone() } else { both.attrs.clone() };
                Ok(self.derive(
                    Node::Join { left: self.plan.clone(), right: right.plan.clone(), kind, left_keys: vec![], right_keys: vec![], condition: None },
                    Schema::new(attrs),
                ))
            }
            JoinOn::Condition(cond) => {
                let pe = resolve(&cond, &both)?;
                let (lk, rk, rest) = split_equi_keys(pe, nl);
                let attrs = if matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti) { self.schema.attrs.clone() } else { both.attrs.clone() };
                let attrs = nullable_sides(attrs, nl, kind);
                Ok(self.derive(
                    Node::Join { left: self.plan.clone(), right: right.plan.clone(), kind, left_keys: lk, right_keys: rk, condition: rest },
                    Schema::new(attrs),
                ))
            }
            JoinOn::Using(names) => {
                let mut lk = Vec::new();
                let mut rk = Vec::new();
                let mut li = Vec::new();
                let mut ri = Vec::new();
                for n in &names {
                    let l = self.schema.attrs.iter().position(|a| a.name.eq_ignore_ascii_case(n));
                    let r = right.schema.attrs.iter().position(|a| a.name.eq_ignore_ascii_case(n));
                    let (l, r) = match (l, r) {
                        (Some(l), Some(r)) => (l, r),
                        (None, _) => return Err(using_missing(n, "left", &self.schema)),
                        (_, None) => return Err(using_missing(n, "right", &right.schema)),
                    };
                    let ty = super::resolve::common_type_of([&self.schema.attrs[l].ty, &right.schema.attrs[r].ty].into_iter())
                        .unwrap_or(self.schema.attrs[l].ty.clone());
                    lk.push(PExpr::column(l, self.schema.attrs[l].ty.clone()).cast(ty.clone()));
                    rk.push(PExpr::column(r, right.schema.attrs[r].ty.clone()).cast(ty));
                    li.push(l);
                    ri.push(r);
                }
                let joined = self.derive(
                    Node::Join { left: self.plan.clone(), right: right.plan.clone(), kind, left_keys: lk, right_keys: rk, condition: None },
                    Schema::new(nullable_sides(both.attrs.clone(), nl, kind)),
                );
                if matches!(kind, JoinKind::LeftSemi | JoinKind::LeftAnti) {
                    return Ok(DataFrame { plan: joined.plan, schema: self.schema.clone() });
                }
                // USING: the key once (coalesced for full outer), then the rest of each side.
                let mut exprs = Vec::new();
                let mut attrs = Vec::new();
                for (k, (&l, &r)) in li.iter().zip(&ri).enumerate() {
                    let la = &self.schema.attrs[l];
                    let ra = &right.schema.attrs[r];
                    let (e, src) = match kind {
                        JoinKind::RightOuter => (PExpr::column(nl + r, ra.ty.clone()), ra),
                        JoinKind::FullOuter => (
                            PExpr::new(
                                PKind::Scalar { func: functions::ScalarFn::Coalesce, args: vec![PExpr::column(l, la.ty.clone()), PExpr::column(nl + r, ra.ty.clone())] },
                                la.ty.clone(),
                            ),
                            la,
                        ),
                        _ => (PExpr::column(l, la.ty.clone()), la),
                    };
                    let _ = k;
                    attrs.push(Attribute { qualifier: None, ..src.clone() });
                    exprs.push(e);
                }
                for (i, a) in self.schema.attrs.iter().enumerate() {
                    if !li.contains(&i) {
                        exprs.push(PExpr::column(i, a.ty.clone()));
                        attrs.push(a.clone());
                    }
                }
                for (i, a) in right.schema.attrs.iter().enumerate() {
                    if !ri.contains(&i) {
                        exprs.push(PExpr::column(nl + i, a.ty.clone()));
                        attrs.push(a.clone());
                    }
                }
                Ok(joined.derive(Node::Project { input: joined.plan.clone(), exprs }, Schema::new(attrs)))
            }
        }
    }
}

/// How a join matches rows.
#[derive(Clone, Debug)]
pub enum JoinOn {
    None,
    Condition(Expr),
    Using(Vec<String>),
}

fn using_missing(n: &str, side: &str, schema: &Schema) -> EngineError {
    EngineError::analysis(
        "UNRESOLVED_USING_COLUMN_FOR_JOIN",
        format!(
            "USING column `{n}` cannot be resolved on the {side} side of the join. The {side}-side columns: [{}].",
            schema.names().iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
        "42703",
    )
}

fn nullable_sides(mut attrs: Vec<Attribute>, nl: usize, kind: JoinKind) -> Vec<Attribute> {
    for (i, a) in attrs.iter_mut().enumerate() {
        let left = i < nl;
        if (left && matches!(kind, JoinKind::RightOuter | JoinKind::FullOuter))
            || (!left && matches!(kind, JoinKind::LeftOuter | JoinKind::FullOuter))
        {
            a.nullable = true;
        }
    }
    attrs
}

/// Splits a join condition into equi-join keys (left column expr = right
/// column expr) and what remains.
fn split_equi_keys(cond: PExpr, nl: usize) -> (Vec<PExpr>, Vec<PExpr>, Option<PExpr>) {
    let mut conjuncts = Vec::new();
    flatten_and(cond, &mut conjuncts);
    let mut lk = Vec::new();
    let mut rk = Vec::new();
    let mut rest: Vec<PExpr> = Vec::new();
    for c in conjuncts {
        if let PKind::Binary(super::expr::BinaryOp::Eq, l, r) = &c.kind {
            let side = |e: &PExpr| {
                let mut cols = Vec::new();
                e.columns(&mut cols);
                if cols.is_empty() {
                    None
                } else if cols.iter().all(|&i| i < nl) {
                    Some(true)
                } else if cols.iter().all(|&i| i >= nl) {
                    Some(false)
                } else {
                    None
                }
            };
            match (side(l), side(r)) {
                (Some(true), Some(false)) => {
                    lk.push((**l).clone());
                    let mut rr = (**r).clone();
                    rr.remap_columns(&|i| i - nl);
                    rk.push(rr);
                    continue;
                }
                (Some(false), Some(true)) => {
                    lk.push((**r).clone());
                    let mut ll = (**l).clone();
                    ll.remap_columns(&|i| i - nl);
                    rk.push(ll);
                    continue;
                }
                _ => {}
            }
        }
        rest.push(c);
    }
    let rest = rest.into_iter().reduce(|a, b| {
        PExpr::new(PKind::Binary(super::expr::BinaryOp::And, Box::new(a), Box::new(b)), DataType::Boolean)
    });
    (lk, rk, rest)
}

fn flatten_and(e: PExpr, out: &mut Vec<PExpr>) {
    match e.kind {
        PKind::Binary(super::expr::BinaryOp::And, l, r) => {
            flatten_and(*l, out);
            flatten_and(*r, out);
        }
        kind => out.push(PExpr { kind, ty: e.ty }),
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn session_gap(args: &[Expr]) -> Result<i64> {
    match args.get(1) {
        Some(Expr::Literal(Lit::Str(s))) => crate::interval::parse_duration_micros(s),
        Some(Expr::Literal(Lit::Interval(m, _))) => Ok(*m),
        _ => Err(EngineError::unsupported("a session window gap that is not a literal duration")),
    }
}

fn generator_type_error(call: &Expr, arg: &Expr, want: &str, ty: &DataType) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the {want} type, however \"{}\" has the type \"{}\".",
            call.clone().strip_alias().pretty(),
            arg.pretty(),
            types::sql_name(ty)
        ),
        "42K09",
    )
}

/// Joins the names of `AS (a, b)` on a generator of several columns.
pub const MULTI_ALIAS_SEP: &str = "\u{1f}";

/// Resolves an aggregate call and its result type.
fn agg_call(name: &str, args: &[Expr], distinct: bool, input: &Schema) -> Result<AggCall> {
    let func = agg_func_of(name).ok_or_else(|| EngineError::unsupported(format!("the aggregate function `{name}`")))?;
    let pretty_call = || functions::pretty_call(name, args, distinct);
    let arg = match args.first() {
        None if func == AggFunc::Count => None,
        None => return Err(EngineError::python("TypeError", format!("{name}() missing 1 required positional argument: 'col'"))),
        Some(Expr::Literal(Lit::Int(1))) if func == AggFunc::Count && !distinct => None,
        Some(Expr::Star(None)) if func == AggFunc::Count => None,
        Some(a) => Some(resolve(a, input)?),
    };
    // The second argument of max_by, covar, percentile...
    let second = || -> Result<PExpr> {
        match args.get(1) {
            Some(e) => resolve(e, input),
            None => Err(EngineError::analysis(
                "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                format!("The `{name}` requires 2 parameters but the actual number is 1. Please, refer to 'https://spark.apache.org/docs/latest/sql-ref-functions.html' for a fix."),
                "42605",
            )),
        }
    };
    let numeric_arg = |a: &Option<PExpr>| -> Result<PExpr> {
        let a = a.clone().ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
        Ok(match a.ty {
            DataType::Utf8 => a.cast(DataType::Float64),
            DataType::Null => a.cast(DataType::Float64),
            _ => a,
        })
    };
    let double_arg = |a: PExpr, i: usize| -> Result<PExpr> {
        match &a.ty {
            t if types::is_numeric(t) || *t == DataType::Utf8 || *t == DataType::Null => Ok(a.cast(DataType::Float64)),
            other => Err(agg_type_error_at(&pretty_call(), args, i, "\"NUMERIC\"", other)),
        }
    };
    let mut ignore_nulls = false;
    let mut percentages = Vec::new();
    let (arg, ty) = match func {
        AggFunc::Count | AggFunc::ApproxCountDistinct => (arg, DataType::Int64),
        AggFunc::Sum => {
            let a = numeric_arg(&arg)?;
            let ty = match &a.ty {
                t if types::is_integral(t) => DataType::Int64,
                DataType::Decimal128(p, s) => DataType::Decimal128((*p + 10).min(38), *s),
                DataType::Duration(_) => a.ty.clone(),
                t if types::is_numeric(t) => DataType::Float64,
                other => return Err(agg_type_error(name, args, other)),
            };
            (Some(a), ty)
        }
        AggFunc::Avg => {
            let a = numeric_arg(&arg)?;
            let ty = match &a.ty {
                DataType::Decimal128(p, s) => {
                    let s2 = (*s as i32 + 4).min(38);
                    DataType::Decimal128(((*p as i32) + 4).min(38) as u8, s2 as i8)
                }
                t if types::is_numeric(t) => DataType::Float64,
                other => return Err(agg_type_error(name, args, other)),
            };
            (Some(a), ty)
        }
        AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            if matches!(func, AggFunc::First | AggFunc::Last) {
                ignore_nulls = match args.get(1) {
                    None => false,
                    Some(Expr::Literal(Lit::Bool(b))) => *b,
                    Some(other) => {
                        return Err(EngineError::analysis(
                            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                            format!("Cannot resolve \"{}\" due to data type mismatch: The second parameter requires the \"BOOLEAN\" type, however \"{}\" has the type \"{}\".", pretty_call(), other.pretty(), types::sql_name(&resolve(other, input)?.ty)),
                            "42K09",
                        ))
                    }
                };
            }
            let ty = a.ty.clone();
            (Some(a), ty)
        }
        AggFunc::CollectList | AggFunc::CollectSet => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let ty = types::array_of(a.ty.clone());
            (Some(a), ty)
        }
        AggFunc::CountIf | AggFunc::BoolAnd | AggFunc::BoolOr => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let a = match &a.ty {
                DataType::Boolean => a,
                DataType::Null => a.cast(DataType::Boolean),
                other => return Err(agg_type_error_at(&pretty_call(), args, 0, "\"BOOLEAN\"", other)),
            };
            (Some(a), if func == AggFunc::CountIf { DataType::Int64 } else { DataType::Boolean })
        }
        AggFunc::MaxBy | AggFunc::MinBy => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let ord = second()?;
            let ty = a.ty.clone();
            let st = types::struct_of(vec![("x".into(), a.ty.clone()), ("ord".into(), ord.ty.clone())]);
            (Some(PExpr::new(PKind::Scalar { func: functions::ScalarFn::MakeStruct, args: vec![a, ord] }, st)), ty)
        }
        AggFunc::Product
        | AggFunc::VarSamp
        | AggFunc::VarPop
        | AggFunc::StddevSamp
        | AggFunc::StddevPop
        | AggFunc::Skewness
        | AggFunc::Kurtosis => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            (Some(double_arg(a, 0)?), DataType::Float64)
        }
        AggFunc::CovarPop | AggFunc::CovarSamp | AggFunc::Corr => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let x = double_arg(a, 0)?;
            let y = double_arg(second()?, 1)?;
            let st = types::struct_of(vec![("x".into(), DataType::Float64), ("y".into(), DataType::Float64)]);
            (Some(PExpr::new(PKind::Scalar { func: functions::ScalarFn::MakeStruct, args: vec![x, y] }, st)), DataType::Float64)
        }
        AggFunc::Percentile | AggFunc::PercentileApprox => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let mut array_out = false;
            if name == "median" {
                percentages.push(0.5);
            } else {
                let p = second()?;
                let lit_value = |l: &Lit| -> Option<f64> {
                    match l {
                        Lit::Int(i) => Some(*i as f64),
                        Lit::Long(i) => Some(*i as f64),
                        Lit::Double(d) => Some(*d),
                        Lit::Decimal(v, _, s) => Some(*v as f64 / 10f64.powi(*s as i32)),
                        _ => None,
                    }
                };
                match &p.kind {
                    PKind::Literal(l) => percentages.push(lit_value(l).ok_or_else(|| not_foldable_percentage(&pretty_call(), args))?),
                    PKind::Cast { expr, .. } if matches!(expr.kind, PKind::Literal(_)) => {
                        let l = expr.as_literal().ok_or_else(|| not_foldable_percentage(&pretty_call(), args))?;
                        percentages.push(lit_value(l).ok_or_else(|| not_foldable_percentage(&pretty_call(), args))?)
                    }
                    PKind::Scalar { func: functions::ScalarFn::MakeArray, args: items } => {
                        array_out = true;
                        for it in items {
                            let l = match &it.kind {
                                PKind::Literal(l) => l,
                                PKind::Cast { expr, .. } => expr.as_literal().ok_or_else(|| not_foldable_percentage(&pretty_call(), args))?,
                                _ => return Err(not_foldable_percentage(&pretty_call(), args)),
                            };
                            percentages.push(lit_value(l).ok_or_else(|| not_foldable_percentage(&pretty_call(), args))?);
                        }
                    }
                    _ => return Err(not_foldable_percentage(&pretty_call(), args)),
                }
                if let Some(bad) = percentages.iter().find(|p| !(0.0..=1.0).contains(*p)) {
                    let _ = bad;
                    return Err(EngineError::analysis(
                        "DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE",
                        format!(
                            "Cannot resolve \"{}\" due to data type mismatch: The `percentage` must be between [0.0, 1.0], but got {}.",
                            pretty_call(),
                            args.get(1).map(|e| e.pretty()).unwrap_or_default()
                        ),
                        "42K09",
                    ));
                }
            }
            let (a, elem) = if func == AggFunc::Percentile {
                (double_arg(a, 0)?, DataType::Float64)
            } else {
                match &a.ty {
                    t if types::is_numeric(t) || *t == DataType::Date32 || types::is_timestamp(t) => {
                        let t = t.clone();
                        (a, t)
                    }
                    other => return Err(agg_type_error_at(&pretty_call(), args, 0, "(\"NUMERIC\" or \"DATE\" or \"TIMESTAMP\")", other)),
                }
            };
            let ty = if array_out { types::array_of(elem) } else { elem };
            (Some(a), ty)
        }
        AggFunc::Mode => {
            let a = arg.ok_or_else(|| EngineError::python("TypeError", "missing argument"))?;
            let ty = a.ty.clone();
            (Some(a), ty)
        }
    };
    Ok(AggCall { func, arg, distinct, ty, ignore_nulls, percentages })
}

fn not_foldable_percentage(pretty: &str, args: &[Expr]) -> EngineError {
    EngineError::analysis(
        "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: the input `percentage` should be a foldable \"DOUBLE\" expression; however, got \"{}\".",
            args.get(1).map(|e| e.pretty()).unwrap_or_default()
        ),
        "42K09",
    )
}

fn agg_type_error_at(pretty: &str, args: &[Expr], i: usize, want: &str, ty: &DataType) -> EngineError {
    let a = args.get(i).map(|a| a.pretty()).unwrap_or_default();
    let ord = ["first", "second", "third"].get(i).copied().unwrap_or("next");
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{pretty}\" due to data type mismatch: The {ord} parameter requires the {want} type, however \"{a}\" has the type \"{}\".",
            types::sql_name(ty)
        ),
        "42K09",
    )
}

fn agg_type_error(name: &str, args: &[Expr], ty: &DataType) -> EngineError {
    let a = args.first().map(|a| a.pretty()).unwrap_or_default();
    EngineError::analysis(
        "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
        format!(
            "Cannot resolve \"{name}({a})\" due to data type mismatch: The first parameter requires the \"NUMERIC\" or \"ANSI INTERVAL\" type, however \"{a}\" has the type \"{}\".",
            types::sql_name(ty)
        ),
        "42K09",
    )
}

/// Used by `unresolved_column` callers outside this module.
pub fn column_error(name: &str, schema: &Schema) -> EngineError {
    unresolved_column(name, schema)
}

/// The column of a plan's output that carries event time: a timestamp a
/// watermark was set on, or a window (struct) computed from one, followed
/// through projections that keep it.
pub fn event_time_column(plan: &Plan, schema: &Schema) -> Option<usize> {
    let id = event_time_attr(plan)?;
    schema.index_of_id(id)
}

/// The delay of the watermark that defines `plan`'s event time.
pub fn watermark_delay_micros(plan: &Plan) -> Option<i64> {
    match &plan.node {
        Node::Watermark { delay_micros, .. } => Some(*delay_micros),
        Node::Join { left, right, .. } => watermark_delay_micros(left).or_else(|| watermark_delay_micros(right)),
        _ => plan.children().into_iter().find_map(|c| watermark_delay_micros(c)),
    }
}

fn event_time_attr(plan: &Plan) -> Option<u64> {
    match &plan.node {
        Node::Watermark { column, .. } => plan.schema.attrs.get(*column).map(|a| a.id),
        Node::Source { .. } | Node::Static { .. } => None,
        Node::Project { input, exprs } => {
            let id = event_time_attr(input)?;
            let src = input.schema.index_of_id(id)?;
            let out = exprs.iter().position(|e| matches!(e.kind, PKind::Column(c) if c == src))?;
            plan.schema.attrs.get(out).map(|a| a.id)
        }
        Node::TimeWindow { input, .. } => {
            event_time_attr(input)?;
            plan.schema.attrs.last().map(|a| a.id)
        }
        Node::Aggregate { input, keys, .. } => {
            let id = event_time_attr(input)?;
            let src = input.schema.index_of_id(id)?;
            let out = keys.iter().position(|e| matches!(e.kind, PKind::Column(c) if c == src))?;
            plan.schema.attrs.get(out).map(|a| a.id)
        }
        Node::Join { left, right, .. } => event_time_attr(left).or_else(|| event_time_attr(right)),
        Node::Union { inputs } => {
            let id = event_time_attr(inputs.first()?)?;
            let pos = inputs[0].schema.index_of_id(id)?;
            plan.schema.attrs.get(pos).map(|a| a.id)
        }
        Node::Filter { input, .. } | Node::Explode { input, .. } | Node::Sort { input, .. }
        | Node::Limit { input, .. } | Node::Dedup { input, .. } => event_time_attr(input),
    }
}
