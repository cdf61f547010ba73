"""The cost table of BENCHMARKS.md from folded stacks (bench/profile/record.sh writes them).

    python3 bench/profile/costs.py W3.folded 313 "W3 Switchboard" W3-base.folded 108 "W3 baseline"

Each argument triple is a folded file, the CPU per turn measured while it was recorded (µs),
and a column label. Self time is put in a category by the innermost frame of each sample;
the second table is the inclusive time of a few paths; the third charges every sample,
kernel and allocation included, to the feature of the product that caused it (see LEDGER).
Shares become µs per turn by the measured CPU per turn. Prints markdown."""
import re, sys
def is_kernel(frame):
    return frame.endswith("_[k]")
CATS = [
    ("kernel (syscalls, loopback TCP, wake-ups)", is_kernel),
    ("allocation and copying (mimalloc, memmove)", lambda l: re.search(r"(^|[^a-z])(_?mi_|malloc|free|memmove|memcpy|memset|realloc|__libc_|cfree)", l) or "RawVec" in l or "alloc::alloc" in l),
    ("SQLite and sqlx (conversations, audit)", lambda l: "sqlite" in l.lower() or "sqlx" in l or "flume" in l),
    ("reqwest, url, idna, hyper client pool", lambda l: re.search(r"\b(reqwest|url|idna|hyper_util|form_urlencoded|percent_encoding)::", l)),
    ("tokio, hyper, axum, tower, http", lambda l: re.search(r"\b(tokio|hyper|axum|tower|tower_http|tower_layer|http|http_body|http_body_util|mio|futures_util|futures_core|futures_channel|bytes|httparse|matchit|want|parking_lot|parking_lot_core)::", l)),
    ("serde, serde_json (requests, replies, state)", lambda l: re.search(r"\bserde(_json|_core)?::|serde_core|ryu|itoa", l)),
    ("templates (minijinja)", lambda l: "minijinja" in l),
    ("tracing", lambda l: re.search(r"\btracing(_core|_subscriber|_appender)?::", l)),
    ("understanding (switchboard_nlu, regex)", lambda l: re.search(r"switchboard_nlu|regex|aho_corasick|memchr", l)),
    ("moka, governor, chrono, other crates", lambda l: re.search(r"\b(moka|governor|chrono|crossbeam|dashmap|hashbrown|quanta|uuid|rand|sha2|hmac|jsonschema|metrics|arc_swap|smallvec|indexmap|time)::", l)),
    ("Switchboard's own code", lambda l: "switchboard" in l),
    ("Rust core and std", lambda l: re.search(r"\b(core|alloc|std)::", l)),
]
INCL = [
    ("conversation load and save (with the SQLite worker's share)", r"SqlConversations::(save|load)|conversations::row::"),
    ("audit trail (append and writer)", r"storage::audit::"),
    ("understanding (classifier and entities)", r"Understanding::understand"),
    ("the operation pipeline (Pipeline::call_with, incl. client I/O)", r"Pipeline::call_with"),
    ("SQLite worker thread", r"^sqlx-sqlite-wor"),
]
# The ledger: each sample goes to the leaf-most frame that names a feature of the product
# (or the hand-written server's own code), so a `malloc`, a `memmove` or a syscall is charged
# to whoever asked for it. Within one frame the first matching row wins (the HTTP client
# before the policies, since reqwest's own types name tower's retry). Frames of the shared
# machinery (hyper's server side, axum, tokio) only count where no feature frame is on the
# stack: that is the cost of serving HTTP and running tasks, which both servers pay.
UPSTREAM = "upstream HTTP client (reqwest, hyper client, pool, transport)"
LEDGER = [
    ("understanding the message (classifier, entities)", r"switchboard_nlu::|engine::understand::|llm::understand::"),
    ("the conversation store (load, save, history)", r"storage::conversations::|switchboard_runtime::conversation::"),
    ("the audit trail (rows, pseudonyms, redaction, its writer)", r"storage::audit::|telemetry::pseudonym::|telemetry::redact::|storage::redact::"),
    ("templates (arguments, reply)", r"minijinja::|switchboard_runtime::template::"),
    ("answer checks: outcome, JSON parse, schema, extraction", r"pipeline::(interpret|classify|response)::|jsonschema::"),
    ("telemetry: metrics, spans, call records", r"pipeline::(observe|record|recent|alerts)::|switchboard_runtime::telemetry::|\bmetrics(_util)?::|tracing_subscriber::|tracing_core::|\btracing::span|switchboard::logging::"),
    (UPSTREAM, r"reqwest::|hyper_util::client::|hyper::client::|pipeline::transport::"),
    ("policies: retry, Retry-After hold, breaker, rate limit", r"pipeline::(retry|hold|breaker|rate_limit)::|governor::"),
    ("auth and the SSRF guard", r"pipeline::(auth|ssrf)::"),
    ("the call cache layer", r"pipeline::cache::|moka::"),
    ("the call's request: inputs, path, encoding", r"pipeline::(inputs|request|encode|build)::"),
    ("the operation pipeline's own glue (tower stack, records)", r"switchboard_runtime::pipeline::"),
    ("the platform action (Rasa: request read, events, reply)", r"switchboard_runtime::platforms::"),
    ("the chat turn (engine: steps, slots, reply)", r"switchboard_runtime::engine::"),
    ("the server's own layer (gate, inbound auth, handlers)", r"switchboard_runtime::(server::(?!conn::)|http::)|\bswitchboard::"),
    ("the hand-written turn's own code", r"\bbaseline::"),
]
# Where no feature frame is on the stack: by thread, then by the shared machinery. An
# outbound connection's task (hyper's client dispatcher, spawned by hyper-util's pool) has
# no frame that says so; an inbound one runs under the accept loop's connection driver.
INBOUND = re.compile(r"server::conn::|hyper_util::server::|TowerToHyperService|\baxum::serve|\bhyper::server::")
LEDGER_REST = [
    ("SQLite on sqlx's worker thread", lambda frames: frames[0].startswith("sqlx-sqlite")),
    ("inbound HTTP (hyper server, axum, tower-http, accept loop)", lambda frames: any(INBOUND.search(f) for f in frames)),
    (UPSTREAM, lambda frames: any(re.search(r"\bhyper::", f) for f in frames)),
    ("async runtime (tokio scheduler, I/O driver, timers)", lambda frames: any(re.search(r"\btokio::|\bmio::", f) for f in frames)),
]
LEDGER_OTHER = "other (thread start, libc, unresolved)"
LEDGER_RX = [(name, re.compile(rx)) for name, rx in LEDGER]
# Frames of the product that only wrap the machinery (the gate is an axum middleware around
# routing, extractors and the handler): they claim a sample only when no machinery frame lies
# between them and the leaf.
WRAPPER = re.compile(r"server::gate::middleware::\{\{closure")
MACHINERY = re.compile(r"\b(axum|hyper|tower|tower_http|tokio)::")
def subject(frame):
    """Whose code a frame is: `<A as Trait<B>>::f` is A's, `drop_in_place<A>` is A's, and type
    parameters name nobody (`Retry<Transport>::call` is the retry layer's)."""
    f = frame
    for wrapper in ("core::ptr::drop_in_place<", "<"):
        if f.startswith(wrapper):
            depth = 0
            for i, ch in enumerate(f[len(wrapper):]):
                if ch == "<": depth += 1
                elif ch == ">":
                    if depth == 0: break
                    depth -= 1
                elif depth == 0 and f[len(wrapper) + i:].startswith(" as "): break
            f = f[len(wrapper):len(wrapper) + i]
            break
    out, depth = [], 0
    for ch in f:
        if ch == "<": depth += 1
        elif ch == ">": depth = max(0, depth - 1)
        elif depth == 0: out.append(ch)
    return "".join(out)
