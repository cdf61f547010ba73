//! Fault switches: what can go wrong on a route, its `ROUTE=KIND[:COUNT]` syntax, and the
//! table of faults currently armed.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::route::Route;

/// Longest `Retry-After` a fault may announce: a day, enough to prove that clients refuse
/// absurd waits.
const MAX_RETRY_AFTER_SECS: u64 = 86_400;

/// The valid fault kinds, for error messages.
pub(crate) const KINDS_HELP: &str = "a status 400-599 (e.g. 500, 503), 429 or 429/SECS, 503/SECS, hang, \
slow_drip, not_json, schema_break, reset, huge, invalid_utf8";

/// How a faulted call misbehaves. See the crate docs for what a client observes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// That status (400-599, other than 429) with a JSON error body.
    Status(u16),
    /// 429 with `Retry-After: SECS` and a JSON error body.
    RateLimited {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// 503 with `Retry-After: SECS` and a JSON error body (planned downtime).
    Unavailable {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// Never answers (until the server shuts down).
    Hang,
    /// 200 with headers at once and the body trickled about one byte per 100 ms.
    SlowDrip,
    /// 200 `text/html` page instead of JSON.
    NotJson,
    /// 200 valid JSON without the route's usual fields.
    SchemaBreak,
    /// The connection breaks before a complete response arrives.
    Reset,
    /// 200 JSON of about 10 MB.
    Huge,
    /// 200 `application/json` whose bytes are not UTF-8.
    InvalidUtf8,
}

impl fmt::Display for FaultKind {
    /// Writes the CLI spelling, so a kind round-trips through [`FromStr`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Status(status) => write!(f, "{status}"),
            FaultKind::RateLimited { retry_after_secs } => write!(f, "429/{retry_after_secs}"),
            FaultKind::Unavailable { retry_after_secs } => write!(f, "503/{retry_after_secs}"),
            FaultKind::Hang => f.write_str("hang"),
            FaultKind::SlowDrip => f.write_str("slow_drip"),
            FaultKind::NotJson => f.write_str("not_json"),
            FaultKind::SchemaBreak => f.write_str("schema_break"),
            FaultKind::Reset => f.write_str("reset"),
            FaultKind::Huge => f.write_str("huge"),
            FaultKind::InvalidUtf8 => f.write_str("invalid_utf8"),
        }
    }
}

impl FromStr for FaultKind {
    type Err = FaultParseError;

    /// Parses `500`, `429`, `429/SECS`, `hang`, `slow_drip`, ... (case-insensitive, `-` for `_`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let unknown = || {
            FaultParseError::new(format!(
                "unknown fault kind `{text}`; valid kinds: {KINDS_HELP}"
            ))
        };
        let normalized = text.to_ascii_lowercase().replace('-', "_");
        let named = match normalized.as_str() {
            "hang" => Some(FaultKind::Hang),
            "slow_drip" => Some(FaultKind::SlowDrip),
            "not_json" => Some(FaultKind::NotJson),
            "schema_break" => Some(FaultKind::SchemaBreak),
            "reset" => Some(FaultKind::Reset),
            "huge" => Some(FaultKind::Huge),
            "invalid_utf8" => Some(FaultKind::InvalidUtf8),
            _ => None,
        };
        if let Some(kind) = named {
            return Ok(kind);
        }
        let (status_text, secs_text) = match normalized.split_once('/') {
            Some((status, secs)) => (status, Some(secs)),
            None => (normalized.as_str(), None),
        };
        let status: u16 = status_text.parse().map_err(|_| unknown())?;
        if !(400..=599).contains(&status) {
            return Err(FaultParseError::new(format!(
                "fault status {status} is out of range; valid kinds: {KINDS_HELP}"
            )));
        }
        match (status, secs_text) {
            (429, None) => Ok(FaultKind::RateLimited {
                retry_after_secs: 1,
            }),
            (429 | 503, Some(secs)) => match secs.parse::<u64>() {
                Ok(secs) if secs <= MAX_RETRY_AFTER_SECS => Ok(if status == 429 {
                    FaultKind::RateLimited {
                        retry_after_secs: secs,
                    }
                } else {
                    FaultKind::Unavailable {
                        retry_after_secs: secs,
                    }
                }),
                _ => Err(FaultParseError::new(format!(
                    "invalid Retry-After in `{text}`: expected {status}/SECS with SECS a whole \
                     number of seconds from 0 to {MAX_RETRY_AFTER_SECS}"
                ))),
            },
            (_, Some(_)) => Err(FaultParseError::new(format!(
                "`{text}`: only 429 and 503 take a /SECS suffix; valid kinds: {KINDS_HELP}"
            ))),
            (status, None) => Ok(FaultKind::Status(status)),
        }
    }
}

