//! Assembling a runnable application from a compiled project. Every entry point (serve, chat,
//! call, demo, tests) builds through here, and this is the one place that knows every floor:
//! each service is made whole, in dependency order (recorder, stores, pipeline, engine,
//! channels, webhooks), from the ones made before it, so nothing is attached or enabled afterwards.

use crate::channels::{self, Channels};
use crate::engine::Engine;
use crate::engine::proactive::Outlet;
use crate::pipeline::auth::oauth2_code::Accounts;
use crate::pipeline::observe::AuditHooks;
use crate::pipeline::{self, Pipeline};
use crate::server::AppState;
use crate::storage;
use crate::storage::audit::writer::AuditSink;
use crate::telemetry::Telemetry;
use crate::telemetry::pseudonym::Pseudonymizer;
use crate::telemetry::redact::Redactor;
use crate::template::Templates;
use crate::webhooks::{self, Webhooks};
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
    /// The shared state's Redis URL could not be used.
    #[error("state.redis: {0}")]
    State(String),
}

/// How long start-up waits for Redis to answer before going on degraded.
const STATE_CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// What `call` needs: the pipeline with its recorder and audit trail.
pub struct Calls {
    /// The compiled templates.
    pub templates: Arc<Templates>,
    /// The operation pipeline.
    pub pipeline: Arc<Pipeline>,
}

/// One running application: every service, made in order.
#[derive(Clone, Debug)]
pub struct Services {
    /// The chat engine (and through it the project, the pipeline and the store).
    pub engine: Arc<Engine>,
    /// The webhook machinery, when the project has webhook sources or pollers. Its tasks end
    /// when the last clone of it is dropped.
    pub webhooks: Option<Arc<Webhooks>>,
    /// The messaging channels, when the project has any. Their tasks end when the last clone
    /// is dropped.
    pub channels: Option<Arc<Channels>>,
    /// The tool gateway over the pipeline.
    pub tools: Arc<crate::tools::Tools>,
}

impl Services {
    /// The project.
    pub fn project(&self) -> &Arc<Project> {
        self.engine.project()
    }

    /// The operation pipeline.
    pub fn pipeline(&self) -> &Arc<Pipeline> {
        self.engine.pipeline()
    }

    /// The HTTP server's state.
    pub fn state(&self) -> AppState {
        AppState {
            engine: self.engine.clone(),
            webhooks: self.webhooks.clone(),
            channels: self.channels.clone(),
            tools: self.tools.clone(),
        }
    }
}

/// Builds the pipeline over its recorder, the audit trail (when enabled) and the account store
/// (when the project has an accounts key), and starts the health checks and objectives.
pub async fn calls(project: Arc<Project>, data_dir: &Path) -> Result<Calls, AppError> {
    storage::files::private_dir(data_dir)?;
    let templates = Arc::new(Templates::compile(&project)?);
    let telemetry = Arc::new(Telemetry::new());
    crate::telemetry::spawn_upkeep(&telemetry);
    let audit = audit(&project, data_dir, &telemetry).await?;
    let accounts = accounts(&project, data_dir).await?;
    let shared = match &project.state {
        Some(settings) => {
            let shared = crate::shared::Shared::start(settings, telemetry.clone())
                .map_err(|e| AppError::State(e.to_string()))?;
            // The first requests find Redis connected when it answers at all; when it does
            // not, the instance starts degraded (as `when_down` says) and keeps trying.
            if tokio::time::timeout(STATE_CONNECT_WAIT, shared.connected())
                .await
                .is_err()
            {
                tracing::warn!(
                    "shared state: Redis did not answer within {STATE_CONNECT_WAIT:?}; starting degraded"
                );
            }
            Some(shared)
        }
        None => None,
    };
    let pipeline = Pipeline::new(
        project,
        templates.clone(),
        pipeline::Parts {
            telemetry,
            audit,
            accounts,
            shared,
        },
    )?;
    crate::health::start(&pipeline);
    Ok(Calls {
        templates,
        pipeline,
    })
}

/// Builds the whole application. `database_url`, when given, overrides the project's
/// `storage` (`--redis-url` sets `project.state` before this).
pub async fn build(
    project: Project,
    data_dir: &Path,
    database_url: Option<&str>,
) -> Result<Services, AppError> {
    let mut project = project;
    if let Some(url) = database_url {
        project.storage = storage_from_url(url);
    }
    let project = Arc::new(project);
    let Calls {
        templates,
        pipeline,
    } = calls(project.clone(), data_dir).await?;
    let store = storage::open(&project.storage, data_dir).await?;
    storage::retention::spawn(&store, project.conversation_retention);
    let engine = Arc::new(Engine::new(
        project.clone(),
        templates.clone(),
        pipeline.clone(),
        store,
    )?);
    let instance = || storage::instance::load_or_create(data_dir);
    let channels = if project.channels.is_empty() {
        None
    } else {
        let channels = Channels::new(channels::Parts {
            engine: engine.clone(),
            store: storage::channels::open(&project.storage, data_dir).await?,
            holder: storage::inbox::Holder::new_run(instance()?),
        });
        channels.start();
        Some(channels)
    };
    let webhooks = if project.webhooks.is_empty() && project.pollers.is_empty() {
        None
    } else {
        let instance = instance()?;
        let max_streams = project
            .inbound
            .connections
            .max
            .map_or_else(crate::server::default_max_connections, |m| {
                usize::try_from(m).unwrap_or(usize::MAX)
            });
        let webhooks = Webhooks::new(webhooks::Parts {
            project: project.clone(),
            templates,
            pipeline,
            proactive: engine.clone(),
            outlet: channels.clone().map(|c| c as Arc<dyn Outlet>),
            inbox: storage::inbox::open(&project.storage, data_dir).await?,
            feed: storage::inbox::feed::open(&project.storage).await?,
            holder: storage::inbox::Holder::new_run(instance),
            max_streams,
        });
        webhooks.start();
        Some(webhooks)
    };
    Ok(Services {
        tools: Arc::new(crate::tools::Tools::new(engine.clone())),
        engine,
        webhooks,
        channels,
    })
}

/// The audit trail's hooks, when the project enables it: the store, the writer task, the
/// pseudonym key and the project's redaction policy.
async fn audit(
    project: &Project,
    data_dir: &Path,
    telemetry: &Arc<Telemetry>,
) -> Result<Option<AuditHooks>, AppError> {
    let settings = &project.telemetry.audit;
    if !settings.enabled {
        return Ok(None);
    }
    let store = storage::audit::open(&project.storage, data_dir).await?;
    let pseudonyms = Pseudonymizer::from_config_or_dir(
        settings.pseudonym_key.as_ref().map(|k| k.expose()),
        data_dir,
    )?;
    let sink = AuditSink::spawn(
        store,
        telemetry.clone(),
        settings.queue,
        Some(settings.retention),
    );
    Ok(Some(AuditHooks {
        sink,
        pseudonyms,
        redactor: Arc::new(Redactor::from_project(project)),
    }))
}

/// The account store, when the project has a valid `bot.accounts_key` (64 hex digits).
async fn accounts(project: &Project, data_dir: &Path) -> Result<Option<Accounts>, AppError> {
    let Some(bytes) = project
        .bot
        .accounts_key
        .as_ref()
        .and_then(|key| hex::decode(key.expose()).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
    else {
        return Ok(None);
    };
    let sealer = storage::accounts::Sealer::new(&bytes);
    let store = storage::accounts::open(&project.storage, data_dir, sealer.clone()).await?;
    Ok(Some(Accounts { store, sealer }))
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
