"""The cost table of BENCHMARKS.md from folded stacks (bench/profile/record.sh writes them).

    python3 bench/profile/costs.py W3.folded 313 "W3 Switchboard" W3-base.folded 108 "W3 baseline"

Each argument triple is a folded file, the CPU per turn measured while it was recorded (µs),
and a column label. Self time is put in a category by the innermost frame of each sample;
the second table is the inclusive time of a few paths. Shares become µs per turn by the
measured CPU per turn. Prints markdown."""
import re, sys
CATS = [
    ("kernel (syscalls, loopback TCP, wake-ups)", lambda l: l.endswith("_[k]")),
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
def main(path, us):
    total = 0; cats = {}; incl = {k: 0 for k, _ in INCL}
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
    return total, cats, incl
if __name__ == "__main__":
    rows = []
    args = sys.argv[1:]
    pairs = [(args[i], float(args[i+1]), args[i+2]) for i in range(0, len(args), 3)]
    res = [(label, us, *main(p, us)) for p, us, label in pairs]
    names = [c for c, _ in CATS] + ["other (libc, unresolved)"]
    print("| where (self time, by the innermost frame) | " + " | ".join(f"{l} µs/turn" for l, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for c in names:
        print(f"| {c} | " + " | ".join(f"{us*cats.get(c,0)/t:.0f} ({100*cats.get(c,0)/t:.1f} %)" for l, us, t, cats, incl in res) + " |")
    print(f"| **total** | " + " | ".join(f"**{us:.0f}**" for l, us, *_ in res) + " |")
    print()
    print("| path (inclusive) | " + " | ".join(f"{l} µs/turn" for l, *_ in res) + " |")
    print("|---|" + "---|" * len(res))
    for k, _ in INCL:
        print(f"| {k} | " + " | ".join(f"{us*incl[k]/t:.0f} ({100*incl[k]/t:.1f} %)" for l, us, t, cats, incl in res) + " |")
