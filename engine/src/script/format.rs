//! Python's format specification mini-language (`f"{x:.2f}"`,
//! `"{:>5}".format(s)`, `format(x, ",d")`): fill, alignment, sign, zero
//! padding, width, thousands separator, precision, and the types
//! `s d f F e E % g`.

use super::value::{python_float, Value};
use crate::error::{EngineError, Result};

fn bad(spec: &str, v: &Value) -> EngineError {
    EngineError::python("ValueError", format!("Unknown format code '{spec}' for object of type '{}'", v.type_name()))
}

/// `format(v, spec)`.
pub fn format_value(v: &Value, spec: &str) -> Result<String> {
    if spec.is_empty() {
        return Ok(v.to_str());
    }
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut fill = ' ';
    let mut align: Option<char> = None;
    if chars.len() >= 2 && "<>^=".contains(chars[1]) {
        fill = chars[0];
        align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && "<>^=".contains(chars[0]) {
        align = Some(chars[0]);
        i = 1;
    }
    let mut sign = '-';
    if i < chars.len() && "+- ".contains(chars[i]) {
        sign = chars[i];
        i += 1;
    }
    if i < chars.len() && chars[i] == '#' {
        i += 1;
    }
    if i < chars.len() && chars[i] == '0' && align.is_none() {
        fill = '0';
        align = Some('=');
        i += 1;
    }
    let mut width = 0usize;
    while i < chars.len() && chars[i].is_ascii_digit() {
        width = width.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize).min(10_000);
        i += 1;
    }
    let mut grouping: Option<char> = None;
    if i < chars.len() && (chars[i] == ',' || chars[i] == '_') {
        grouping = Some(chars[i]);
        i += 1;
    }
    let mut precision: Option<usize> = None;
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        let mut p = 0usize;
        while i < chars.len() && chars[i].is_ascii_digit() {
            p = p.saturating_mul(10).saturating_add(chars[i] as usize - '0' as usize).min(1000);
            i += 1;
        }
        precision = Some(p);
    }
    let ty = chars.get(i).copied();
    if i + usize::from(ty.is_some()) != chars.len() {
        return Err(EngineError::python("ValueError", "Invalid format specifier"));
    }
    let group = |digits: &str| -> String {
        let Some(g) = grouping else { return digits.to_string() };
        let (int, frac) = digits.split_once('.').map_or((digits, None), |(a, b)| (a, Some(b)));
        let mut out = String::new();
        for (k, c) in int.chars().enumerate() {
            if k > 0 && (int.len() - k) % 3 == 0 {
                out.push(g);
            }
            out.push(c);
        }
        if let Some(f) = frac {
            out.push('.');
            out.push_str(f);
        }
        out
    };
    let (neg, body, numeric) = match (v, ty) {
        (Value::Str(s), None | Some('s')) => {
            let s: String = match precision {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            };
            (false, s, false)
        }
        (Value::Int(n), None | Some('d')) if precision.is_none() => (*n < 0, group(&n.unsigned_abs().to_string()), true),
        (Value::Bool(b), None) => (false, Value::Bool(*b).to_str(), false),
        (Value::Int(_) | Value::Float(_) | Value::Bool(_), Some('f' | 'F' | '%' | 'e' | 'E' | 'g' | 'G') | None) => {
            let x = match v {
                Value::Int(n) => *n as f64,
                Value::Bool(b) => *b as i64 as f64,
                Value::Float(f) => *f,
                _ => 0.0,
            };
            let x = if ty == Some('%') { x * 100.0 } else { x };
            let p = precision.unwrap_or(6);
            let text = match ty {
                Some('f' | 'F' | '%') => format!("{:.*}", p, x.abs()),
                Some('e' | 'E') => {
                    let s = format!("{:.*e}", p, x.abs());
                    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                    let e: i32 = e.parse().unwrap_or(0);
                    let s = format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
                    if ty == Some('E') { s.to_uppercase() } else { s }
                }
                Some('g' | 'G') => python_float(x.abs()),
                _ => match precision {
                    Some(p) => format!("{:.*}", p, x.abs()),
                    None => python_float(x.abs()),
                },
            };
            (x.is_sign_negative() && x != 0.0, group(&text) + if ty == Some('%') { "%" } else { "" }, true)
        }
        _ => return Err(bad(spec, v)),
    };
    let sign_text = if neg {
        "-"
    } else if numeric && sign == '+' {
        "+"
    } else if numeric && sign == ' ' {
        " "
    } else {
        ""
    };
    let len = sign_text.chars().count() + body.chars().count();
    let pad = width.saturating_sub(len);
    let fills = |n: usize| std::iter::repeat(fill).take(n).collect::<String>();
    let align = align.unwrap_or(if numeric { '>' } else { '<' });
    Ok(match align {
        '<' => format!("{sign_text}{body}{}", fills(pad)),
        '^' => format!("{}{sign_text}{body}{}", fills(pad / 2), fills(pad - pad / 2)),
        '=' => format!("{sign_text}{}{body}", fills(pad)),
        _ => format!("{}{sign_text}{body}", fills(pad)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_specs() {
        let f = |v: Value, s: &str| format_value(&v, s).unwrap();
        assert_eq!(f(Value::Float(3.14159), ".2f"), "3.14");
        assert_eq!(f(Value::Int(5), "03d"), "005");
        assert_eq!(f(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(f(Value::Str("ab".into()), ">5"), "   ab");
        assert_eq!(f(Value::Str("ab".into()), "*^6"), "**ab**");
        assert_eq!(f(Value::Float(0.256), ".1%"), "25.6%");
        assert_eq!(f(Value::Float(-2.5), "8.2f"), "   -2.50");
        assert_eq!(f(Value::Int(7), "<4"), "7   ");
        assert!(format_value(&Value::Str("x".into()), "d").is_err());
    }
}
