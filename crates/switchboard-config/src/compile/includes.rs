//! Reading the main file and everything it includes, and merging their items: a name defined
//! twice is reported at the second place, and include cycles are errors.

use super::Ctx;
use crate::raw::{
    self, Broken, Pos, RawBot, RawConnector, RawDialogflow, RawEntity, RawIntent, RawPoller,
    RawRasa, RawStorage, RawWebhookSource, Spanned,
};
use indexmap::IndexMap;
use indexmap::map::Entry;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Every item of every file, in file order (the main file's first, then each include, depth
/// first).
#[derive(Default)]
pub(crate) struct Merged {
    pub bot: Option<Spanned<RawBot>>,
    pub storage: Option<Spanned<RawStorage>>,
    pub state: Option<Spanned<crate::raw::RawState>>,
    pub rasa: Option<Spanned<RawRasa>>,
    pub dialogflow: Option<Spanned<RawDialogflow>>,
    pub inbound: Option<Spanned<crate::raw::RawInbound>>,
    pub webhooks: IndexMap<Spanned<String>, RawWebhookSource>,
    pub pollers: IndexMap<Spanned<String>, RawPoller>,
    pub channels: IndexMap<Spanned<String>, Spanned<crate::raw::RawChannel>>,
    pub telemetry: Option<Spanned<crate::raw::RawTelemetry>>,
    pub tools: Option<Spanned<crate::raw::RawTools>>,
    pub llm: Option<Spanned<crate::raw::RawLlm>>,
    pub connectors: IndexMap<String, (Spanned<String>, RawConnector)>,
    pub entities: IndexMap<String, (Spanned<String>, RawEntity)>,
    pub intents: IndexMap<String, (Spanned<String>, RawIntent)>,
    pub broken: Broken,
}

/// Reads the main file and its includes.
pub(crate) fn load_all(ctx: &mut Ctx, main: &Path) -> Merged {
    let mut merged = Merged::default();
    let main = normalize(main);
    let mut stack = Vec::new();
    read(ctx, &mut merged, &main, None, &mut stack);
    merged
}

/// Reads one file (and, through it, its includes). `from` is the include entry that named it.
fn read(
    ctx: &mut Ctx,
    merged: &mut Merged,
    path: &Path,
    from: Option<Pos>,
    stack: &mut Vec<PathBuf>,
) {
    let source = ctx.files.len();
    ctx.files.push(Arc::from(path));
    let text = match (ctx.options.read_file)(path) {
        Ok(t) => t,
        Err(e) => {
            let pos = from.unwrap_or(Pos {
                source,
                line: 1,
                col: 1,
            });
            ctx.error(
                pos,
                format!("cannot read {}: {}", path.display(), io_message(&e)),
            );
            return;
        }
    };
    let mut errors = Vec::new();
    let file = raw::parse_file(source, &text, from.is_none(), &mut errors);
    ctx.raw_errors(errors);
    let project = file.project;
    merged.broken.connectors.extend(file.broken.connectors);
    merged.broken.operations.extend(file.broken.operations);
    merged.broken.entities.extend(file.broken.entities);
    merged.broken.intents.extend(file.broken.intents);
    if project.bot.is_some() {
        merged.bot = project.bot;
    }
    if project.storage.is_some() {
        merged.storage = project.storage;
    }
    if project.state.is_some() {
        merged.state = project.state;
    }
    if project.rasa.is_some() {
        merged.rasa = project.rasa;
    }
    if project.tools.is_some() {
        merged.tools = project.tools;
    }
    if project.llm.is_some() {
        merged.llm = project.llm;
    }
    if project.telemetry.is_some() {
        merged.telemetry = project.telemetry;
    }
    if project.dialogflow.is_some() {
        merged.dialogflow = project.dialogflow;
    }
    if project.inbound.is_some() {
        merged.inbound = project.inbound;
    }
    if !project.webhooks.is_empty() {
        merged.webhooks = project.webhooks;
    }
    if !project.pollers.is_empty() {
        merged.pollers = project.pollers;
    }
    if !project.channels.is_empty() {
        merged.channels = project.channels;
    }
    add(ctx, &mut merged.connectors, project.connectors, "connector");
    add(ctx, &mut merged.entities, project.entities, "entity");
    add(ctx, &mut merged.intents, project.intents, "intent");

    stack.push(path.to_path_buf());
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    for entry in &project.include {
        for target in expand(ctx, &dir, entry) {
            if let Some(i) = stack.iter().position(|p| *p == target) {
                let mut cycle: Vec<String> =
                    stack[i..].iter().map(|p| p.display().to_string()).collect();
                cycle.push(target.display().to_string());
                ctx.error(entry.pos, format!("include cycle: {}", cycle.join(" -> ")));
            } else if !ctx.files.iter().any(|f| **f == *target) {
                read(ctx, merged, &target, Some(entry.pos), stack);
            }
        }
    }
    stack.pop();
}

/// Adds a file's items, reporting names that are already defined.
fn add<T>(
    ctx: &mut Ctx,
    into: &mut IndexMap<String, (Spanned<String>, T)>,
    items: IndexMap<Spanned<String>, T>,
    kind: &str,
) {
    for (name, item) in items {
        match into.entry(name.value.clone()) {
            Entry::Occupied(first) => {
                let place = ctx.place(first.get().0.pos);
                ctx.error(
                    name.pos,
                    format!("{kind} {:?} is already defined at {place}", name.value),
                );
            }
            Entry::Vacant(slot) => {
                slot.insert((name, item));
            }
        }
    }
}

/// The files an include entry names: a path, or every match of a glob pattern, sorted.
fn expand(ctx: &mut Ctx, dir: &Path, entry: &Spanned<String>) -> Vec<PathBuf> {
    let target = normalize(&dir.join(entry.value.as_str()));
    if !entry.value.contains(['*', '?', '[']) {
        return vec![target];
    }
    match (ctx.options.glob)(&target) {
        Ok(mut found) if !found.is_empty() => {
            found.sort();
            found.iter().map(|p| normalize(p)).collect()
        }
        Ok(_) => {
            ctx.error(
                entry.pos,
                format!("include pattern {:?} matches no file", entry.value),
            );
            Vec::new()
        }
        Err(e) => {
            ctx.error(
                entry.pos,
                format!("bad include pattern {:?}: {e}", entry.value),
            );
            Vec::new()
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the files may be embedded).
pub(crate) fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(out.components().next_back(), Some(Component::Normal(_))) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// An I/O error in words, without the OS error number.
pub(crate) fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            }
        }
    }
}