def ledger_row(frames):
    frames = [subject(f) for f in frames]
    passed_machinery = False
    for f in reversed(frames):
        for name, rx in LEDGER_RX:
            if rx.search(f) and not (passed_machinery and WRAPPER.search(f)):
                return name
        passed_machinery = passed_machinery or bool(MACHINERY.search(f))
    for name, test in LEDGER_REST:
        if test(frames):
            return name
    return LEDGER_OTHER
def main(path, us):
    total = 0; cats = {}; incl = {k: 0 for k, _ in INCL}; ledger = {}; kernel = {}
    for line in open(path):
        stack, n = line.rstrip("\n").rsplit(" ", 1); n = int(n); total += n
        frames = stack.split(";"); leaf = frames[-1]
        name = "other (libc, unresolved)"
        for cname, f in CATS:
            if f(leaf):
                name = cname; break
        cats[name] = cats.get(name, 0) + n
        for k, rx in INCL:
            if re.search(rx, stack): incl[k] += n
        row = ledger_row(frames)
        ledger[row] = ledger.get(row, 0) + n
        if is_kernel(leaf): kernel[row] = kernel.get(row, 0) + n
    return total, cats, incl, ledger, kernel
if __name__ == "__main__":
    args = sys.argv[1:]
    pairs = [(args[i], float(args[i+1]), args[i+2]) for i in range(0, len(args), 3)]
    res = [(label, us, *main(p, us)) for p, us, label in pairs]
    names = [c for c, _ in CATS] + ["other (libc, unresolved)"]
    print("| where (self time, by the innermost frame) | " + " | ".join(f"{l} µs/turn" for l, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for c in names:
        print(f"| {c} | " + " | ".join(f"{us*cats.get(c,0)/t:.0f} ({100*cats.get(c,0)/t:.1f} %)" for l, us, t, cats, incl, *_ in res) + " |")
    print(f"| **total** | " + " | ".join(f"**{us:.0f}**" for l, us, *_ in res) + " |")
    print()
    print("| path (inclusive) | " + " | ".join(f"{l} µs/turn" for l, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for k, _ in INCL:
        print(f"| {k} | " + " | ".join(f"{us*incl[k]/t:.0f} ({100*incl[k]/t:.1f} %)" for l, us, t, cats, incl, *_ in res) + " |")
    print()
    print("| feature (everything it causes, kernel and allocation included) | " + " | ".join(f"{l} µs/turn (of which kernel)" for l, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for k in dict.fromkeys([n for n, _ in LEDGER] + [n for n, _ in LEDGER_REST] + [LEDGER_OTHER]):
        cells = [(us*led.get(k,0)/t, us*ker.get(k,0)/t) for l, us, t, cats, incl, led, ker in res]
        if all(round(a) == 0 for a, _ in cells): continue
        print(f"| {k} | " + " | ".join(f"{a:.0f} ({b:.0f})" for a, b in cells) + " |")
