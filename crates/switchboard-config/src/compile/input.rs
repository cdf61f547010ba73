//! Operation inputs: type, constraints (pattern, enum, lengths, bounds) and a default that
//! must pass them.

use super::Ctx;
use crate::model::{Input, InputType};
use crate::raw::{RawInput, RawInputSpec, RawInputType, Spanned};
use regex::Regex;

fn input_type(t: RawInputType) -> InputType {
    match t {
        RawInputType::String => InputType::String,
        RawInputType::Integer => InputType::Integer,
        RawInputType::Number => InputType::Number,
        RawInputType::Boolean => InputType::Boolean,
        RawInputType::Object => InputType::Object,
    }
}

fn bare(ty: InputType) -> Input {
    Input {
        ty,
        required: true,
        default: None,
        pattern: None,
        allowed: None,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        description: None,
    }
}

/// The one-line message of a regex error.
pub(crate) fn regex_message(e: &regex::Error) -> String {
    let s = e.to_string();
    s.lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| s.lines().last().unwrap_or_default().to_string())
}

/// Compiles an input's type and constraints; the default must pass them.
pub(crate) fn input(ctx: &mut Ctx, name: &str, raw: &Spanned<RawInput>) -> Input {
    let spec: &RawInputSpec = match &raw.value {
        RawInput::Type(t) => return bare(input_type(*t)),
        RawInput::Spec(s) => s,
    };
    let ty = input_type(spec.ty.value);
    let mut i = bare(ty);
    i.description = spec.description.clone();
    let string_only = |ctx: &mut Ctx, key: &str, pos| {
        if ty != InputType::String {
            ctx.error(
                pos,
                format!(
                    "{key} applies only to string inputs, and {name:?} has type {}",
                    ty.as_str()
                ),
            );
        }
    };
    if let Some(p) = &spec.pattern {
        string_only(ctx, "pattern", p.pos);
        match Regex::new(&format!("^(?:{})$", p.value)) {
            Ok(re) => i.pattern = Some(re),
            Err(e) => ctx.error(p.pos, format!("invalid pattern: {}", regex_message(&e))),
        }
    }
    if let Some(m) = &spec.min_length {
        string_only(ctx, "min_length", m.pos);
        i.min_length = Some(usize::try_from(m.value).unwrap_or(usize::MAX));
    }
    if let Some(m) = &spec.max_length {
        string_only(ctx, "max_length", m.pos);
        i.max_length = Some(usize::try_from(m.value).unwrap_or(usize::MAX));
        if i.min_length
            .is_some_and(|min| min > i.max_length.unwrap_or(usize::MAX))
        {
            ctx.error(m.pos, "max_length is less than min_length");
        }
    }
    for (key, v, slot) in [
        ("minimum", &spec.minimum, &mut i.minimum),
        ("maximum", &spec.maximum, &mut i.maximum),
    ] {
        if let Some(v) = v {
            if !matches!(ty, InputType::Integer | InputType::Number) {
                ctx.error(
                    v.pos,
                    format!(
                        "{key} applies only to numeric inputs, and {name:?} has type {}",
                        ty.as_str()
                    ),
                );
            }
            *slot = Some(v.value);
        }
    }
    if let (Some(min), Some(max)) = (i.minimum, i.maximum)
        && min > max
        && let Some(m) = &spec.maximum
    {
        ctx.error(m.pos, "maximum is less than minimum");
    }
    if let Some(values) = &spec.allowed {
        let checker = bare(ty);
        let mut allowed = Vec::new();
        for v in values.value.iter() {
            match checker.validate(&v.to_json()) {
                Ok(ok) => allowed.push(ok),
                Err(e) => ctx.error(v.pos, format!("enum value {} {e}", v.describe())),
            }
        }
        if values.value.is_empty() {
            ctx.error(values.pos, "enum must list at least one value");
        }
        i.allowed = Some(allowed);
    }
    if let Some(d) = &spec.default {
        match i.validate(&d.to_json()) {
            Ok(v) => i.default = Some(v),
            Err(e) => ctx.error(
                d.pos,
                format!("default {} for input {name:?} {e}", d.describe()),
            ),
        }
    }
    i.required = match &spec.required {
        Some(r) => r.value,
        None => spec.default.is_none(),
    };
    i
}
