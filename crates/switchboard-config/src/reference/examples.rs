//! The prose and the examples of the reference. Every example that starts with `# project` is
//! a complete project, and a test loads each one.

pub const HEADER: &str = r##"
# Project file reference

<!-- Generated from the doc comments in crates/switchboard-config/src/raw/ and the examples in
crates/switchboard-config/src/reference/. Do not edit: run
`UPDATE_REFERENCE=1 cargo test -p switchboard-config --test reference` instead. -->

A Switchboard project is one YAML file (`switchboard.yaml` by convention) plus the files it
includes. It declares the APIs a bot may call (connectors and their operations), the values it
finds in messages (entities), what users ask for (intents), and how the bot answers.

The project is checked completely when it loads: unknown keys, wrong types, undefined
references, template and JSONPath syntax, JSON Schemas, secrets and the step graph. Every
problem is reported at once as `file:line:col: message`, with a "did you mean" hint where one
helps; `switchboard check` prints them and exits with status 1.

Editors that speak the YAML language server protocol can complete and check keys with the JSON
Schema in `docs/switchboard.schema.json`:

```text
# yaml-language-server: $schema=../../docs/switchboard.schema.json
```
"##;

pub const PROJECT_INTRO: &str = r##"
Keys not listed are errors. Sections that map names to items (`connectors`, `entities`,
`intents`) may be spread over included files; a name defined twice is an error at the second
place.
"##;

pub const PROJECT: &str = r##"
# project
bot:
  fallback: "Sorry, I can only help with orders. Try: where is order 1001?"

include: []

connectors:
  shop:
    base_url: https://shop.example.com/api/v1
    auth: { type: bearer, token: "${env:SHOP_TOKEN}" }
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: { type: string, pattern: "[0-9]{4,10}" } }
        response:
          extract: { status: $.status }

entities:
  order_id: { pattern: "\\b([0-9]{4,10})\\b" }

intents:
  order_status:
    examples: [where is my order 1001, track order 1002, status of my order]
    slots:
      id: { entity: order_id, ask: "What's your order number?" }
    steps:
      order: { call: shop.get_order, with: { id: "{{ slots.id }}" } }
    reply: "Order {{ slots.id }} is {{ steps.order.status }}."
"##;

pub const BOT: &str = r##"
# project
bot:
  fallback: "Sorry, I didn't get that. Type \"help\" to see what I can do."
  help: "I can look up orders and book appointments."
  turn_deadline: 4s
  confidence_threshold: 0.6
  max_ask_attempts: 2
  history_limit: 100
  # Near misses to turn away; greetings, thanks and goodbyes stay built in.
  out_of_scope: ["book a flight to london", "order a pizza", "track my fitness goals"]
  small_talk: true
"##;

pub const STORAGE: &str = r##"
# project
storage:
  type: postgres
  url: "${env:DATABASE_URL}"
  conversation_retention: 30d
# or, the default:
# storage: { type: sqlite, path: switchboard.db, conversation_retention: 90d }
"##;

pub const STATE_INTRO: &str = r##"
`state` puts what several instances must agree on in Redis: each connector's (or
operation's) outbound rate limit, decided by one atomic script per call on Redis's clock;
the response cache, with a miss fetched once for the fleet; OAuth client-credentials tokens,
fetched once for the fleet and stored sealed; and the turn lock, so messages of one
conversation are taken one at a time in arrival order whichever instance receives them.
Breakers and retry budgets stay per instance (each reacts to what it sees, without a Redis
round trip per attempt). `switchboard serve --redis-url URL` sets `redis` without the
section. See docs/deploy.md for a fleet.
"##;

pub const STATE: &str = r##"
# project
storage:
  type: postgres
  url: "${env:DATABASE_URL}"
state:
  redis: "${env:REDIS_URL}"
  prefix: shop-bot
  timeout: 250ms
  when_down: { rate_limit: fail_closed, cache: local, turn_lock: local }
"##;

pub const STATE_WHEN_DOWN: &str = r##"
when_down:
  rate_limit: local
  cache: fail_open
  turn_lock: fail_closed
"##;

