//! The `intents` section: what users ask for, the slots it needs, the steps that serve it,
//! and the replies.

use super::common::{ExpressionDoc, RawValue, Spanned, TemplateDoc, ValueTemplateDoc};
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// What a user wants, and how the bot serves it. Its templates see `slots`, `steps`, `user`,
/// `turn`, `conversation` and, in error replies, `error`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Intent")]
pub struct RawIntent {
    /// What the intent is for (shown by `help` and to LLM agents).
    pub description: Option<String>,
    /// Example utterances the classifier learns from: at least one; fewer than three draws a
    /// warning. A list, or lists by language (`{en: [...], hi-Latn: [...], ar: [...]}`, tags
    /// as in BCP 47): the classifier learns from all of them, and the languages are what a
    /// message's language is recognised among (see `language` in a reply variant).
    #[serde(default)]
    #[schemars(with = "ExamplesDoc")]
    pub examples: RawExamples,
    /// Values the intent needs, by name, in the order they are asked for. Slot values carry
    /// over between intents of a conversation, but a value the user gives replaces a carried
    /// one: when the slot's entity does not recognise it ("weather in Tokyo" with no Tokyo
    /// in the list; the word right after one that precedes the entity in the examples, such
    /// as `in` or `ticket`), the slot is asked again with the reason. A bare answer to a
    /// slot's question is also read after those words ("12" as "ticket 12").
    #[serde(default)]
    pub slots: IndexMap<Spanned<String>, Spanned<RawSlot>>,
    /// Operation calls, by name. Steps that read other steps (`steps.NAME` in `with` or
    /// `when`) run after them; the others run concurrently.
    #[serde(default)]
    pub steps: IndexMap<Spanned<String>, Spanned<RawStep>>,
    /// A question to confirm before the steps run, or `false`. Required when a
    /// step calls an operation that writes (any method but GET and HEAD). Answers are read in
    /// the words people use: `sure, go ahead`, `ok do it`, `haan`, `تمام` are yes; `no wait`,
    /// `not now`, `nahi` are no (a no to a slot's question stops the intent too). On the Rasa and
    /// Dialogflow routes too: the question is the answer until the platform's `confirmed`
    /// slot or parameter says yes.
    #[schemars(with = "Option<RawConfirmDoc>")]
    pub confirm: Option<Spanned<RawConfirm>>,
    /// The reply when the steps succeeded: a template, or a list of `{when, text}` variants
    /// of which the first whose `when` holds is used. Required.
    pub reply: Option<Spanned<RawReply>>,
    /// Replies when a required step failed, by outcome (`not_found`, `bad_request`,
    /// `unauthorized`, `forbidden`, `conflict`, `rate_limited`, `unavailable`, `timeout`,
    /// `invalid_response`) or `default` for any other failure. Each is a reply as in `reply`.
    /// When a step needs the user's connected account (`oauth2_authorization_code`) and there
    /// is none or it was revoked, the bot answers with a connect link unless `unauthorized`
    /// is given here (`error.connect_url` holds the link, `error.reason` is `not_connected`
    /// or `needs_reconsent`). A platform call whose user ids are not trusted
    /// (`trust_user_ids` off) gets no link: `error.reason` is `untrusted_user`. Default: none.
    #[serde(default)]
    pub on_error: IndexMap<Spanned<String>, Spanned<RawReply>>,
    /// Whether and how LLM agents get this intent as a tool (its slots are the arguments,
    /// its steps run, its reply is the result): `true`, `false`, or a map (see
    /// [tool](#tool)). Only an intent with steps can be a tool. Default: the project's
    /// `tools.expose` for an intent with steps.
    pub tool: Option<Spanned<super::tools::RawToolSetting>>,
    /// Whether the model words this intent's reply from its steps' data (with the template's
    /// reply as the fallback). Default: whether the `llm` section's `modes` has `reply`.
    pub llm_reply: Option<Spanned<bool>>,
}

/// A value the intent needs before its steps run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Slot")]
pub struct RawSlot {
    /// The entity that fills the slot from a message: a declared entity or a built-in
    /// (`number`, `amount`, `date`, `date_range`, `time`, `email`, `phone`). Without one the
    /// slot takes free text: the answer to its question, or, for an intent's only free-text
    /// slot, the message that starts the intent when it says more than the examples do ("my
    /// laptop is broken, open a ticket").
    pub entity: Option<Spanned<String>>,
    /// The question asked when the slot is missing. A slot without `ask` is
    /// optional.
    #[schemars(with = "Option<TemplateDoc>")]
    pub ask: Option<Spanned<String>>,
    /// Used when nothing fills the slot.
    pub default: Option<RawValue>,
    /// Whether the value carries over to later intents in the same conversation.
    /// Default: `true`.
    pub carry_over: Option<Spanned<bool>>,
}

/// An operation call inside an intent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub struct RawStep {
    /// The operation, as `CONNECTOR.OPERATION`. Required.
    pub call: Spanned<String>,
    /// Arguments: operation input → value template. Every required input without a default
    /// must be given. `"{{ slots.NAME }}"` also makes the slot validated like the input.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueTemplateDoc>")]
    pub with: IndexMap<Spanned<String>, RawValue>,
    /// The step runs only when this expression is true.
    #[schemars(with = "Option<ExpressionDoc>")]
    pub when: Option<Spanned<String>>,
    /// Whether the intent goes on when this step fails (its result is then null).
    /// Default: `false`.
    pub optional: Option<Spanned<bool>>,
    /// Replies by outcome for this step's failures, tried before the intent's `on_error`.
    #[serde(default)]
    pub on_error: IndexMap<Spanned<String>, Spanned<RawReply>>,
}

