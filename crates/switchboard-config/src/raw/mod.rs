//! The first stage: project files as written, with the position of every value.
//!
//! Each connector, operation, entity and intent is decoded on its own, so one bad item does
//! not hide the problems of the others; items that failed are remembered as broken so that
//! references to them are not reported a second time.

mod auth;
mod channels;
mod common;
mod connector;
pub mod de;
mod entity;
mod inbound;
mod intent;
mod llm;
mod operation;
mod platforms;
mod policy;
mod pollers;
mod project;
mod state;
mod telemetry;
mod tools;
mod webhooks;

pub use auth::{
    RawAuth, RawClientAuth, RawHmacAlgorithm, RawHmacEncoding, RawJwtAlgorithm, RawKeyLocation,
    RawSignedPart,
};
pub use channels::{RawChannel, RawChannelIdentity, RawWhatsappTemplate};
pub use common::{
    ExpressionDoc, JsonPathDoc, Pos, RawDuration, RawValue, RawValueKind, SecretDoc, Spanned,
    TemplateDoc, ValueTemplateDoc, parse_duration,
};
pub use connector::{RawConnector, RawConnectorType};
pub use entity::{RawEntity, RawLookup};
pub use inbound::{
    RawInbound, RawInboundConnections, RawInboundJwt, RawInboundKey, RawInboundLimit,
    RawInboundLimits, RawInboundStreams, RawScope,
};
pub use intent::{
    RawConfirm, RawConfirmDoc, RawExamples, RawIntent, RawReply, RawReplyVariant, RawSlot, RawStep,
};
pub use llm::{RawLlm, RawLlmLimits, RawLlmMode, RawLlmPrices, RawUnderstandWhen};
pub use operation::{
    RawBodyFormat, RawInput, RawInputSpec, RawInputType, RawOperation, RawResponse,
};
pub use platforms::{RawDialogflow, RawInboundAuth, RawRasa, RawRasaAction};
pub use policy::{
    RawAlerts, RawBackoff, RawBreakerScope, RawCache, RawCacheScope, RawCircuitBreaker,
    RawRateLimit, RawRetry,
};
pub use pollers::RawPoller;
pub use project::{INCLUDED_KEYS, RawBot, RawProject, RawStorage, TOP_KEYS};
pub use state::{RawDownMode, RawState, RawWhenDown};
pub use telemetry::{
    RawAudit, RawConnectorTelemetry, RawHealthCheck, RawLogFormat, RawObjectives, RawRedact,
    RawTelemetry,
};
pub use tools::{RawToolSetting, RawToolSpec, RawTools};
pub use webhooks::{RawVerify, RawWebhookRoute, RawWebhookSource};

use crate::suggest;
use de::{DeError, from_node, pos_of, scalar_pos};
use marked_yaml::{LoadError, LoaderOptions, Node};
use std::collections::HashSet;

/// A problem found while reading a file.
#[derive(Debug, Clone, PartialEq)]
pub struct RawError {
    /// Where.
    pub pos: Pos,
    /// A full sentence.
    pub message: String,
}

/// Names of items whose definitions could not be read.
#[derive(Debug, Default)]
pub struct Broken {
    /// Connectors (their operations are unknown too).
    pub connectors: HashSet<String>,
    /// `connector.operation`.
    pub operations: HashSet<String>,
    /// Entities.
    pub entities: HashSet<String>,
    /// Intents (their slots are unknown too).
    pub intents: HashSet<String>,
}

/// One file, read.
#[derive(Debug, Default)]
pub struct RawFile {
    /// What could be read.
    pub project: RawProject,
    /// Items that could not be read.
    pub broken: Broken,
}

