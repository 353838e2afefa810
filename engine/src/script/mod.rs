//! The PySpark script front end: a small Python interpreter over
//! rustpython's parser, enough for streaming scripts as people write them
//! (imports, assignments, helper `def`s, method chains, keyword arguments,
//! comprehensions, f-strings). It runs top-level statements in order and
//! pauses at `awaitTermination()` until the query it waits on ends.

pub mod api;
pub mod format;
pub mod functions;
pub mod lambda;
pub mod na;
pub mod names;
pub mod udf;
pub mod value;

use std::collections::HashMap;
use std::rc::Rc;

use rustpython_parser::ast::{self, Ranged};

use crate::error::{EngineError, ErrorKind, Result, Span};
use crate::session::Session;
pub use value::Value;
use value::FuncDef;

/// What a paused script waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Wait {
    /// `query.awaitTermination()`
    Query(usize),
    /// `spark.streams.awaitAnyTermination()`
    AnyQuery,
    /// `awaitTermination(timeout)`: until the query ends or the time passes.
    QueryUntil(usize, i64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ScriptState {
    Ready,
    Waiting(Wait),
    Finished,
    Failed(EngineError),
}

enum Flow {
    Normal,
    Return(Value),
    Suspend(Wait),
}

pub struct Script {
    line_starts: Vec<usize>,
    body: Vec<ast::Stmt>,
    pc: usize,
    globals: HashMap<String, Value>,
    locals: Vec<HashMap<String, Value>>,
    pub state: ScriptState,
    /// Text the script printed, for the transcript.
    pub printed: Vec<String>,
    /// The wait an awaitTermination call inside an expression asked for.
    pending_wait: Option<Wait>,
    /// How many lambda variables PySpark has made (`x_0`, `y_1`, ...).
    pub(crate) lambda_vars: usize,
    /// UDFs registered with `spark.udf.register`, for SQL strings.
    pub(crate) udfs: HashMap<String, Rc<value::UdfDef>>,
    /// Statements and calls run, against `step_limit` (a UDF's budget).
    steps: u64,
    step_limit: u64,
}

/// Python's SyntaxError for a script rustpython cannot parse.
fn syntax_error(source: &str, e: &rustpython_parser::ParseError) -> EngineError {
    let offset = u32::from(e.offset) as usize;
    let (line, column) = line_col(&line_starts(source), offset);
    EngineError::python("SyntaxError", format!("{}", e.error)).at(Span { line, column })
}

fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

fn line_col(starts: &[usize], offset: usize) -> (u32, u32) {
    let line = starts.partition_point(|&s| s <= offset).max(1);
    let col = offset - starts[line - 1] + 1;
    (line as u32, col as u32)
}

impl Script {
    /// Parses a script; Python's SyntaxError if it does not parse.
    pub fn parse(source: &str) -> Result<Script> {
        let body = rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<script>")
            .map_err(|e| syntax_error(source, &e))?;
        let body = match body {
            ast::Mod::Module(m) => m.body,
            _ => vec![],
        };
        Ok(Script {
            line_starts: line_starts(source),
            body,
            pc: 0,
            // Run as a script: `if __name__ == "__main__":` holds.
            globals: HashMap::from([("__name__".to_string(), Value::Str("__main__".into()))]),
            locals: Vec::new(),
            state: ScriptState::Ready,
            printed: Vec::new(),
            pending_wait: None,
            lambda_vars: 0,
            udfs: HashMap::new(),
            steps: 0,
            step_limit: u64::MAX,
        })
    }

    /// An interpreter for running a UDF's function: the script's globals as
    /// they were, and a budget of steps per call.
    pub(crate) fn for_udf(line_starts: Vec<usize>, globals: HashMap<String, Value>, step_limit: u64) -> Script {
        Script {
            line_starts,
            body: Vec::new(),
            pc: 0,
            globals,
            locals: Vec::new(),
            state: ScriptState::Ready,
            printed: Vec::new(),
            pending_wait: None,
            lambda_vars: 0,
            udfs: HashMap::new(),
            steps: 0,
            step_limit,
        }
    }

    pub(crate) fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    pub(crate) fn globals(&self) -> &HashMap<String, Value> {
        &self.globals
    }

    /// Starts a new budget of steps.
    pub(crate) fn reset_steps(&mut self) {
        self.steps = 0;
    }

    fn step(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps > self.step_limit {
            return Err(EngineError::unsupported(format!(
                "a Python UDF that runs more than {} steps for one row (is it looping forever?)",
                self.step_limit
            )));
        }
        Ok(())
    }

    fn span(&self, r: &impl Ranged) -> Span {
        let (line, column) = line_col(&self.line_starts, u32::from(r.start()) as usize);
        Span { line, column }
    }

    /// Runs statements until the script ends, fails, or waits on a query.
    pub fn run(&mut self, sess: &mut Session) {
        if let ScriptState::Waiting(w) = &self.state {
            match self.wait_over(w, sess) {
                Ok(true) => self.state = ScriptState::Ready,
                Ok(false) => return,
                Err(e) => {
                    self.state = ScriptState::Failed(e);
                    return;
                }
            }
        }
        if self.state != ScriptState::Ready {
            return;
        }
        while self.pc < self.body.len() {
            let stmt = self.body[self.pc].clone();
            self.pc += 1;
            match self.exec(&stmt, sess) {
                Ok(Flow::Normal) | Ok(Flow::Return(_)) => {}
                Ok(Flow::Suspend(w)) => {
                    match self.wait_over(&w, sess) {
                        Ok(true) => continue,
                        Ok(false) => {
                            self.state = ScriptState::Waiting(w);
                            return;
                        }
                        Err(e) => {
                            self.state = ScriptState::Failed(e);
                            return;
                        }
                    }
                }
                Err(e) => {
                    let e = if e.span.is_none() { e.at(self.span(&stmt)) } else { e };
                    self.state = ScriptState::Failed(e);
                    return;
                }
            }
        }
        self.state = ScriptState::Finished;
    }

    /// Whether what the script waits for has happened; a failed query
    /// raises its error in the script, as awaitTermination does.
    fn wait_over(&self, w: &Wait, sess: &Session) -> Result<bool> {
        use crate::stream::query::QueryState;
        let check = |q: usize| -> Result<bool> {
            match sess.queries.get(q).map(|q| &q.state) {
                Some(QueryState::Active) => Ok(false),
                Some(QueryState::Failed(e)) => Err(e.clone()),
                _ => Ok(true),
            }
        };
        match w {
            Wait::Query(q) => check(*q),
            Wait::QueryUntil(q, until) => Ok(check(*q)? || sess.now_ms >= *until),
            Wait::AnyQuery => {
                for q in 0..sess.queries.len() {
                    if check(q)? {
                        return Ok(true);
                    }
                }
                Ok(sess.queries.is_empty())
            }
        }
    }

    fn exec_block(&mut self, stmts: &[ast::Stmt], sess: &mut Session) -> Result<Flow> {
        for s in stmts {
            match self.exec(s, sess)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn unsupported(&self, what: &str, r: &impl Ranged) -> EngineError {
        EngineError::unsupported(what).at(self.span(r))
    }

    fn exec(&mut self, stmt: &ast::Stmt, sess: &mut Session) -> Result<Flow> {
        use ast::Stmt as S;
        let span = self.span(stmt);
        self.step().map_err(|e| e.at(span))?;
        let r = (|| -> Result<Flow> {
            match stmt {
                // `xs.append(v)` on a list variable: lists are values here,
                // so the variable takes the longer list.
                S::Expr(e) if self.list_mutation(&e.value, sess)? => Ok(Flow::Normal),
                S::Expr(e) => match self.eval(&e.value, sess) {
                    Ok(_) => Ok(Flow::Normal),
                    Err(x) => Err(x),
                },
                S::Assign(a) => {
                    let v = self.eval(&a.value, sess)?;
                    for t in &a.targets {
                        self.assign(t, v.clone(), sess)?;
                    }
                    Ok(Flow::Normal)
                }
                S::AnnAssign(a) => {
                    if let Some(v) = &a.value {
                        let v = self.eval(v, sess)?;
                        self.assign(&a.target, v, sess)?;
                    }
                    Ok(Flow::Normal)
                }
                S::AugAssign(a) => {
                    let cur = self.eval(&a.target, sess)?;
                    let rhs = self.eval(&a.value, sess)?;
                    let v = self.binop(&a.op, cur, rhs, span)?;
                    self.assign(&a.target, v, sess)?;
                    Ok(Flow::Normal)
                }
                S::Import(i) => {
                    for alias in &i.names {
                        let name = alias.name.as_str();
                        let module = module_value(name).ok_or_else(|| no_module(name))?;
                        let bind = match &alias.asname {
                            Some(a) => a.to_string(),
                            None => name.split('.').next().unwrap_or(name).to_string(),
                        };
                        let v = if alias.asname.is_some() { module } else { module_value(&bind).unwrap_or(module) };
                        self.set(&bind, v);
                    }
                    Ok(Flow::Normal)
                }
                S::ImportFrom(i) => {
                    let module = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                    for alias in &i.names {
                        let name = alias.name.as_str();
                        if name == "*" {
                            for (n, v) in star_import(&module).ok_or_else(|| no_module(&module))? {
                                self.globals.insert(n, v);
                            }
                            continue;
                        }
                        let v = import_from(&module, name)?;
                        let bind = alias.asname.as_ref().map(|a| a.to_string()).unwrap_or_else(|| name.to_string());
                        self.set(&bind, v);
                    }
                    Ok(Flow::Normal)
                }
                S::FunctionDef(f) => {
                    let mut params = Vec::new();
                    let args = &f.args;
                    if args.vararg.is_some() || args.kwarg.is_some() {
                        return Err(self.unsupported("*args/**kwargs in a def", f));
                    }
                    for a in args.posonlyargs.iter().chain(&args.args).chain(&args.kwonlyargs) {
                        let default = match &a.default {
                            Some(d) => Some(self.eval(d, sess)?),
                            None => None,
                        };
                        params.push((a.def.arg.to_string(), default));
                    }
                    let def = FuncDef { name: f.name.to_string(), params, body: f.body.clone(), closure: self.locals.last().cloned() };
                    let mut v = Value::Function(Rc::new(def));
                    // `@udf(...)` and other decorators, innermost first.
                    for d in f.decorator_list.iter().rev() {
                        let dv = self.eval(d, sess)?;
                        v = self.call(dv, vec![v], vec![], sess)?;
                    }
                    self.set(f.name.as_str(), v);
                    Ok(Flow::Normal)
                }
                S::Return(r) => {
                    let v = match &r.value {
                        Some(v) => self.eval(v, sess)?,
                        None => Value::None,
                    };
                    Ok(Flow::Return(v))
                }
                S::If(i) => {
                    let c = self.eval(&i.test, sess)?;
                    let t = c.truthy().ok_or_else(column_bool_error)?;
                    if t {
                        self.exec_block(&i.body, sess)
                    } else {
                        self.exec_block(&i.orelse, sess)
                    }
                }
                S::For(f) => {
                    let it = self.eval(&f.iter, sess)?;
                    for item in iterate(it)? {
                        self.assign(&f.target, item, sess)?;
                        match self.exec_block(&f.body, sess)? {
                            Flow::Normal => {}
                            other => return Ok(other),
                        }
                    }
                    self.exec_block(&f.orelse, sess)
                }
                S::Pass(_) => Ok(Flow::Normal),
                S::Assert(a) => {
                    let v = self.eval(&a.test, sess)?;
                    if v.truthy() == Some(false) {
                        return Err(EngineError::python("AssertionError", ""));
                    }
                    Ok(Flow::Normal)
                }
                S::ClassDef(_) => Err(self.unsupported("class definitions", stmt)),
                S::Try(_) | S::TryStar(_) => Err(self.unsupported("try/except", stmt)),
                S::While(_) => Err(self.unsupported("while loops", stmt)),
                S::With(_) => Err(self.unsupported("with statements", stmt)),
                S::Raise(r) => {
                    // `raise ValueError("...")`: the script (or the query, in a
                    // foreachBatch function) fails with that Python exception.
                    let (kind, message) = match r.exc.as_deref() {
                        Some(ast::Expr::Call(c)) => {
                            let kind = match c.func.as_ref() {
                                ast::Expr::Name(n) => n.id.to_string(),
                                _ => "Exception".to_string(),
                            };
                            let mut parts = Vec::new();
                            for a in &c.args {
                                parts.push(self.eval(a, sess)?.to_str());
                            }
                            (kind, parts.join(", "))
                        }
                        Some(ast::Expr::Name(n)) => (n.id.to_string(), String::new()),
                        _ => ("RuntimeError".to_string(), "No active exception to reraise".to_string()),
                    };
                    Err(EngineError::python(&kind, message))
                }
                _ => Err(self.unsupported("this kind of statement", stmt)),
            }
        })();
        match r {
            Err(e) if e.kind == ErrorKind::Python && e.class.is_none() && e.python_type == "\u{0}suspend" => {
                // An awaitTermination call deep in an expression.
                Ok(Flow::Suspend(self.pending_wait.take().unwrap_or(Wait::AnyQuery)))
            }
            Err(e) => Err(if e.span.is_none() { e.at(span) } else { e }),
            ok => ok,
        }
    }

    fn set(&mut self, name: &str, v: Value) {
        match self.locals.last_mut() {
            Some(l) => {
                l.insert(name.to_string(), v);
            }
            None => {
                self.globals.insert(name.to_string(), v);
            }
        }
    }

    fn lookup(&self, name: &str) -> Result<Value> {
        if let Some(v) = self.locals.last().and_then(|l| l.get(name)) {
            return Ok(v.clone());
        }
        if let Some(v) = self.globals.get(name) {
            return Ok(v.clone());
        }
        if let Some(b) = python_builtin(name) {
            return Ok(b);
        }
        Err(EngineError::python("NameError", format!("name '{name}' is not defined")))
    }

    fn assign(&mut self, target: &ast::Expr, v: Value, sess: &mut Session) -> Result<()> {
        match target {
            ast::Expr::Name(n) => {
                self.set(n.id.as_str(), v);
                Ok(())
            }
            ast::Expr::Tuple(t) => self.unpack(&t.elts, v, sess),
            ast::Expr::List(t) => self.unpack(&t.elts, v, sess),
            // `d[k] = v` / `xs[i] = v` on a variable.
            ast::Expr::Subscript(sub) if matches!(sub.value.as_ref(), ast::Expr::Name(_)) => {
                let ast::Expr::Name(n) = sub.value.as_ref() else {
                    return Err(self.unsupported("assigning to this kind of target", target));
                };
                let key = self.eval(&sub.slice, sess)?;
                let updated = match self.lookup(n.id.as_str())? {
                    Value::Dict(mut d) => {
                        match d.iter_mut().find(|(k, _)| api::py_eq(k, &key)) {
                            Some(slot) => slot.1 = v,
                            None => d.push((key, v)),
                        }
                        Value::Dict(d)
                    }
                    Value::List(mut items) => {
                        let len = items.len() as i64;
                        let i = match key {
                            Value::Int(i) if i < 0 => i + len,
                            Value::Int(i) => i,
                            other => {
                                return Err(EngineError::python("TypeError", format!("list indices must be integers or slices, not {}", other.type_name())))
                            }
                        };
                        if i < 0 || i >= len {
                            return Err(EngineError::python("IndexError", "list assignment index out of range"));
                        }
                        items[i as usize] = v;
                        Value::List(items)
                    }
                    other => {
                        return Err(EngineError::python("TypeError", format!("'{}' object does not support item assignment", other.type_name())))
                    }
                };
                self.set(n.id.as_str(), updated);
                Ok(())
            }
            _ => Err(self.unsupported("assigning to this kind of target", target)),
        }
    }

    /// Runs `name.append(x)` / `extend` / `insert` / `pop()` as a statement
    /// on a list variable, or `name.add(x)` on a set; false when `e` is not one.
    fn list_mutation(&mut self, e: &ast::Expr, sess: &mut Session) -> Result<bool> {
        let ast::Expr::Call(c) = e else { return Ok(false) };
        let ast::Expr::Attribute(attr) = c.func.as_ref() else { return Ok(false) };
        let ast::Expr::Name(n) = attr.value.as_ref() else { return Ok(false) };
        let method = attr.attr.as_str();
        if !matches!(method, "append" | "extend" | "insert" | "pop" | "clear") {
            return Ok(false);
        }
        let Ok(Value::List(mut items)) = self.lookup(n.id.as_str()) else { return Ok(false) };
        let args = self.eval_items(&c.args, sess)?;
        match (method, args.as_slice()) {
            ("append", [x]) => items.push(x.clone()),
            ("extend", [x]) => items.extend(iterate(x.clone())?),
            ("insert", [Value::Int(i), x]) => {
                let len = items.len() as i64;
                let i = if *i < 0 { (*i + len).max(0) } else { (*i).min(len) };
                items.insert(i as usize, x.clone());
            }
            ("pop", []) => {
                if items.pop().is_none() {
                    return Err(EngineError::python("IndexError", "pop from empty list"));
                }
            }
            ("clear", []) => items.clear(),
            _ => return Err(EngineError::python("TypeError", format!("list.{method}() got unexpected arguments"))),
        }
        self.set(n.id.as_str(), Value::List(items));
        Ok(true)
    }

    fn unpack(&mut self, targets: &[ast::Expr], v: Value, sess: &mut Session) -> Result<()> {
        let items = iterate(v)?;
        if items.len() != targets.len() {
            return Err(EngineError::python(
                "ValueError",
                format!("not enough values to unpack (expected {}, got {})", targets.len(), items.len()),
            ));
        }
        for (t, item) in targets.iter().zip(items) {
            self.assign(t, item, sess)?;
        }
        Ok(())
    }

    pub(crate) fn eval(&mut self, e: &ast::Expr, sess: &mut Session) -> Result<Value> {
        use ast::Expr as E;
        let span = self.span(e);
        let r = (|| -> Result<Value> {
            Ok(match e {
                E::Constant(c) => constant(&c.value)?,
                E::Name(n) => self.lookup(n.id.as_str())?,
                E::List(l) => Value::List(self.eval_items(&l.elts, sess)?),
                E::Tuple(t) => Value::Tuple(self.eval_items(&t.elts, sess)?),
                E::Dict(d) => {
                    let mut out = Vec::new();
                    for (k, v) in d.keys.iter().zip(&d.values) {
                        let key = match k {
                            Some(k) => self.eval(k, sess)?,
                            None => return Err(self.unsupported("** in a dict literal", e)),
                        };
                        out.push((key, self.eval(v, sess)?));
                    }
                    Value::Dict(out)
                }
                E::Attribute(a) => {
                    let obj = self.eval(&a.value, sess)?;
                    api::attribute(obj, a.attr.as_str(), sess)?
                }
                E::Call(c) => {
                    let func = self.eval(&c.func, sess)?;
                    let mut args = Vec::new();
                    for a in &c.args {
                        if let E::Starred(s) = a {
                            args.extend(iterate(self.eval(&s.value, sess)?)?);
                        } else {
                            args.push(self.eval(a, sess)?);
                        }
                    }
                    let mut kwargs = Vec::new();
                    for k in &c.keywords {
                        let v = self.eval(&k.value, sess)?;
                        match &k.arg {
                            Some(name) => kwargs.push((name.to_string(), v)),
                            None => match v {
                                Value::Dict(d) => {
                                    for (key, val) in d {
                                        kwargs.push((key.to_str(), val));
                                    }
                                }
                                _ => return Err(EngineError::python("TypeError", "argument after ** must be a mapping")),
                            },
                        }
                    }
                    self.call(func, args, kwargs, sess)?
                }
                E::BinOp(b) => {
                    let l = self.eval(&b.left, sess)?;
                    let r = self.eval(&b.right, sess)?;
                    self.binop(&b.op, l, r, span)?
                }
                E::UnaryOp(u) => {
                    let v = self.eval(&u.operand, sess)?;
                    api::unary(&u.op, v)?
                }
                E::BoolOp(b) => {
                    let mut last = Value::None;
                    for (i, x) in b.values.iter().enumerate() {
                        last = self.eval(x, sess)?;
                        let t = last.truthy().ok_or_else(column_bool_error)?;
                        let is_and = matches!(b.op, ast::BoolOp::And);
                        if i + 1 < b.values.len() && (is_and != t) {
                            return Ok(last);
                        }
                    }
                    last
                }
                E::Compare(c) => {
                    let mut left = self.eval(&c.left, sess)?;
                    let mut result: Option<Value> = None;
                    for (op, right) in c.ops.iter().zip(&c.comparators) {
                        let r = self.eval(right, sess)?;
                        let v = api::compare(op, left.clone(), r.clone())?;
                        result = Some(match result {
                            None => v,
                            Some(prev) => match (prev.truthy(), v.truthy()) {
                                (Some(a), Some(b)) => Value::Bool(a && b),
                                _ => return Err(column_bool_error()),
                            },
                        });
                        left = r;
                    }
                    result.unwrap_or(Value::Bool(true))
                }
                E::Subscript(s) => {
                    let obj = self.eval(&s.value, sess)?;
                    if let E::Slice(sl) = s.slice.as_ref() {
                        let lo = sl.lower.as_ref().map(|x| self.eval(x, sess)).transpose()?;
                        let hi = sl.upper.as_ref().map(|x| self.eval(x, sess)).transpose()?;
                        let step = sl.step.as_ref().map(|x| self.eval(x, sess)).transpose()?;
                        return api::slice(obj, lo, hi, step);
                    }
                    let key = self.eval(&s.slice, sess)?;
                    api::subscript(obj, key)?
                }
                E::IfExp(i) => {
                    let c = self.eval(&i.test, sess)?;
                    if c.truthy().ok_or_else(column_bool_error)? {
                        self.eval(&i.body, sess)?
                    } else {
                        self.eval(&i.orelse, sess)?
                    }
                }
                E::ListComp(l) => Value::List(self.comprehension(&l.elt, &l.generators, sess)?),
                E::GeneratorExp(g) => Value::List(self.comprehension(&g.elt, &g.generators, sess)?),
                E::JoinedStr(j) => {
                    let mut s = String::new();
                    for v in &j.values {
                        s.push_str(&self.eval(v, sess)?.to_str());
                    }
                    Value::Str(s)
                }
                E::FormattedValue(f) => {
                    let v = self.eval(&f.value, sess)?;
                    let v = match f.conversion {
                        ast::ConversionFlag::Repr | ast::ConversionFlag::Ascii => Value::Str(v.repr()),
                        ast::ConversionFlag::Str => Value::Str(v.to_str()),
                        ast::ConversionFlag::None => v,
                    };
                    let spec = match &f.format_spec {
                        Some(s) => self.eval(s, sess)?.to_str(),
                        None => String::new(),
                    };
                    Value::Str(format::format_value(&v, &spec)?)
                }
                E::Lambda(l) => {
                    let args = &l.args;
                    if args.vararg.is_some() || args.kwarg.is_some() {
                        return Err(self.unsupported("*args/**kwargs in a lambda", e));
                    }
                    let mut params = Vec::new();
                    for a in args.posonlyargs.iter().chain(&args.args).chain(&args.kwonlyargs) {
                        let default = match &a.default {
                            Some(d) => Some(self.eval(d, sess)?),
                            None => None,
                        };
                        params.push((a.def.arg.to_string(), default));
                    }
                    let ret = ast::Stmt::Return(ast::StmtReturn { range: l.range, value: Some(l.body.clone()) });
                    Value::Function(Rc::new(FuncDef {
                        name: "<lambda>".into(),
                        params,
                        body: vec![ret],
                        closure: self.locals.last().cloned(),
                    }))
                }
                _ => return Err(self.unsupported("this kind of expression", e)),
            })
        })();
        r.map_err(|x| if x.span.is_none() && x.python_type != "\u{0}suspend" { x.at(span) } else { x })
    }

    fn eval_items(&mut self, items: &[ast::Expr], sess: &mut Session) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        for i in items {
            if let ast::Expr::Starred(s) = i {
                out.extend(iterate(self.eval(&s.value, sess)?)?);
            } else {
                out.push(self.eval(i, sess)?);
            }
        }
        Ok(out)
    }

    fn comprehension(&mut self, elt: &ast::Expr, gens: &[ast::Comprehension], sess: &mut Session) -> Result<Vec<Value>> {
        let Some((g, rest)) = gens.split_first() else {
            return Ok(vec![self.eval(elt, sess)?]);
        };
        let items = iterate(self.eval(&g.iter, sess)?)?;
        let mut out = Vec::new();
        for item in items {
            self.step()?;
            self.assign(&g.target, item, sess)?;
            let mut keep = true;
            for cond in &g.ifs {
                if !self.eval(cond, sess)?.truthy().ok_or_else(column_bool_error)? {
                    keep = false;
                    break;
                }
            }
            if keep {
                out.extend(self.comprehension(elt, rest, sess)?);
            }
        }
        Ok(out)
    }

    fn binop(&self, op: &ast::Operator, l: Value, r: Value, _span: Span) -> Result<Value> {
        api::binop(op, l, r)
    }

    /// Calls a function or method with Python's arguments.
    pub(crate) fn call(&mut self, func: Value, args: Vec<Value>, kwargs: Vec<(String, Value)>, sess: &mut Session) -> Result<Value> {
        match func {
            Value::Function(def) => self.call_user(&def, args, kwargs, sess),
            other => {
                let out = api::call(self, other, args, kwargs, sess)?;
                Ok(out)
            }
        }
    }

    fn call_user(&mut self, def: &Rc<FuncDef>, args: Vec<Value>, kwargs: Vec<(String, Value)>, sess: &mut Session) -> Result<Value> {
        if self.locals.len() > 64 {
            return Err(EngineError::python("RecursionError", "maximum recursion depth exceeded"));
        }
        self.step()?;
        let mut frame = def.closure.clone().unwrap_or_default();
        if args.len() > def.params.len() {
            return Err(EngineError::python(
                "TypeError",
                format!("{}() takes {} positional arguments but {} were given", def.name, def.params.len(), args.len()),
            ));
        }
        for (i, (name, default)) in def.params.iter().enumerate() {
            let v = if let Some(a) = args.get(i) {
                a.clone()
            } else if let Some((_, v)) = kwargs.iter().find(|(k, _)| k == name) {
                v.clone()
            } else if let Some(d) = default {
                d.clone()
            } else {
                return Err(EngineError::python(
                    "TypeError",
                    format!("{}() missing 1 required positional argument: '{name}'", def.name),
                ));
            };
            frame.insert(name.clone(), v);
        }
        self.locals.push(frame);
        let r = self.exec_block(&def.body.clone(), sess);
        self.locals.pop();
        match r? {
            Flow::Return(v) => Ok(v),
            Flow::Normal => Ok(Value::None),
            Flow::Suspend(w) => {
                self.pending_wait = Some(w);
                Err(suspend())
            }
        }
    }

    /// Calls a `foreachBatch` function with one batch's output as a static
    /// DataFrame and the batch id.
    pub fn call_batch_handler(&mut self, handler: usize, batch: arrow::array::RecordBatch, batch_id: i64, sess: &mut Session) -> Result<()> {
        let Some(func) = sess.batch_handlers.get(handler).cloned() else {
            return Ok(());
        };
        let schema = crate::plan::Schema::new(
            batch.schema().fields().iter().map(|f| crate::plan::Attribute::new(f.name(), f.data_type().clone(), true)).collect(),
        );
        let df = crate::plan::DataFrame::new(crate::plan::Node::Static { batch }, schema);
        let r = self.call(func, vec![Value::DataFrame(df), Value::Int(batch_id)], vec![], sess);
        // print() already put its lines in the session's events.
        self.printed.clear();
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.python_type == "\u{0}suspend" => {
                self.pending_wait = None;
                Err(EngineError::unsupported("waiting on a query inside a foreachBatch function"))
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) fn print(&mut self, text: String) {
        self.printed.push(text);
    }
}

/// Signals an awaitTermination from inside an expression.
pub(crate) fn suspend() -> EngineError {
    EngineError::python("\u{0}suspend", "")
}

fn column_bool_error() -> EngineError {
    EngineError::python(
        "ValueError",
        "Cannot convert column into bool: please use '&' for 'and', '|' for 'or', '~' for 'not' when building DataFrame boolean expressions.",
    )
}

fn no_module(name: &str) -> EngineError {
    EngineError::python("ModuleNotFoundError", format!("No module named '{name}'"))
}

fn constant(c: &ast::Constant) -> Result<Value> {
    Ok(match c {
        ast::Constant::None => Value::None,
        ast::Constant::Bool(b) => Value::Bool(*b),
        ast::Constant::Str(s) => Value::Str(s.clone()),
        ast::Constant::Int(i) => Value::Int(
            i.to_string().parse::<i64>().map_err(|_| EngineError::python("OverflowError", "int too large"))?,
        ),
        ast::Constant::Float(f) => Value::Float(*f),
        ast::Constant::Tuple(t) => Value::Tuple(t.iter().map(constant).collect::<Result<_>>()?),
        ast::Constant::Bytes(_) => return Err(EngineError::unsupported("bytes literals")),
        ast::Constant::Complex { .. } => return Err(EngineError::unsupported("complex numbers")),
        ast::Constant::Ellipsis => return Err(EngineError::unsupported("...")),
    })
}

/// Items of an iterable value.
pub(crate) fn iterate(v: Value) -> Result<Vec<Value>> {
    match v {
        Value::List(v) | Value::Tuple(v) => Ok(v),
        Value::Dict(d) => Ok(d.into_iter().map(|(k, _)| k).collect()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        Value::Row(r) => Ok(r.into_iter().map(|(_, v)| v).collect()),
        Value::Column(_) => Err(EngineError::python("TypeError", "Column is not iterable")),
        other => Err(EngineError::python("TypeError", format!("'{}' object is not iterable", other.type_name()))),
    }
}

/// Modules a script may import.
fn module_value(name: &str) -> Option<Value> {
    Some(match name {
        "pyspark" | "pyspark.sql" => Value::Module("pyspark.sql"),
        "pyspark.sql.functions" => Value::Module("pyspark.sql.functions"),
        "pyspark.sql.types" => Value::Module("pyspark.sql.types"),
        "pyspark.sql.window" => Value::Module("pyspark.sql.window"),
        "pyspark.sql.streaming" => Value::Module("pyspark.sql.streaming"),
        "sys" | "os" | "time" | "json" | "re" | "datetime" | "math" | "random" | "logging" => {
            return Some(Value::Module(match name {
                "sys" => "sys",
                "os" => "os",
                "time" => "time",
                "json" => "json",
                "re" => "re",
                "datetime" => "datetime",
                "math" => "math",
                "random" => "random",
                _ => "logging",
            }))
        }
        _ => return None,
    })
}

fn import_from(module: &str, name: &str) -> Result<Value> {
    let m = module_value(module).ok_or_else(|| no_module(module))?;
    let full = format!("{module}.{name}");
    if let Some(v) = module_value(&full) {
        return Ok(v);
    }
    api::attribute(m, name, &mut Session::default()).map_err(|_| {
        EngineError::python("ImportError", format!("cannot import name '{name}' from '{module}'"))
    })
}

/// What `from M import *` binds.
fn star_import(module: &str) -> Option<Vec<(String, Value)>> {
    match module {
        "pyspark.sql.functions" => Some(
            names::FUNCTIONS_ALL.iter().map(|n| (n.to_string(), Value::Builtin(format!("F.{n}")))).collect(),
        ),
        "pyspark.sql.types" => {
            Some(names::TYPES_ALL.iter().map(|n| (n.to_string(), Value::Builtin(format!("T.{n}")))).collect())
        }
        "pyspark.sql" => Some(
            ["SparkSession", "DataFrame", "Column", "Row", "functions", "types", "Window"]
                .iter()
                .filter_map(|n| api::attribute(Value::Module("pyspark.sql"), n, &mut Session::default()).ok().map(|v| (n.to_string(), v)))
                .collect(),
        ),
        _ => None,
    }
}

/// Python builtins a script may call.
fn python_builtin(name: &str) -> Option<Value> {
    const BUILTINS: &[&str] = &[
        "print", "len", "str", "int", "float", "bool", "list", "tuple", "dict", "range", "enumerate", "zip", "sorted",
        "min", "max", "sum", "abs", "round", "isinstance", "type", "repr", "set", "reversed", "any", "all", "map", "format",
        "filter",
    ];
    BUILTINS.contains(&name).then(|| Value::Builtin(format!("py.{name}")))
}

impl Script {
    pub(crate) fn set_pending_wait(&mut self, w: Wait) {
        self.pending_wait = Some(w);
    }
}
