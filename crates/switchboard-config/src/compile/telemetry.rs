//! The `telemetry` section: defaults applied, the pseudonym key resolved, JSONPaths parsed,
//! health check operations linked to their connectors.

use super::Ctx;
use super::connector::duration;
use super::secrets;
use crate::model::{
    AuditSettings, Connector, ConnectorTelemetry, HealthCheck, LogFormat, Objectives, OperationRef,
    RedactSettings, TelemetrySettings,
};
use crate::raw::{RawLogFormat, RawTelemetry, Spanned};
use crate::suggest::did_you_mean;
use indexmap::IndexMap;
use std::time::Duration;

/// Default time between health checks.
const HEALTH_EVERY: Duration = Duration::from_secs(30);

/// Compiles `telemetry:`.
pub(crate) fn telemetry(
    ctx: &mut Ctx,
    raw: Option<&Spanned<RawTelemetry>>,
    connectors: &IndexMap<String, Connector>,
) -> TelemetrySettings {
    let Some(raw) = raw else {
        return TelemetrySettings::default();
    };
    let t = &raw.value;
    let mut audit = AuditSettings::default();
    if let Some(a) = &t.audit {
        let a = &a.value;
        if let Some(e) = &a.enabled {
            audit.enabled = e.value;
        }
        if let Some(r) = duration(ctx, a.retention.as_ref(), "retention") {
            audit.retention = r;
        }
        audit.pseudonym_key = a
            .pseudonym_key
            .as_ref()
            .and_then(|k| secrets::resolve(ctx, k, true));
        if let Some(q) = &a.queue {
            if q.value == 0 {
                ctx.error(q.pos, "queue must be at least 1");
            } else {
                audit.queue = q.value as usize;
            }
        }
    }
    let mut redact = RedactSettings::default();
    if let Some(r) = &t.redact {
        for k in &r.value.keys {
            if k.value.trim().is_empty() {
                ctx.error(k.pos, "a redacted key must not be empty");
            } else {
                redact.keys.push(k.value.clone());
            }
        }
        for p in &r.value.json_paths {
            match serde_json_path::JsonPath::parse(&p.value) {
                Ok(_) => redact.json_paths.push(p.value.clone()),
                Err(e) => ctx.error(
                    p.pos,
                    format!("{:?} is not a JSONPath: {e} (hint: paths start with $, such as $.customer.address)", p.value),
                ),
            }
        }
    }
    let mut per_connector = IndexMap::new();
    for (name, c) in &t.connectors {
        let Some(connector) = connectors.get(&name.value) else {
            ctx.error(
                name.pos,
                format!(
                    "telemetry for connector {:?}, which is not defined{}",
                    name.value,
                    did_you_mean(&name.value, connectors.keys().map(String::as_str))
                ),
            );
            continue;
        };
        let health_check = c.health_check.as_ref().and_then(|h| {
            let op_name = &h.value.operation;
            let Some(op) = connector.operations.get(&op_name.value) else {
                ctx.error(
                    op_name.pos,
                    format!(
                        "health_check operation {:?} is not an operation of connector {:?}{}",
                        op_name.value,
                        name.value,
                        did_you_mean(&op_name.value, connector.operations.keys().map(String::as_str))
                    ),
                );
                return None;
            };
            if let Some((input, _)) = op
                .inputs
                .iter()
                .find(|(_, i)| i.required && i.default.is_none())
            {
                ctx.error(
                    op_name.pos,
                    format!(
                        "health_check operation {:?} needs input {input:?}; pick an operation with no required inputs",
                        op_name.value
                    ),
                );
                return None;
            }
            Some(HealthCheck {
                operation: OperationRef {
                    connector: name.value.clone(),
                    operation: op_name.value.clone(),
                },
                every: duration(ctx, h.value.every.as_ref(), "every").unwrap_or(HEALTH_EVERY),
            })
        });
        let mut objectives = Objectives::default();
        if let Some(o) = &c.objectives {
            if let Some(a) = &o.value.availability {
                if a.value > 0.0 && a.value < 100.0 {
                    objectives.availability = Some(a.value / 100.0);
                } else {
                    ctx.error(
                        a.pos,
                        format!("availability is a percentage between 0 and 100 (exclusive), such as 99.5, found {}", a.value),
                    );
                }
            }
            objectives.p95_latency = duration(ctx, o.value.p95_latency.as_ref(), "p95_latency");
        }
        per_connector.insert(
            name.value.clone(),
            ConnectorTelemetry {
                health_check,
                objectives,
            },
        );
    }
    TelemetrySettings {
        log_format: t.log_format.as_ref().map(|f| match f.value {
            RawLogFormat::Text => LogFormat::Text,
            RawLogFormat::Json => LogFormat::Json,
        }),
        audit,
        redact,
        connectors: per_connector,
    }
}