pub const CONNECTORS_INTRO: &str = r##"
`connectors` maps a connector's name to its settings. Operation calls are written
`CONNECTOR.OPERATION` in intents. A connector of `type: mcp` is a remote MCP server: its
`base_url` is the server's MCP endpoint, and each operation calls one of its tools
(`mcp_tool`, default the operation's name) with the inputs as arguments, through the same
auth, retries, breaker, limits, cache, SSRF rules, metrics and audit as any call. The result
is the tool's `structuredContent` (or its text, as JSON when it parses), which `response`
checks and extracts from like a body.
"##;

pub const CONNECTORS: &str = r##"
# project
connectors:
  weather:
    base_url: https://api.weather.example/v2/
    headers:
      Accept: application/json
      X-Client-Token: "${env:WEATHER_CLIENT_TOKEN}"
    auth: { type: api_key, in: header, name: X-Weather-Key, value: "${env:WEATHER_KEY}" }
    timeout: 3s
    connect_timeout: 500ms
    max_response_bytes: 262144
    operations:
      current:
        path: /current
        inputs: { city: string }
        query: { q: "{{ inputs.city }}" }
  docs:
    type: mcp
    base_url: https://mcp.docs.example/mcp
    auth: { type: bearer, token: "${env:DOCS_MCP_TOKEN}" }
    operations:
      search:
        mcp_tool: search_docs
        read_only: true
        inputs: { query: string, limit: { type: integer, required: false } }
        response: { extract: { titles: "$.results[*].title" } }
"##;

pub const AUTH: &str = r##"
# project
bot:
  accounts_key: "${env:SWITCHBOARD_ACCOUNTS_KEY}"   # needed by oauth2_authorization_code
connectors:
  public:
    base_url: https://open.example.com
    auth: { type: none }
  keyed:
    base_url: https://keyed.example.com
    auth: { type: api_key, name: X-Api-Key, value: "${file:secrets/keyed-api-key}" }
  tokens:
    base_url: https://tokens.example.com
    auth: { type: bearer, token: "${env:TOKENS_TOKEN}" }
  legacy:
    base_url: https://legacy.example.com
    auth: { type: basic, username: bot, password: "${env:LEGACY_PASSWORD}" }
  crm:
    base_url: https://crm.example.com/api
    auth:
      type: oauth2_client_credentials
      token_url: https://login.example.com/oauth/token
      client_id: switchboard-bot
      client_secret: "${env:CRM_CLIENT_SECRET}"
      scopes: [contacts.read, tickets.write]
      client_auth: body
  calendar:
    base_url: https://calendar.example.com/v3
    auth:
      type: oauth2_authorization_code
      authorize_url: https://login.example.com/oauth/authorize
      token_url: https://login.example.com/oauth/token
      client_id: switchboard-bot
      client_secret: "${env:CALENDAR_CLIENT_SECRET}"
      scopes: [calendar.read, offline_access]
  ledger:
    base_url: https://ledger.example.com
    auth:
      type: jwt
      algorithm: ES256
      key: "${file:secrets/ledger-es256.pem}"
      key_id: bot-2026
      claims: { iss: switchboard, aud: ledger, sub: "{{ user.id }}" }
      ttl: 5m
  payments:
    base_url: https://pay.example.com
    auth:
      type: hmac
      secret: "${env:PAY_SIGNING_SECRET}"
      sign: [timestamp, method, path, body]
      header: X-Signature
      value: "t={timestamp},v1={signature}"
      timestamp_header: X-Timestamp
"##;

pub const OPERATIONS_INTRO: &str = r##"
`operations` maps an operation's name to its definition. Operation templates (`query`,
`headers`, `body`) see `inputs`, the operation's validated inputs, and nothing else.
"##;

pub const OPERATIONS: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example.com/api/v2
    auth: { type: bearer, token: "${env:STORE_TOKEN}" }
    operations:
      search_orders:
        description: Find a customer's orders.
        path: /customers/{customer_id}/orders
        inputs:
          customer_id: { type: string, pattern: "C[0-9]{1,8}" }
          status: { type: string, enum: [open, shipped, delivered], required: false }
          limit: { type: integer, minimum: 1, maximum: 50, default: 10 }
        query:
          status: "{{ inputs.status }}"
          limit: "{{ inputs.limit }}"
        timeout: 2s
        response:
          schema: { type: object, required: [orders] }
          extract:
            count: $.total
            ids: $.orders[*].id
      create_return:
        description: Open a return for an order.
        method: POST
        path: /orders/{order_id}/returns
        inputs:
          order_id: string
          reason: { type: string, max_length: 200 }
          request_id: string
        headers:
          Idempotency-Key: "{{ inputs.request_id }}"
        body:
          reason: "{{ inputs.reason }}"
          source: chatbot
          note: "Return for order {{ inputs.order_id }}"
        response:
          extract: { id: $.id, label: $.label_url }
"##;

pub const INPUTS_INTRO: &str = r##"
An input is a type alone (`order_id: string`, a required input) or a map with a `type` and
constraints. Strings that spell a number or a boolean are accepted for those types, since chat
text is text.
"##;

pub const INPUTS: &str = r##"
# project
connectors:
  rates:
    base_url: https://rates.example.com
    operations:
      convert:
        path: /convert
        inputs:
          from: { type: string, pattern: "[A-Z]{3}", default: USD, description: "Currency code." }
          to: { type: string, enum: [EUR, GBP, INR] }
          amount: { type: number, minimum: 0 }
          round: { type: boolean, required: false }
          note: { type: string, min_length: 1, max_length: 80, required: false }
        query: { from: "{{ inputs.from }}", to: "{{ inputs.to }}", amount: "{{ inputs.amount }}" }
"##;

pub const RESPONSE: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example.com/api/v2
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
        response:
          schema:
            type: object
            required: [id, status]
            properties:
              status: { enum: [open, shipped, delivered] }
          extract:
            status: $.status
            tracking: $.shipment.tracking_number
            first_item: $.items[0].name
            paid: $.payments[?@.state == 'settled'].amount
"##;

pub const ENTITIES: &str = r##"
# project
entities:
  order_id:
    pattern: "#?\\b([A-Z]?-?[0-9]{3,10})\\b"
  currency:
    values:
      USD: [dollar, dollars, bucks]
      EUR: [euro, euros]
  size:
    values: [small, medium, large]
  when:
    builtin: date
  # Read in any case, with or without a space, in any digits ("trk 1014", "TRK١٠١٤"), and
  # written as the API knows it: "TRK1014".
  tracking_number:
    pattern: "(?i)\\b(TRK\\s?[0-9]{3,10})\\b"
    case: upper
    strip: " "
  city:
    values:
      Bengaluru: [bengaluru, bangalore]
      Dubai: [dubai, دبي]