/// Reads one file. `source` is its index in the loader's file table; `main` says whether
/// it is the main project file (only that one may set `bot` and `storage`).
pub fn parse_file(source: usize, text: &str, main: bool, errors: &mut Vec<RawError>) -> RawFile {
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let root = match marked_yaml::parse_yaml_with_options(source, text, options) {
        Ok(root) => root,
        Err(e) => {
            errors.push(load_error(source, &e));
            return RawFile::default();
        }
    };
    let mut file = RawFile::default();
    let Some(map) = root.as_mapping() else {
        errors.push(RawError {
            pos: pos_of(&root),
            message: "expected a map of sections".into(),
        });
        return file;
    };
    let allowed = if main { TOP_KEYS } else { INCLUDED_KEYS };
    let mut reader = Reader {
        errors,
        broken: &mut file.broken,
    };
    for (key, node) in map.iter() {
        let kpos = scalar_pos(key);
        let project = &mut file.project;
        match key.as_str() {
            k if !allowed.contains(&k) => {
                let message = if TOP_KEYS.contains(&k) {
                    format!("{k} can only be set in the main project file, not in an included file")
                } else {
                    let place = if main {
                        "the project file"
                    } else {
                        "an included file"
                    };
                    format!(
                        "unknown key {k:?} in {place}{}",
                        suggest::did_you_mean(k, allowed.iter().copied())
                    )
                };
                reader.errors.push(RawError { pos: kpos, message });
            }
            "bot" => project.bot = reader.item(node, kpos, "bot"),
            "storage" => project.storage = reader.item(node, kpos, "storage"),
            "state" => project.state = reader.item(node, kpos, "state"),
            "rasa" => project.rasa = reader.item(node, kpos, "rasa"),
            "dialogflow" => project.dialogflow = reader.item(node, kpos, "dialogflow"),
            "inbound" => project.inbound = reader.item(node, kpos, "inbound"),
            "pollers" => {
                for (name, pnode) in reader.entries(node, "pollers") {
                    let what = format!("poller {:?}", name.value);
                    if let Some(p) = reader.item(pnode, name.pos, &what) {
                        project.pollers.insert(name, p);
                    }
                }
            }
            "channels" => {
                for (name, cnode) in reader.entries(node, "channels") {
                    let what = format!("channel {:?}", name.value);
                    if let Some(c) = reader.item(cnode, name.pos, &what) {
                        project.channels.insert(name, c);
                    }
                }
            }
            "webhooks" => {
                for (name, wnode) in reader.entries(node, "webhooks") {
                    let what = format!("webhook source {:?}", name.value);
                    if let Some(w) = reader.item(wnode, name.pos, &what) {
                        project.webhooks.insert(name, w);
                    }
                }
            }
            "telemetry" => project.telemetry = reader.item(node, kpos, "telemetry"),
            "tools" => project.tools = reader.item(node, kpos, "tools"),
            "llm" => project.llm = reader.item(node, kpos, "llm"),
            "include" => project.include = reader.item(node, kpos, "include").unwrap_or_default(),
            "connectors" => {
                for (name, cnode) in reader.entries(node, "connectors") {
                    if let Some(c) = reader.connector(&name, cnode) {
                        project.connectors.insert(name, c);
                    }
                }
            }
            "entities" => {
                for (name, enode) in reader.entries(node, "entities") {
                    let what = format!("entity {:?}", name.value);
                    match reader.item(enode, name.pos, &what) {
                        Some(e) => {
                            project.entities.insert(name, e);
                        }
                        None => {
                            reader.broken.entities.insert(name.value);
                        }
                    }
                }
            }
            _ => {
                for (name, inode) in reader.entries(node, "intents") {
                    let what = format!("intent {:?}", name.value);
                    match reader.item(inode, name.pos, &what) {
                        Some(i) => {
                            project.intents.insert(name, i);
                        }
                        None => {
                            reader.broken.intents.insert(name.value);
                        }
                    }
                }
            }
        }
    }
    file
}

struct Reader<'a> {
    errors: &'a mut Vec<RawError>,
    broken: &'a mut Broken,
}