/// One fault switch: misbehave on `route` in the way `kind` says, for the next `count` calls
/// (or until cleared when `count` is `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultSpec {
    /// The route that misbehaves.
    pub route: Route,
    /// How it misbehaves.
    pub kind: FaultKind,
    /// How many calls are faulted; `None` means until cleared.
    pub count: Option<u64>,
}

impl fmt::Display for FaultSpec {
    /// Writes the CLI spelling `ROUTE=KIND[:COUNT]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.route, self.kind)?;
        if let Some(count) = self.count {
            write!(f, ":{count}")?;
        }
        Ok(())
    }
}

impl FromStr for FaultSpec {
    type Err = FaultParseError;

    /// Parses the CLI syntax `ROUTE=KIND[:COUNT]`, e.g. `orders=503:3`, `weather=hang`,
    /// `rates=429/2:1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let Some((route, rest)) = text.split_once('=') else {
            return Err(FaultParseError::new(format!(
                "invalid fault `{text}`: expected ROUTE=KIND[:COUNT], e.g. orders=503:3; \
                 valid routes: {}; valid kinds: {KINDS_HELP}",
                Route::names()
            )));
        };
        let route: Route = route.parse()?;
        let (kind, count) = match rest.split_once(':') {
            Some((kind, count)) => (kind, Some(parse_count(count)?)),
            None => (rest, None),
        };
        Ok(FaultSpec {
            route,
            kind: kind.parse()?,
            count,
        })
    }
}

/// Parses the `COUNT` of a fault: a whole number of calls, at least one.
pub(crate) fn parse_count(text: &str) -> Result<u64, FaultParseError> {
    match text.trim().parse::<u64>() {
        Ok(count) if count >= 1 => Ok(count),
        _ => Err(FaultParseError::new(format!(
            "invalid fault count `{}`: expected a whole number of calls, at least 1 \
             (leave it out to fault until cleared)",
            text.trim()
        ))),
    }
}

/// Why a fault, route or kind could not be parsed: a sentence that lists the valid values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(String);

impl FaultParseError {
    pub(crate) fn new(message: String) -> Self {
        FaultParseError(message)
    }
}

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultParseError {}

/// The faults currently armed, at most one per route (arming a route again replaces it).
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    armed: BTreeMap<Route, (FaultKind, Option<u64>)>,
}

impl FaultTable {
    pub(crate) fn set(&mut self, spec: FaultSpec) {
        self.armed.insert(spec.route, (spec.kind, spec.count));
    }

    /// Disarms one route, or all of them.
    pub(crate) fn clear(&mut self, route: Option<Route>) {
        match route {
            Some(route) => {
                self.armed.remove(&route);
            }
            None => self.armed.clear(),
        }
    }

    /// The fault for this call of `route`, if one is armed; uses up one of its calls.
    pub(crate) fn take(&mut self, route: Route) -> Option<FaultKind> {
        let (kind, remaining) = self.armed.get_mut(&route)?;
        let kind = *kind;
        if let Some(left) = remaining {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.armed.remove(&route);
            }
        }
        Some(kind)
    }

    /// The armed faults, with `count` holding the calls still to be faulted.
    pub(crate) fn list(&self) -> Vec<FaultSpec> {
        self.armed
            .iter()
            .map(|(route, (kind, count))| FaultSpec {
                route: *route,
                kind: *kind,
                count: *count,
            })
            .collect()
    }
}