"##;

pub const INTENTS_INTRO: &str = r##"
`intents` maps an intent's name to its definition. Intent templates see `slots` (the
conversation's slot values), `steps` (each step's extracted values, or null), `user` (`id`),
`conversation` (`id`), `turn` (`id`) and, in error replies, `error` (`outcome`, `step`,
`status`). A step's outcome is matched against the step's `on_error`, then the intent's, then
the bot's fallback.
"##;

pub const INTENTS: &str = r##"
# project
connectors:
  payments:
    base_url: https://payments.example.com/v1
    auth: { type: bearer, token: "${env:PAYMENTS_TOKEN}" }
    operations:
      get_payment:
        path: /payments/{id}
        inputs: { id: { type: string, pattern: "PAY-[0-9]+" } }
        response: { extract: { amount: $.amount, status: $.status } }
      refund:
        method: POST
        path: /refunds
        inputs: { payment_id: string, key: string }
        headers: { Idempotency-Key: "{{ inputs.key }}" }
        body: { payment: "{{ inputs.payment_id }}" }
        response: { extract: { id: $.id } }

entities:
  payment_id: { pattern: "\\b(PAY-[0-9]+)\\b" }

intents:
  refund:
    description: Refund a payment, after confirmation.
    examples: [refund PAY-1001, I want my money back, please refund my payment]
    slots:
      payment_id: { entity: payment_id, ask: "Which payment? (for example PAY-1001)" }
    confirm: "Refund payment {{ slots.payment_id }}?"
    steps:
      payment: { call: payments.get_payment, with: { id: "{{ slots.payment_id }}" } }
      refund:
        call: payments.refund
        with: { payment_id: "{{ slots.payment_id }}", key: "{{ turn.id }}" }
        when: "steps.payment.status == 'settled'"
    reply:
      - when: "steps.refund"
        text: "Refund {{ steps.refund.id }} of {{ steps.payment.amount }} is on its way."
      - text: "Payment {{ slots.payment_id }} is {{ steps.payment.status }}, so it can't be refunded yet."
    on_error:
      not_found: "I can't find payment {{ slots.payment_id }}."
      default: "The payments system isn't answering; nothing was refunded."
  # Examples by language; a reply variant with `language` answers users writing in it.
  payment_status:
    description: Whether a payment went through.
    examples:
      en: ["did payment PAY-1001 go through", "was my payment successful", "check my payment"]
      hi-Latn: ["payment PAY-1001 hua kya", "mera payment successful hua"]
      ar: ["هل وصل الدفع", "حالة الدفع PAY-1001"]
    slots:
      payment_id: { entity: payment_id, ask: "Which payment? (for example PAY-1001)" }
    steps:
      payment: { call: payments.get_payment, with: { id: "{{ slots.payment_id }}" } }
    reply:
      - { language: hi-Latn, text: "Payment {{ slots.payment_id }} abhi {{ steps.payment.status }} hai." }
      - { language: ar, text: "الدفعة {{ slots.payment_id }} حالتها: {{ steps.payment.status }}." }
      - text: "Payment {{ slots.payment_id }} is {{ steps.payment.status }}."
"##;

pub const SLOTS: &str = r##"
# project
intents:
  book_table:
    examples: [book a table, reserve for 4 tomorrow, table for two tonight]
    slots:
      day: { entity: date, ask: "For which day?" }
      people: { entity: number, ask: "For how many people?", default: 2 }
      note: { carry_over: false }
    reply: "Booked for {{ slots.people }} on {{ slots.day }}."
"##;

pub const STEPS_INTRO: &str = r##"
A step that reads another step (`steps.NAME` in `with` or `when`) runs after it; steps that do
not depend on each other run concurrently. A cycle is an error. An intent whose steps call an
operation that writes (any method but GET and HEAD) must say `confirm:`.
"##;

pub const STEPS: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example.com
    operations:
      get_order: { path: "/orders/{id}", inputs: { id: string }, response: { extract: { customer: $.customer_id, tracking: $.tracking } } }
      get_customer: { path: "/customers/{id}", inputs: { id: string }, response: { extract: { name: $.first_name } } }
      track: { path: "/shipments/{n}", inputs: { n: string }, response: { extract: { city: $.city } } }
