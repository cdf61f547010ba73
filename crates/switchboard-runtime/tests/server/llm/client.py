"""The official `openai` Python client on both sides of Switchboard's model support.

    client.py validate FILE       every request body in FILE (a JSON list) checked against the
                                  request types the OpenAI SDK publishes for chat completions
    client.py chat URL OPTS       Switchboard's /v1/chat/completions spoken to through the SDK

Prints one JSON object; exits non-zero on any failure.
"""

import json
import sys

import pydantic
from openai import OpenAI
from openai.types.chat import completion_create_params as params


def validate(path):
    with open(path) as f:
        bodies = json.load(f)
    checked, errors = 0, []
    adapters = {}
    for stream, cls in (
        (True, params.CompletionCreateParamsStreaming),
        (False, params.CompletionCreateParamsNonStreaming),
    ):
        # Unknown top-level keys are mistakes too.
        cls.__pydantic_config__ = pydantic.ConfigDict(extra="forbid")
        adapters[stream] = pydantic.TypeAdapter(cls)
    for i, body in enumerate(bodies):
        try:
            v = adapters[bool(body.get("stream"))].validate_python(body)
            # Iterable fields are checked as they are read.
            for m in v["messages"]:
                pass
            for t in v.get("tools") or []:
                pass
            checked += 1
        except pydantic.ValidationError as e:
            errors.append({"request": i, "error": str(e)})
    print(json.dumps({"checked": checked, "errors": errors}))
    return not errors


def chat(url, opts):
    client = OpenAI(base_url=url + "/v1", api_key=opts.get("key", "unused-on-loopback"), max_retries=0)
    out = {}
    messages = [{"role": "user", "content": opts["text"]}]
    r = client.chat.completions.create(model="switchboard", messages=messages, user=opts["user"])
    out["complete"] = {
        "content": r.choices[0].message.content,
        "finish_reason": r.choices[0].finish_reason,
        "usage": r.usage.model_dump() if r.usage else None,
        "object": r.object,
    }
    if opts.get("stream_text"):
        messages = [{"role": "user", "content": opts["stream_text"]}]
        deltas, finish, usage = [], None, None
        with client.chat.completions.create(
            model="switchboard",
            messages=messages,
            user=opts["user"],
            stream=True,
            stream_options={"include_usage": True},
        ) as stream:
            for chunk in stream:
                if chunk.usage:
                    usage = chunk.usage.model_dump()
                for c in chunk.choices:
                    if c.delta.content:
                        deltas.append(c.delta.content)
                    if c.finish_reason:
                        finish = c.finish_reason
        out["stream"] = {"deltas": deltas, "finish_reason": finish, "usage": usage}
    print(json.dumps(out))
    return True


if __name__ == "__main__":
    if sys.argv[1] == "validate":
        ok = validate(sys.argv[2])
    else:
        ok = chat(sys.argv[2], json.loads(sys.argv[3]))
    sys.exit(0 if ok else 1)
