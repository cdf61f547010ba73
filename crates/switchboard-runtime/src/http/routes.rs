//! Routes declare their scope where they are mounted, and a route that declares none is
//! refused (deny by default).
//!
//! Every route is added through [`Routes`], which records its path, methods and
//! [`RouteScope`] next to the axum route. The gate in front of every route
//! (`server/gate.rs`) looks up the matched route's declaration: `chat` and `admin` routes go
//! through inbound auth and limits, `public` and `signed` ones are let through, and a route
//! that was mounted without a declaration (a bare `Router::route` slipped in) answers 404
//! like a route that does not exist, and logs why. So a new route such as `/v1/mcp` is closed
//! until someone says what it needs, instead of open until someone remembers a prefix list.
//! The declared table is what `docs/http.md` lists and what the route-walk test compares.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use std::collections::BTreeMap;
use std::fmt;
use switchboard_config::model::Scope;

/// What a route needs from its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteScope {
    /// Nothing: anyone who reaches the port (health, the web page, metrics).
    Public,
    /// Its own proof, checked by the handler: a webhook signature, a platform's `auth`, a
    /// sealed OAuth link or state. Inbound credentials are not asked for: the sender has none.
    Signed,
    /// An inbound credential with the `chat` scope (when the project configures `inbound:`).
    Chat,
    /// An inbound credential with the `admin` scope (when the project configures `inbound:`).
    Admin,
    /// An inbound credential with the `tools` scope (when the project configures `inbound:`).
    Tools,
}

impl RouteScope {
    /// The inbound credential scope the route asks for, if any.
    pub fn credential(self) -> Option<Scope> {
        match self {
            RouteScope::Public | RouteScope::Signed => None,
            RouteScope::Chat => Some(Scope::Chat),
            RouteScope::Admin => Some(Scope::Admin),
            RouteScope::Tools => Some(Scope::Tools),
        }
    }

    /// The name used in docs and logs.
    pub fn name(self) -> &'static str {
        match self {
            RouteScope::Public => "public",
            RouteScope::Signed => "signed",
            RouteScope::Chat => "chat",
            RouteScope::Admin => "admin",
            RouteScope::Tools => "tools",
        }
    }
}

impl fmt::Display for RouteScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One declared route: its methods and scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    /// The methods mounted at the path, in the order they were added (`GET`, `POST`).
    pub methods: Vec<&'static str>,
    /// What the route needs.
    pub scope: RouteScope,
}

/// Every declared route by path (axum's pattern, as [`MatchedPath`] reports it).
#[derive(Clone, Debug, Default)]
pub struct RouteTable(BTreeMap<String, Declared>);

impl RouteTable {
    /// The scope declared for a matched path.
    pub fn scope_of(&self, path: &str) -> Option<RouteScope> {
        self.0.get(path).map(|d| d.scope)
    }

    /// Every route as `(method, path, scope)`, sorted by path then method order.
    pub fn rows(&self) -> Vec<(&'static str, String, RouteScope)> {
        self.0
            .iter()
            .flat_map(|(path, d)| d.methods.iter().map(|m| (*m, path.clone(), d.scope)))
            .collect()
    }

    fn declare(&mut self, path: String, method: &'static str, scope: RouteScope) {
        let entry = self.0.entry(path.clone()).or_insert(Declared {
            methods: Vec::new(),
            scope,
        });
        // One path, one scope: the gate decides by the matched path, not the method.
        assert!(
            entry.scope == scope,
            "route {path} is declared both {} and {scope}; one path has one scope",
            entry.scope
        );
        entry.methods.push(method);
    }
}

/// A router whose every route states its scope. `S` is the state its handlers take their
/// parts from (`axum::extract::FromRef`): a wing builds `Routes<S>` for any `S` that holds
/// what it needs, so it never names the server's state.
#[derive(Debug)]
pub struct Routes<S = ()> {
    router: Router<S>,
    table: RouteTable,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    /// No routes.
    pub fn new() -> Routes<S> {
        Routes {
            router: Router::new(),
            table: RouteTable::default(),
        }
    }

    /// `GET path` with the given scope.
    pub fn get<H, T>(self, scope: RouteScope, path: &str, handler: H) -> Routes<S>
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.on(scope, "GET", MethodFilter::GET, path, handler)
    }

    /// `POST path` with the given scope.
    pub fn post<H, T>(self, scope: RouteScope, path: &str, handler: H) -> Routes<S>
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.on(scope, "POST", MethodFilter::POST, path, handler)
    }

    fn on<H, T>(
        mut self,
        scope: RouteScope,
        method: &'static str,
        filter: MethodFilter,
        path: &str,
        handler: H,
    ) -> Routes<S>
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.table.declare(path.to_string(), method, scope);
        self.router = self.router.route(path, on(filter, handler));
        self
    }

    /// Adds another set of declared routes.
    pub fn merge(mut self, other: Routes<S>) -> Routes<S> {
        for (path, d) in other.table.0 {
            for m in d.methods {
                self.table.declare(path.clone(), m, d.scope);
            }
        }
        self.router = self.router.merge(other.router);
        self
    }

    /// Mounts another set of declared routes under `prefix`.
    pub fn nest(mut self, prefix: &str, other: Routes<S>) -> Routes<S> {
        for (path, d) in other.table.0 {
            for m in d.methods {
                self.table.declare(format!("{prefix}{path}"), m, d.scope);
            }
        }
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// `DELETE path` with the given scope.
    pub fn delete<H, T>(self, scope: RouteScope, path: &str, handler: H) -> Routes<S>
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.on(scope, "DELETE", MethodFilter::DELETE, path, handler)
    }

    /// Changes the axum router underneath (to add a route layer). A route added here without
    /// a declaration is refused by the gate.
    pub fn map_router(mut self, f: impl FnOnce(Router<S>) -> Router<S>) -> Routes<S> {
        self.router = f(self.router);
        self
    }

    /// The declared table.
    pub fn table(&self) -> &RouteTable {
        &self.table
    }

    /// The router and its table.
    pub fn into_parts(self) -> (Router<S>, RouteTable) {
        (self.router, self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> &'static str {
        "ok"
    }

    #[test]
    fn nested_and_merged_routes_keep_their_full_path_and_scope() {
        let admin = Routes::<()>::new().get(RouteScope::Admin, "/audit", ok);
        let hooks = Routes::<()>::new()
            .get(RouteScope::Signed, "/v1/webhooks/{source}", ok)
            .post(RouteScope::Signed, "/v1/webhooks/{source}", ok);
        let routes = Routes::<()>::new()
            .get(RouteScope::Public, "/healthz", ok)
            .nest("/v1/admin", admin)
            .merge(hooks);
        assert_eq!(
            routes.table().rows(),
            vec![
                ("GET", "/healthz".to_string(), RouteScope::Public),
                ("GET", "/v1/admin/audit".to_string(), RouteScope::Admin),
                (
                    "GET",
                    "/v1/webhooks/{source}".to_string(),
                    RouteScope::Signed
                ),
                (
                    "POST",
                    "/v1/webhooks/{source}".to_string(),
                    RouteScope::Signed
                ),
            ]
        );
        assert_eq!(routes.table().scope_of("/v1/admin"), None);
    }

    #[test]
    #[should_panic(expected = "route /v1/things is declared both public and admin")]
    fn one_path_cannot_have_two_scopes() {
        let _ = Routes::<()>::new()
            .get(RouteScope::Public, "/v1/things", ok)
            .post(RouteScope::Admin, "/v1/things", ok);
    }
}