intents:
  where_is_it:
    examples: [where is order 1001, track my order, where's my parcel]
    slots:
      order: { entity: number, ask: "Which order?" }
    steps:
      order: { call: store.get_order, with: { id: "{{ slots.order }}" } }
      customer: { call: store.get_customer, with: { id: "{{ steps.order.customer }}" }, optional: true }
      shipment:
        call: store.track
        with: { n: "{{ steps.order.tracking }}" }
        when: "steps.order.tracking"
        on_error:
          not_found: "Order {{ slots.order }} hasn't shipped yet."
    reply: "{{ steps.customer.name or 'Hi' }}, your order is in {{ steps.shipment.city }}."
"##;

pub const REPLIES_INTRO: &str = r##"
A reply (in `reply`, and in each `on_error` entry) is a template, or a list of variants of which
the first whose `when` holds (or that has no `when`) is used.

An `on_error` entry may instead be `{escalate: INTENT}`: rather than apologise, run that intent
(typically one whose step opens a ticket in a helpdesk connector) with the same slots and the
failure as `error` (`error.intent`, `error.step`, `error.outcome`, `error.status`), and reply with
its reply. The escalation intent is an ordinary intent, so a user asking for a person reaches it
too; its own failures use its own replies and never escalate further. The target must exist and
must not be the failing intent itself.
"##;

pub const REPLIES: &str = r##"
# project
intents:
  greet:
    examples: [hi, hello, good morning]
    reply:
      - when: "slots.name"
        text: "Hello again, {{ slots.name }}!"
      - text: "Hello! How can I help?"
  tell_name:
    examples: [my name is Ada, call me Ada, I'm Ada]
    slots:
      name: { ask: "What's your name?" }
    reply: "Nice to meet you, {{ slots.name }}."
  refund:
    examples: [refund my order, I want my money back, give me a refund]
    confirm: "Refund your last order?"
    steps:
      refund: { call: shop.refund }
    reply: "Refunded."
    on_error:
      not_found: "There is nothing to refund."
      default: { escalate: handoff }
  handoff:
    examples: [talk to a person, human please, get me an agent]
    confirm: false
    steps:
      ticket:
        call: helpdesk.open_ticket
        with: { summary: "{{ error.intent ~ ' failed: ' ~ error.outcome if error else 'asked for a person' }}" }
    reply: "A colleague will contact you (ticket {{ steps.ticket.id }})."
connectors:
  shop:
    base_url: https://shop.example.com/api
    operations:
      refund: { method: POST, path: /refunds }
  helpdesk:
    base_url: https://helpdesk.example.com/api
    operations:
      open_ticket:
        method: POST
        path: /tickets
        inputs: { summary: string }
        body: { summary: "{{ inputs.summary }}" }
        response: { extract: { id: $.id } }
"##;

pub const TEMPLATES_EXTRA: &str = r##"
Templates use [minijinja](https://docs.rs/minijinja) syntax: `{{ steps.order.status | upper }}`,
`{% if slots.vip %}...{% endif %}`. A reference to a step the intent does not have, a slot no
intent has, or an input the operation does not declare is an error at load time. Each template
gets an id, such as `intents.order_status.reply.0`, that errors at run time name.
"##;

pub const EXPRESSIONS_EXTRA: &str = r##"
Conditions use Jinja truthiness: undefined, null, `false`, empty strings and lists, and zero are
false; `when: "steps.customer"` holds when the step returned something.
"##;

pub const VALUE_TEMPLATES_EXTRA: &str = r##"
In `query`, `headers`, `body` and step `with`, `amount: "{{ slots.amount }}"` passes a number as
a number, and `body: { items: "{{ steps.cart.items }}" }` passes a list as a list: values are
inserted as JSON values, never spliced into JSON text. `note: "order {{ slots.id }}"` is always
a string. Values without `{{` are constants.
"##;

pub const SECRETS_EXTRA: &str = r##"
Credentials (`auth` values, tokens, passwords, and headers whose names contain `key`, `token`,
`secret`, `auth`, `password` or `cookie`) must be references: a credential written in the file
is an error ("literal credential"). A variable that is not set, or a file that cannot be read,
is an error naming the variable or file; values never appear in messages or logs.
"##;

pub const RASA_INTRO: &str = r##"
With `rasa:` Switchboard is a Rasa custom action server: point `action_endpoint.url` in Rasa's
`endpoints.yml` at `http://HOST:PORT/webhook`. Each mapped action runs an intent with the
tracker's slots (and the latest message's entities) and answers `slot` events and `text`
responses. `GET /health` and `GET /actions` answer as rasa-sdk's do. Rasa keeps the
conversation; Switchboard stores nothing for these calls. See docs/http.md for the wire format.
"##;

pub const RASA: &str = r##"
# project
intents:
  greet:
    examples: [hi, hello, good morning]
    slots:
      name: { ask: "What's your name?" }
    reply: "Hello, {{ slots.name }}!"
rasa:
  path: /webhook
  deadline: 4s
  auth: { type: header, name: X-Action-Secret, value: "${env:RASA_ACTION_SECRET}" }
  actions:
    action_greet: { intent: greet }
    validate_name_form: { intent: greet }
"##;

pub const RASA_ACTIONS: &str = r##"
rasa:
  actions:
    action_order_status:
      intent: order_status
      set_slots: { order_state: order.status, tracking: order.tracking }
"##;

pub const DIALOGFLOW_INTRO: &str = r##"
With `dialogflow:` Switchboard answers Dialogflow ES fulfillment (`es_path`) and Dialogflow CX
webhooks (`cx_path`). ES intents are found by display name, CX calls by
`fulfillmentInfo.tag`; parameters fill the intent's slots by name. A call answers within
`deadline`, with the intent's error reply when an upstream is too slow.
"##;

pub const DIALOGFLOW: &str = r##"
# project
intents:
  greet:
    examples: [hi, hello, good morning]
    reply: "Hello!"
dialogflow:
  es_path: /dialogflow/es
  cx_path: /dialogflow/cx
  deadline: 4.5s
  auth: { type: basic, username: dialogflow, password: "${env:DIALOGFLOW_PASSWORD}" }
  intents: { "Default Welcome Intent": greet }
  tags: { welcome: greet }
"##;

pub const PLATFORM_AUTH: &str = r##"
rasa:
  auth: { type: basic, username: rasa, password: "${file:secrets/rasa-password}" }
dialogflow:
  auth: { type: header, name: X-Webhook-Secret, value: "${env:DIALOGFLOW_SECRET}" }
"##;

pub const POLICIES_INTRO: &str = r##"
`retry`, `circuit_breaker`, `rate_limit` and `cache` are set on a connector as defaults for its
operations; an operation may set the same blocks to replace them key by key (`rate_limit` on an
operation gives it a limiter of its own). A call goes through them in this order: cache, then
retries around each attempt, which passes the circuit breaker, the rate limiter, and is sent
with the connector's credentials. Every wait and every attempt stays within the turn deadline.
"##;

pub const RETRY: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example/api/v2
    timeout: 2s
    retry: { attempts: 3, backoff: exponential, base: 200ms, max: 2s, budget_percent: 20 }
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
      create_refund:
        method: POST
        path: /refunds
        idempotency_key: Idempotency-Key
        retry: { attempts: 2 }
        inputs: { payment_id: string }
        body: { payment_id: "{{ inputs.payment_id }}" }
"##;

pub const CIRCUIT_BREAKER: &str = r##"
# project
connectors:
  crm:
    base_url: https://crm.example/v1
    circuit_breaker: { failure_ratio: 0.5, min_calls: 20, window: 30s, open_for: 30s }
    operations:
      get_customer:
        path: /customers/{id}
        inputs: { id: string }
      search:
        path: /search
        circuit_breaker: { scope: operation, min_calls: 5 }
"##;

pub const RATE_LIMIT: &str = r##"
# project
connectors:
  maps:
    base_url: https://maps.example/v1
    rate_limit: { requests: 10, per: 1s, burst: 1, max_wait: 1s, concurrency: 4 }
    operations:
      geocode:
        path: /geocode
"##;

pub const CACHE_INTRO: &str = r##"
A cache key is made of the resolved request (method, URL with its query, headers the
operation sets, body) and, with scope `user`, the user the call is made for. Credentials are
attached after the key is made and never stored in it. Only `ok` results are cached.
"##;

pub const CACHE: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example/api/v2
    cache: { ttl: 30s, stale_if_error: 5m, max_entries: 10000 }
    operations:
      list_slots:
        path: /appointments/slots
        inputs: { date: string }
        query: { date: "{{ inputs.date }}" }
      get_rates:
        path: /rates
        cache: { ttl: 10m, scope: shared }
      book_appointment:
        method: POST
        path: /appointments
        inputs: { date: string, time: string }
        body: { date: "{{ inputs.date }}", time: "{{ inputs.time }}" }
        invalidate: [list_slots]
"##;

pub const ALERTS: &str = r##"
# project
connectors:
  store:
    base_url: https://store.example/api/v2
    alerts: { call: ops.notify, after: 5, within: 1m, every: 10m }
    operations:
      get_order:
        path: /orders/{id}
        inputs: { id: string }
  ops:
    base_url: https://hooks.chat.example
    operations:
      notify:
        method: POST
        path: /services/alerts
        inputs: { text: string }
        body: { text: "{{ inputs.text }}" }
"##;

pub const INBOUND_INTRO: &str = r##"
`inbound` protects the HTTP API. Without it every route is open, which is what `switchboard
demo` does on loopback; `switchboard serve` refuses a non-loopback `--listen` address without
it unless given `--insecure-no-auth`. Requests without a valid credential get `401`, a
credential without the route's scope gets `403`, and a caller over a rate limit gets `429`
with `Retry-After`.

Conversations belong to their user. A JWT speaks for its `sub` only; an API key speaks for
any user only when it is marked `trusted_backend: true` (the project's own backend). Any other
key (a web widget's) starts a conversation of its own for each turn that names none and
reaches only conversations started that way, never a user's default conversation or event
stream. A conversation out of reach answers `404`, like one that does not exist.
"##;

pub const INBOUND: &str = r##"
# project
inbound:
  api_keys:
    - name: web-frontend
      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    - name: operations
      key: "${env:OPS_API_KEY}"
      scopes: [chat, admin]
      trusted_backend: true
  jwt:
    jwks_url: https://login.example.com/.well-known/jwks.json
    issuer: https://login.example.com/
    audience: switchboard
  rate_limit:
    per_user: { requests: 30, per: 1m, burst: 10 }
    per_address: { requests: 300, per: 1m }
"##;

pub const INBOUND_KEYS: &str = r##"
api_keys:
  - { name: web-frontend, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 }
  - { name: operations, key: "${file:secrets/ops-api-key}", scopes: [chat, admin], trusted_backend: true }
"##;

pub const INBOUND_JWT: &str = r##"
jwt:
  jwks_file: keys/jwks.json
  issuer: https://login.example.com/
  audience: switchboard
  scope_claim: scp
  leeway: 10s
"##;

pub const INBOUND_LIMITS: &str = r##"
rate_limit:
  per_user: { requests: 30, per: 1m, burst: 10 }
  per_address: { requests: 300 }
"##;

pub const INBOUND_RATE: &str = r##"
per_user: { requests: 5, per: 1s, burst: 20 }
"##;

pub const INBOUND_CONNECTIONS_INTRO: &str = r##"
These limits hold whether or not auth is configured. A socket that never shows its protocol is
closed after `handshake_timeout`, a connection with no request in flight after `idle_timeout`,
and at `max` open connections the one idle longest is closed to make room for the new one.
"##;

pub const INBOUND_CONNECTIONS: &str = r##"
connections:
  max: 4000
  handshake_timeout: 5s
  idle_timeout: 90s
"##;

pub const INBOUND_STREAMS: &str = r##"
streams:
  per_user: 3
  max: 2000
"##;

pub const WEBHOOKS_INTRO: &str = r##"
A webhook source receives events at `POST /v1/webhooks/{source}`. The raw body is checked
against the size limit, then its signature is verified (in constant time, against every listed
secret, so a secret can be rotated without downtime), then the event is committed to the store,
unique by source and event id, and only then answered `200`. A repeated delivery is answered
`200` and not processed again; when the store cannot commit, the answer is `503` with
`Retry-After`, so the sender retries. Event ids are kept for at least 7 days. Stored events are
routed by their type to proactive messages (see webhook routes); an event whose route keeps
failing goes to the dead-letter list (`GET /v1/admin/webhooks/dead-letters`) after
`max_attempts`, without holding up the others.
"##;

pub const WEBHOOKS: &str = r##"
# project
webhooks:
  payments:
    verify: { type: stripe, secrets: ["${env:STRIPE_WEBHOOK_SECRET}"] }
    stale_after: 1h
    max_attempts: 5
    user_hourly_limit: 20
    routes:
      payment_intent.succeeded:
        user: $.data.object.metadata.user_id
        message: "Payment of {{ event.data.object.amount / 100 }} {{ event.data.object.currency | upper }} received."
"##;

pub const WEBHOOK_ROUTES_INTRO: &str = r##"
A route turns one event type into a message to one user: `user` finds the user id in the event,
optional `steps` call operations exactly as an intent's steps do (they see `event` instead of
slots), and `message` is rendered with `event`, `source`, `user` and `steps`. The message is
added to the user's default conversation and streamed to
`GET /v1/users/{id}/events` and `GET /v1/conversations/{id}/events` (server-sent events, with
ids for `Last-Event-ID` resume); each message has an id, so it is shown once.
"##;

pub const WEBHOOK_ROUTES: &str = r##"
# project
connectors:
  store:
    base_url: http://localhost:8081
    operations:
      get_order:
        method: GET
        path: /orders/{id}
        inputs: { id: { type: string, required: true } }
        response: { extract: { status: $.status } }
webhooks:
  shop:
    verify: { type: shopify, secrets: ["${env:SHOPIFY_CLIENT_SECRET}"] }
    routes:
      orders/updated:
        user: $.customer.id
        steps:
          order: { call: store.get_order, with: { id: "{{ event.id }}" } }
        message: "Your order {{ event.id }} is now {{ steps.order.status }}."
"##;

pub const WEBHOOK_VERIFY_INTRO: &str = r##"
Each scheme follows its provider's documentation. Timestamped schemes (`stripe`,
`standard_webhooks`, `slack`, and `hmac` with `timestamp_header`) refuse a timestamp further
than `tolerance` from now. `meta` also answers the subscription handshake
(`GET /v1/webhooks/{source}?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`).
"##;

pub const WEBHOOK_VERIFY: &str = r##"
# project
webhooks:
  stripe:
    verify: { type: stripe, secrets: ["${env:STRIPE_SECRET_NEW}", "${env:STRIPE_SECRET_OLD}"], tolerance: 5m }
  svix:
    verify: { type: standard_webhooks, secrets: ["${env:SVIX_SECRET}"] }
  github:
    verify: { type: github, secrets: ["${env:GITHUB_WEBHOOK_SECRET}"] }
  slack:
    verify: { type: slack, secrets: ["${env:SLACK_SIGNING_SECRET}"] }
  twilio:
    verify: { type: twilio, secrets: ["${env:TWILIO_AUTH_TOKEN}"], url: "https://bot.example.com/v1/webhooks/twilio" }
    event_id: $.MessageSid
  whatsapp:
    verify: { type: meta, secrets: ["${env:META_APP_SECRET}"], verify_token: "${env:META_VERIFY_TOKEN}" }
  partner:
    verify:
      type: hmac
      secrets: ["${env:PARTNER_SECRET}"]
      header: X-Signature
      algorithm: sha256
      encoding: hex
      prefix: "sha256="
      timestamp_header: X-Timestamp
"##;

pub const POLLERS_INTRO: &str = r##"
For an API without webhooks, a poller calls a read-only operation every `every`, finds the
items in its result, and compares each (by `key`) with what the previous poll saw, by a
SHA-256 of its content. A new or changed item becomes an event of type `event_type`, with
`event.key` and `event.item`, stored in the same inbox as webhook events and routed the same
way. The first poll only records what is there, unless `initial: true`. Items that disappear
are not events. Each poll costs one upstream call: an interval of 1 minute is 60 calls an hour,
whether anything changed or not.
"##;

pub const POLLERS: &str = r##"
# project
connectors:
  shop:
    base_url: https://shop.example.com/api
    operations:
      list_orders:
        method: GET
        path: /orders
        inputs: { status: { type: string, default: open } }
pollers:
  orders:
    call: shop.list_orders
    with: { status: open }
    every: 1m
    items: $.orders[*]
    key: $.id
    event_type: order.changed
    routes:
      order.changed:
        user: $.item.customer_id
        message: "Your order {{ event.key }} is now {{ event.item.status }}."
"##;

pub const TELEMETRY_INTRO: &str = r##"
Metrics (`GET /metrics`), the dashboard (`/dashboard`) and the audit trail work without any
settings; `telemetry:` tunes them. The audit trail has a row for every upstream attempt with a
pseudonymous user id (a keyed hash), the path template (never values), status, outcome,
latency and attempt number; `switchboard audit export` and `GET /v1/admin/audit` read it.
docs/telemetry.md lists every metric and log event.
"##;

pub const TELEMETRY: &str = r##"
# project
connectors:
  store:
    base_url: https://api.example.com/v1/
    operations:
      ping: { path: /health }
telemetry:
  log_format: json
  audit: { retention: 90d, pseudonym_key: "${env:SWITCHBOARD_AUDIT_KEY}" }
  redact: { keys: [national_id], json_paths: ["$.customer.address"] }
  connectors:
    store:
      health_check: { operation: ping, every: 30s }
      objectives: { availability: 99.5, p95_latency: 800ms }
"##;

pub const TELEMETRY_AUDIT: &str = r##"
telemetry:
  audit:
    enabled: true
    retention: 30d
    queue: 10000
"##;

pub const TELEMETRY_REDACT: &str = r##"
telemetry:
  redact:
    keys: [national_id, date_of_birth]
    json_paths: ["$.customer.address", "$.items[*].note"]
"##;

pub const TELEMETRY_CONNECTORS: &str = r##"
telemetry:
  connectors:
    store:
      health_check: { operation: list_products, every: 1m }
      objectives: { availability: 99.9, p95_latency: 500ms }
"##;

pub const CHANNELS_INTRO: &str = r##"
A channel is a messaging platform whose users chat with the bot. The platform posts each
delivery to `POST /v1/channels/{name}` (WhatsApp also calls `GET` there for its subscription
handshake); set that URL, under `bot.public_url`, in the platform's console. A delivery is
verified on its raw body, each user message in it is committed to the store, unique by the
platform's own id (`wamid`, `update_id`, `event_id`, `MessageSid`), and only then answered
`200`, so a platform's retry is recognised and a crash loses nothing. A worker then runs the
chat turn for the user and sends each reply back; the messages of one user are handled one at
a time, in order, across instances. Status callbacks are counted, never taken as messages; the
bot's own messages are ignored.

Replies go through the channel's built-in connector `channel_<name>` (operation `send`), so
retries, the platform's rate limit, the circuit breaker, metrics and the audit trail apply as
to any operation; `switchboard call` can call it too. A yes-or-no question offers its answers
as buttons (WhatsApp reply buttons, a Telegram inline keyboard, Slack buttons; listed in the
text for SMS); long replies are split at the platform's limit (4,096 characters on WhatsApp and
Telegram, 3,000 on Slack, 1,600 on SMS).

WhatsApp allows free-form messages only within 24 hours of the user's last message. Outside
it (a proactive message, typically) the channel sends its `template` with the text as the
template's parameter, or, without one, does not send and counts the message as
`outside_window` in `switchboard_channel_messages_total`.

A webhook route's message is also sent on the channel the user last wrote from (or the one the
route names with `channel`), so a payment confirmation reaches the customer on WhatsApp.
`switchboard channels register NAME` tells Telegram where to post (`setWebhook`, with the
secret token); the other platforms are set up in their consoles.
"##;

