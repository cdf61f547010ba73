//! The second stage: raw files become a [`Project`]. References are resolved, templates,
//! JSONPaths, schemas and patterns parsed, secrets loaded, and intents linked to operations.
//!
//! Every function here returns its best-effort result and records problems in [`Ctx`], so one
//! run reports every error; the project is handed out only when there were none.

mod accounts;
mod auth;
mod channels;
mod connector;
mod entity;
mod graph;
mod inbound;
mod includes;
mod input;
mod intent;
mod llm;
mod operation;
mod platforms;
mod policy;
mod pollers;
mod reply;
mod response;
mod secrets;
mod settings;
mod state;
mod step_fields;
mod telemetry;
mod templates;
mod tools;
mod webhooks;

use crate::LoadOptions;
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::model::{Connector, Project};
use crate::raw::{Pos, RawError};
use crate::suggest;
use indexmap::IndexMap;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What every compile step shares: the file table, the options, and the problems found.
pub(crate) struct Ctx<'o> {
    /// Files by source index, as displayed in messages.
    pub files: Vec<Arc<Path>>,
    /// How to read files and the environment.
    pub options: &'o LoadOptions,
    /// Problems so far.
    pub diags: Diagnostics,
    /// Template and expression ids handed out, to keep them unique.
    pub ids: HashSet<String>,
    /// The environment templates are parsed with.
    pub jinja: minijinja::Environment<'static>,
    /// `{escalate: INTENT}` replies seen: where, the target, and the reply's template id
    /// (checked once every intent is known).
    pub escalations: Vec<(Pos, String, String)>,
    /// Where connectors use `oauth2_authorization_code` (they need `bot.accounts_key`).
    pub account_connectors: Vec<Pos>,
    /// Every value a `${env:}` or `${file:}` reference resolved to, for redaction.
    pub secrets: Vec<crate::secret::Secret>,
    /// Tool names given in `tool: { name }`, where first (each must be unique).
    pub tool_names: std::collections::HashMap<String, Pos>,
    /// The languages intents give examples in, in order of first use (reply variants may
    /// only name these).
    pub languages: Vec<String>,
}