/// A confirmation question, or `false` for none.
#[derive(Debug)]
pub enum RawConfirm {
    /// Ask this (a template).
    Ask(String),
    /// Explicitly no confirmation.
    No,
}

/// A question to ask before the steps run (a template), or `false` for none.
#[derive(JsonSchema)]
#[schemars(untagged, rename = "Confirm")]
pub enum RawConfirmDoc {
    /// The question.
    Ask(TemplateDoc),
    /// `false`: no confirmation.
    No(bool),
}

/// A reply: one template, or variants tried in order. In `on_error` it may also be
/// `{escalate: INTENT}`.
#[derive(Debug, JsonSchema)]
#[schemars(untagged, rename = "Reply")]
pub enum RawReply {
    /// A template.
    Text(#[schemars(with = "TemplateDoc")] String),
    /// Variants: the first whose `when` holds (or that has none) is used.
    Variants(Vec<Spanned<RawReplyVariant>>),
    /// Hand the failure to another intent (in `on_error` only).
    Escalate(#[schemars(with = "EscalateDoc")] Spanned<String>),
}

/// `{escalate: INTENT}`: instead of apologising, run another intent (typically one whose steps
/// open a ticket in a helpdesk connector) with the same slots and the failure as `error`, and
/// reply with its reply. The escalation intent's own failures use its own replies; it does not
/// escalate further.
#[derive(JsonSchema)]
#[schemars(rename = "Escalate")]
#[allow(dead_code)]
pub struct EscalateDoc {
    /// The intent to run.
    escalate: String,
}

/// Examples: a list, or lists by language.
#[derive(Debug)]
pub enum RawExamples {
    /// Examples in the project's one language.
    List(Vec<Spanned<String>>),
    /// Language tag → examples.
    ByLanguage(IndexMap<Spanned<String>, Vec<Spanned<String>>>),
}

impl Default for RawExamples {
    fn default() -> Self {
        RawExamples::List(Vec::new())
    }
}

/// One example with the language it was given under, if any.
pub type LanguageExample<'a> = (Option<&'a Spanned<String>>, &'a Spanned<String>);

impl RawExamples {
    /// Every example with its language, in file order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = LanguageExample<'_>> + '_> {
        match self {
            RawExamples::List(l) => Box::new(l.iter().map(|e| (None, e))),
            RawExamples::ByLanguage(m) => Box::new(
                m.iter()
                    .flat_map(|(lang, l)| l.iter().map(move |e| (Some(lang), e))),
            ),
        }
    }
}

/// The schema of [`RawExamples`].
#[derive(JsonSchema)]
#[schemars(untagged, rename = "Examples")]
#[allow(dead_code)]
pub(crate) enum ExamplesDoc {
    /// Examples in one language.
    List(Vec<String>),
    /// Examples by language tag (`en`, `hi-Latn`, `ar`).
    ByLanguage(IndexMap<String, Vec<String>>),
}

impl<'de> Deserialize<'de> for RawExamples {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawExamples;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of examples, or lists by language ({en: [...], ar: [...]})")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawExamples, A::Error> {
                IndexMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawExamples::ByLanguage)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawExamples, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawExamples::List)
            }
        }
        d.deserialize_any(V)
    }
}

/// One reply variant.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ReplyVariant")]
pub struct RawReplyVariant {
    /// Use this variant only when this expression is true.
    #[schemars(with = "Option<ExpressionDoc>")]
    pub when: Option<Spanned<String>>,
    /// Use this variant only when the user writes in this language: one of the intents'
    /// example languages (`ar` also takes `ar-AE`), recognised per message and remembered
    /// for the conversation (`conversation.language` in templates).
    pub language: Option<Spanned<String>>,
    /// The reply text. Required.
    #[schemars(with = "TemplateDoc")]
    pub text: Spanned<String>,
}

impl<'de> Deserialize<'de> for RawReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawReply;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a reply text, a list of {when, text} variants, or {escalate: INTENT}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawReply, A::Error> {
                let mut target = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "escalate" {
                        target = Some(map.next_value::<Spanned<String>>()?);
                    } else {
                        return Err(de::Error::custom(format!(
                            "unknown key {key:?} in a reply; a reply written as a map takes only \"escalate\""
                        )));
                    }
                }
                target.map(RawReply::Escalate).ok_or_else(|| {
                    de::Error::custom("a reply written as a map needs \"escalate: INTENT\"")
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawReply, E> {
                Ok(RawReply::Text(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawReply, E> {
                Ok(RawReply::Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawReply, E> {
                Ok(RawReply::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawReply, E> {
                Ok(RawReply::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawReply, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawReply::Variants)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawConfirm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawConfirm;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a question to ask, or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawConfirm, E> {
                if v {
                    Err(E::custom(
                        "confirm: true needs the question to ask; write the question, or false",
                    ))
                } else {
                    Ok(RawConfirm::No)
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawConfirm, E> {
                Ok(RawConfirm::Ask(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