pub const CHANNELS: &str = r##"
# project
bot:
  public_url: https://bot.example.com
intents:
  greet:
    examples: [hi, hello, good morning]
    reply: "Hello! How can I help?"
channels:
  whatsapp:
    type: whatsapp
    phone_number_id: "106540352242922"
    access_token: "${env:WHATSAPP_TOKEN}"
    app_secret: "${env:WHATSAPP_APP_SECRET}"
    verify_token: "${env:WHATSAPP_VERIFY_TOKEN}"
    template: { name: order_update, language: en }
  telegram:
    type: telegram
    bot_token: "${env:TELEGRAM_BOT_TOKEN}"
    secret_token: "${env:TELEGRAM_SECRET_TOKEN}"
  slack:
    type: slack
    bot_token: "${env:SLACK_BOT_TOKEN}"
    signing_secret: "${env:SLACK_SIGNING_SECRET}"
  sms:
    type: twilio
    account_sid: AC0123456789abcdef0123456789abcdef
    auth_token: "${env:TWILIO_AUTH_TOKEN}"
    from: "+15550001111"
"##;

pub const CHANNEL_IDENTITY_INTRO: &str = r##"
By default a channel user gets a random user id the first time they write, kept for their
address (phone number, Telegram chat, Slack team and user), so their conversation, slots and
proactive messages follow them. With `identity`, the first message calls an operation with the
address and takes the user id from one of its `extract` fields: a customer found by phone
number is that customer on every channel, and their connected accounts apply. A lookup that
fails or finds nobody falls back to a random id. The mapping is stored; logs and the audit
trail never hold the address.
"##;