impl Reader<'_> {
    /// Decodes one item, reporting a failure against `what` (`connector "store"`).
    fn item<T: serde::de::DeserializeOwned>(
        &mut self,
        node: &Node,
        key_pos: Pos,
        what: &str,
    ) -> Option<T> {
        match from_node::<T>(node, Some(key_pos)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(&e, key_pos, what);
                None
            }
        }
    }

    fn push(&mut self, e: &DeError, fallback: Pos, what: &str) {
        self.errors.push(RawError {
            pos: e.pos.unwrap_or(fallback),
            message: e.message(what),
        });
    }

    /// The entries of a section that maps names to items (`connectors`, `intents`).
    fn entries<'n>(&mut self, node: &'n Node, section: &str) -> Vec<(Spanned<String>, &'n Node)> {
        match node {
            Node::Mapping(m) => m
                .iter()
                .map(|(k, v)| (Spanned::new(scalar_pos(k), k.as_str().to_string()), v))
                .collect(),
            Node::Scalar(s) if s.may_coerce() && matches!(s.as_str(), "" | "~" | "null") => {
                Vec::new()
            }
            other => {
                let found = match other {
                    Node::Sequence(_) => "a list".to_string(),
                    Node::Scalar(s) => format!("{:?}", s.as_str()),
                    Node::Mapping(_) => "a map".to_string(),
                };
                self.errors.push(RawError {
                    pos: pos_of(other),
                    message: format!("expected a map of {section} by name, found {found}"),
                });
                Vec::new()
            }
        }
    }

    /// A connector, with each of its operations decoded separately.
    fn connector(&mut self, name: &Spanned<String>, node: &Node) -> Option<RawConnector> {
        let what = format!("connector {:?}", name.value);
        let mut without_ops = node.clone();
        let mut ops_node = None;
        if let Some(m) = without_ops.as_mapping_mut() {
            ops_node = m.remove("operations");
        }
        let connector: Option<RawConnector> = self.item(&without_ops, name.pos, &what);
        let mut operations = indexmap::IndexMap::new();
        if let Some(ops) = &ops_node {
            let ops_key_pos = node
                .as_mapping()
                .and_then(|m| {
                    m.keys()
                        .find(|k| k.as_str() == "operations")
                        .map(scalar_pos)
                })
                .unwrap_or(name.pos);
            let entries = match ops {
                Node::Mapping(_) | Node::Scalar(_) => self.entries(ops, "operations"),
                Node::Sequence(_) => {
                    self.errors.push(RawError {
                        pos: ops_key_pos,
                        message: format!(
                            "expected a map of operations by name in {what}, found a list"
                        ),
                    });
                    Vec::new()
                }
            };
            for (op_name, op_node) in entries {
                let op_what = format!("operation \"{}.{}\"", name.value, op_name.value);
                match self.item::<RawOperation>(op_node, op_name.pos, &op_what) {
                    Some(op) => {
                        operations.insert(op_name, op);
                    }
                    None => {
                        self.broken
                            .operations
                            .insert(format!("{}.{}", name.value, op_name.value));
                    }
                }
            }
        }
        match connector {
            Some(mut c) => {
                c.operations = operations;
                Some(c)
            }
            None => {
                self.broken.connectors.insert(name.value.clone());
                None
            }
        }
    }
}

/// A YAML error as one positioned sentence.
fn load_error(source: usize, e: &LoadError) -> RawError {
    let at = |m: &marked_yaml::Marker| Pos {
        source,
        line: u32::try_from(m.line()).unwrap_or(u32::MAX),
        col: u32::try_from(m.column()).unwrap_or(u32::MAX),
    };
    let (pos, message) = match e {
        LoadError::ScanError(m, s) => (at(m), format!("YAML syntax error: {}", s.info())),
        LoadError::TopLevelMustBeMapping(m) => (
            at(m),
            "expected a map of sections (connectors, intents, ...)".into(),
        ),
        LoadError::TopLevelMustBeSequence(m) => (at(m), "expected a list".into()),
        LoadError::UnexpectedAnchor(m) => {
            (at(m), "YAML anchors and aliases are not supported".into())
        }
        LoadError::MappingKeyMustBeScalar(m) => (
            at(m),
            "map keys must be plain values, not lists or maps".into(),
        ),
        LoadError::UnexpectedTag(m) => (at(m), "YAML tags (!name) are not supported".into()),
        LoadError::DuplicateKey(d) => {
            let first = d
                .prev_key
                .span()
                .start()
                .map(|m| format!(" (first given at line {})", m.line()))
                .unwrap_or_default();
            let pos = d.key.span().start().map(at).unwrap_or(Pos {
                source,
                line: 1,
                col: 1,
            });
            (pos, format!("duplicate key {:?}{first}", d.key.as_str()))
        }
    };
    RawError { pos, message }
}
