//! Templates as they appear in a compiled project: text templates, expressions, and
//! structured values whose leaves may be either.
//!
//! The sources here have already been parsed once by minijinja at load time, so the runtime
//! can register them without a syntax error ever reaching a user.

use crate::diagnostic::Span;
use indexmap::IndexMap;

/// A minijinja text template, such as a reply or a query value.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// A unique name within the project (for example `intents.order_status.reply.0`),
    /// under which the runtime registers the template.
    pub id: String,
    /// The template text.
    pub source: String,
    /// Where the template was written.
    pub span: Span,
}

/// A minijinja expression, such as a `when` condition or the inside of `"{{ slots.order_id }}"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// A unique name within the project.
    pub id: String,
    /// The expression text, without braces.
    pub source: String,
    /// Where the expression was written.
    pub span: Span,
}

/// A structured value with templated leaves: step `with` arguments, request bodies, query
/// values and headers.
///
/// A string that is exactly one `{{ expression }}` keeps the expression's type (a number stays
/// a number, an object stays an object); any other string with `{{` is a text template. This
/// is what makes a request body valid JSON by construction: values are inserted as JSON
/// values, never spliced into JSON text.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueTemplate {
    /// A constant.
    Literal(serde_json::Value),
    /// A whole-string expression: its value is used as is.
    Expr(Expression),
    /// A text template: its rendering is a string.
    Text(Template),
    /// An object whose values are templates.
    Object(IndexMap<String, ValueTemplate>),
    /// An array whose items are templates.
    Array(Vec<ValueTemplate>),
}

impl ValueTemplate {
    /// Calls `f` with the source of every expression and text template inside, in order.
    pub fn for_each_source(&self, f: &mut impl FnMut(&str)) {
        match self {
            ValueTemplate::Literal(_) => {}
            ValueTemplate::Expr(e) => f(&e.source),
            ValueTemplate::Text(t) => f(&t.source),
            ValueTemplate::Object(m) => m.values().for_each(|v| v.for_each_source(f)),
            ValueTemplate::Array(a) => a.iter().for_each(|v| v.for_each_source(f)),
        }
    }

    /// The expression, when this value is exactly `{{ expression }}`.
    pub fn as_expr(&self) -> Option<&Expression> {
        match self {
            ValueTemplate::Expr(e) => Some(e),
            _ => None,
        }
    }
}