pub const CHANNEL_IDENTITY: &str = r##"
# project
connectors:
  crm:
    base_url: https://crm.example.com/api
    auth: { type: bearer, token: "${env:CRM_TOKEN}" }
    operations:
      find_by_phone:
        path: /customers
        inputs: { phone: string }
        query: { phone: "{{ inputs.phone }}" }
        response: { extract: { customer_id: $.id } }
channels:
  whatsapp:
    type: whatsapp
    phone_number_id: "106540352242922"
    access_token: "${env:WHATSAPP_TOKEN}"
    app_secret: "${env:WHATSAPP_APP_SECRET}"
    verify_token: "${env:WHATSAPP_VERIFY_TOKEN}"
    identity: { operation: crm.find_by_phone, input: phone, field: customer_id }
"##;

pub const WHATSAPP_TEMPLATE: &str = r##"
template: { name: order_update, language: hi }
"##;

pub const TOOLS_INTRO: &str = r##"
The tool gateway (`POST /mcp`, `GET /v1/tools`, `switchboard tools export`) offers LLM agents
every operation and every intent with steps as a tool, unless the project says otherwise:
`tools: { expose: false }` makes every tool opt-in (`tool: true`), a connector's `tools: false`
drops its operations, and an operation's or intent's own `tool:` wins over both. docs/tools.md
explains the gateway.
"##;