impl Ctx<'_> {
    /// The span of a position.
    pub fn span(&self, pos: Pos) -> Span {
        match self.files.get(pos.source) {
            Some(file) => Span::new(file.clone(), pos.line.max(1), pos.col.max(1)),
            None => Span::file_start("<unknown>"),
        }
    }

    /// Records an error.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let span = self.span(pos);
        self.diags.push(Diagnostic::error(span, message));
    }

    /// Records a warning.
    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        let span = self.span(pos);
        self.diags.push(Diagnostic::warning(span, message));
    }

    /// Records the problems found while reading a file.
    pub fn raw_errors(&mut self, errors: Vec<RawError>) {
        for e in errors {
            self.error(e.pos, e.message);
        }
    }

    /// The folder of the file a position is in (relative paths in that file start there).
    pub fn dir_of(&self, pos: Pos) -> PathBuf {
        self.files
            .get(pos.source)
            .and_then(|f| f.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// `file:line:col` of a position, for messages that point at a second place.
    pub fn place(&self, pos: Pos) -> String {
        self.span(pos).to_string()
    }

    /// A template id not used yet, based on `id`.
    pub fn unique_id(&mut self, id: String) -> String {
        if self.ids.insert(id.clone()) {
            return id;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{id}#{n}");
            if self.ids.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Loads and compiles the project at `path`.
pub(crate) fn load(
    path: &Path,
    options: &LoadOptions,
) -> Result<(Project, Diagnostics), Diagnostics> {
    let mut ctx = Ctx {
        files: Vec::new(),
        options,
        diags: Diagnostics::default(),
        ids: HashSet::new(),
        jinja: minijinja::Environment::new(),
        escalations: Vec::new(),
        account_connectors: Vec::new(),
        secrets: Vec::new(),
        tool_names: Default::default(),
        languages: Vec::new(),
    };
    let merged = includes::load_all(&mut ctx, path);

    let mut connectors = IndexMap::new();
    for (name, (key, raw)) in &merged.connectors {
        let c: Connector = connector::connector(&mut ctx, key, raw);
        connectors.insert(name.clone(), c);
    }
    policy::invalidations(&mut ctx, &merged.connectors, &mut connectors);
    let mut entities = IndexMap::new();
    for (name, (key, raw)) in &merged.entities {
        entities.insert(name.clone(), entity::entity(&mut ctx, key, raw));
    }
    let known = intent::Known::new(&connectors, &entities, &merged);
    ctx.languages = intent::languages(&mut ctx, &merged.intents);
    let mut intents = IndexMap::new();
    for (name, (key, raw)) in &merged.intents {
        intents.insert(name.clone(), intent::intent(&mut ctx, &known, key, raw));
    }
    for (pos, target, id) in std::mem::take(&mut ctx.escalations) {
        if !intents.contains_key(&target) && !merged.intents.contains_key(&target) {
            let hint = suggest::did_you_mean(&target, merged.intents.keys().map(String::as_str));
            ctx.error(
                pos,
                format!("escalation to intent {target:?}, which is not defined{hint}"),
            );
        } else if id.starts_with(&format!("intents.{target}.")) {
            ctx.error(pos, format!("intent {target:?} escalates to itself"));
        }
    }
    let main_pos = Pos {
        source: 0,
        line: 1,
        col: 1,
    };
    let bot = settings::bot(&mut ctx, merged.bot.as_ref(), main_pos, &known.all_slots);
    let llm = llm::llm(
        &mut ctx,
        merged.llm.as_ref(),
        &connectors,
        &intents,
        &known.all_slots,
    );
    let storage = settings::storage(&mut ctx, merged.storage.as_ref());
    let state = merged
        .state
        .as_ref()
        .and_then(|s| state::state(&mut ctx, s));
    let conversation_retention =
        settings::conversation_retention(&mut ctx, merged.storage.as_ref());
    let rasa = merged
        .rasa
        .as_ref()
        .map(|r| platforms::rasa(&mut ctx, r, &intents, bot.turn_deadline));
    let dialogflow = merged.dialogflow.as_ref().map(|d| {
        platforms::dialogflow(
            &mut ctx,
            d,
            &intents,
            rasa.as_ref().map(|r| r.path.as_str()),
        )
    });

    let inbound = inbound::inbound(&mut ctx, merged.inbound.as_ref());
    let webhooks = webhooks::sources(&mut ctx, &known, &merged.webhooks);
    let pollers = pollers::pollers(&mut ctx, &known, &connectors, &webhooks, &merged.pollers);
    let channels = channels::channels(&mut ctx, &merged.channels, &mut connectors, &bot.public_url);
    let routes = merged.webhooks.values().flat_map(|w| w.routes.values());
    let routes = routes.chain(merged.pollers.values().flat_map(|p| p.routes.values()));
    channels::check_route_channels(&mut ctx, routes, &merged.channels, &channels);
    let telemetry = telemetry::telemetry(&mut ctx, merged.telemetry.as_ref(), &connectors);
    let tools = tools::settings(merged.tools.as_ref());

    accounts::finish(&mut ctx, &mut connectors, &bot);
    let mut diags = ctx.diags;
    let secrets = ctx.secrets;
    diags.sort();
    if diags.has_errors() {
        return Err(diags);
    }
    let project = Project {
        path: path.to_path_buf(),
        connectors,
        entities,
        intents,
        bot,
        storage,
        conversation_retention,
        rasa,
        dialogflow,
        inbound,
        webhooks,
        pollers,
        channels,
        telemetry,
        tools,
        llm,
        state,
        secrets,
    };
    Ok((project, diags))
}
