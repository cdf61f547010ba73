//! Assembling a runnable application from a compiled project: templates, the pipeline, the
//! store and the engine. Every entry point (serve, chat, demo, tests) builds through here.

use crate::engine::Engine;
use crate::pipeline::Pipeline;
use crate::storage;
use crate::template::Templates;
use std::path::Path;
use std::sync::Arc;
use switchboard_config::Project;
use switchboard_config::model::StorageSettings;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A template the loader accepted did not compile (a bug, reported rather than hidden).
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    /// The pipeline could not be built.
    #[error(transparent)]
    Pipeline(#[from] crate::pipeline::PipelineError),
    /// The NLU models could not be built.
    #[error(transparent)]
    Understanding(#[from] crate::engine::understand::UnderstandingError),
    /// The store could not be opened.
    #[error(transparent)]
    Storage(#[from] storage::StoreError),
    /// The audit pseudonym key could not be read or made.
    #[error(transparent)]
    Pseudonym(#[from] crate::telemetry::pseudonym::PseudonymError),
}

/// Compiles templates and builds the pipeline (enough for `switchboard call`).
pub fn pipeline(project: Arc<Project>) -> Result<(Arc<Templates>, Arc<Pipeline>), AppError> {
    // Log lines from here on (`call` and `chat` too, not only `serve`) hide the project's
    // own secret values; the first project loaded in the process sets the policy.
    crate::telemetry::redact::install(crate::telemetry::redact::Redactor::from_project(&project));
    let templates = Arc::new(Templates::compile(&project)?);
    let pipeline = Arc::new(Pipeline::new(project, templates.clone())?);
    pipeline.enable_alerts();
    Ok((templates, pipeline))
}

/// Builds the whole engine. `database_url`, when given, overrides the project's `storage`.
pub async fn engine(
    project: Project,
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Arc<Engine>, AppError> {
    let mut project = project;
    if let Some(url) = database_url {
        project.storage = storage_from_url(url);
    }
    let project = Arc::new(project);
    storage::files::private_dir(data_dir)?;
    let (templates, pipeline) = pipeline(project.clone())?;
    let store = storage::open(&project.storage, data_dir).await?;
    storage::retention::spawn(&store, project.conversation_retention);
    crate::telemetry::start(&project, &pipeline, data_dir).await?;
    if let Some(key) = &project.bot.accounts_key
        && let Some(bytes) = hex::decode(key.expose())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
    {
        let sealer = storage::accounts::Sealer::new(&bytes);
        let store = storage::accounts::open(&project.storage, data_dir, sealer.clone()).await?;
        pipeline.enable_accounts(&crate::pipeline::auth::oauth2_code::Accounts { store, sealer });
    }
    let engine = Arc::new(Engine::new(project.clone(), templates, pipeline, store)?);
    if !project.webhooks.is_empty() || !project.pollers.is_empty() {
        let inbox = storage::inbox::open(&project.storage, data_dir).await?;
        let feed = storage::inbox::feed::open(&project.storage).await?;
        let instance = storage::instance::load_or_create(data_dir)?;
        let holder = storage::inbox::Holder::new_run(instance);
        let webhooks = crate::webhooks::Webhooks::new(&engine, inbox, feed, holder);
        webhooks.start();
        engine.attach_webhooks(webhooks);
    }
    Ok(engine)
}

/// `postgres://...` selects PostgreSQL; `sqlite://PATH` or a plain path selects SQLite.
pub fn storage_from_url(url: &str) -> StorageSettings {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        StorageSettings::Postgres {
            url: switchboard_config::Secret::from_reference(url.to_string()),
        }
    } else {
        StorageSettings::Sqlite {
            path: url.strip_prefix("sqlite://").unwrap_or(url).to_string(),
        }
    }
}