pub const TOOLS: &str = r##"
# project
tools:
  expose: false
connectors:
  store:
    base_url: https://store.example.com/api
    tools: true
    operations:
      get_order:
        description: Look up an order by its number.
        path: /orders/{order_id}
        inputs: { order_id: { type: string, pattern: "[0-9]{4,10}" } }
      delete_order:
        method: DELETE
        path: /orders/{order_id}
        inputs: { order_id: string }
        tool: false
intents:
  order_status:
    examples: [where is my order 1001, track order 1002, status of my order]
    slots:
      order_id: { entity: number, ask: Which order? }
    steps:
      order: { call: store.get_order, with: { order_id: "{{ slots.order_id }}" } }
    reply: "Order {{ slots.order_id }} is on its way."
    tool: true
"##;

pub const TOOL_INTRO: &str = r##"
An operation's or intent's `tool:` is `true`, `false`, or a map. A write (any method but `GET`
and `HEAD`, or an intent with such a step) asks the person behind the agent to confirm each
call unless it says `confirm: false`.
"##;

pub const TOOL: &str = r##"
# project
connectors:
  helpdesk:
    base_url: https://helpdesk.example.com/api
    operations:
      open_ticket:
        method: POST
        path: /tickets
        inputs: { subject: { type: string, max_length: 120 } }
        body: { subject: "{{ inputs.subject }}" }
        tool:
          name: open_support_ticket
          description: Open a support ticket for the user.
          confirm: true
          destructive: false
"##;

pub const LLM_INTRO: &str = r##"
A language model in the chat turn, reached through a connector with `type: llm` (any
OpenAI-compatible chat-completions API: OpenAI, Azure OpenAI, vLLM, Ollama, LM Studio,
OpenRouter). Its calls go through that connector's pipeline like any other: auth, timeouts
within the turn deadline, retries (a `429` waits for its `Retry-After`), breaker, rate limit,
metrics and audit. `understand` asks the model which intent a message expresses and which
slot values it gives (JSON Schema structured output), when the classifier is unsure or
always; `agent` lets it call the project's tools in a bounded loop, with writes waiting for
the user's yes; `reply` has it word the reply from the steps' data, the template's reply
standing when it fails or is slow. What the model reads is masked by the project's redaction
policy (`telemetry.redact`), and the user's own values are put back in its reply. Give the
turn time: `bot.turn_deadline` bounds every model call. docs/llm.md explains the modes.
"##;

pub const LLM: &str = r##"
# project
bot:
  turn_deadline: 20s
connectors:
  openai:
    type: llm
    base_url: https://api.openai.com/v1
    auth: { type: bearer, token: "${env:OPENAI_API_KEY}" }
    timeout: 15s
    rate_limit: { requests: 60, per: 1m, max_wait: 2s }
  store:
    base_url: https://store.example.com/api
    operations:
      get_order:
        description: Look up an order by its number.
        path: /orders/{order_id}
        inputs: { order_id: { type: string, pattern: "[0-9]{4,10}" } }
        response: { extract: { status: $.status } }
intents:
  order_status:
    examples: [where is my order 1001, track order 1002, status of order 1003]
    slots:
      order_id: { entity: number, ask: Which order? }
    steps:
      order: { call: store.get_order, with: { order_id: "{{ slots.order_id }}" } }
    reply: "Order {{ slots.order_id }} is {{ steps.order.status }}."
    llm_reply: true
llm:
  connector: openai
  model: gpt-4o-mini
  modes: [understand, reply]
  understand_when: unsure
  temperature: 0.2
  system: "You are the assistant of Example Store. Be brief and friendly."
"##;

pub const LLM_LIMITS: &str = r##"
limits:
  tool_rounds: 4
  max_tokens: 512
  tokens_per_turn: 8000
  tokens_per_user_per_day: 200000
"##;

pub const LLM_PRICES: &str = r##"
prices: { input: 0.15, output: 0.60 }
"##;
