// An MCP client for the tool gateway's tests, built on the official TypeScript SDK
// (@modelcontextprotocol/client, v2: the 2026-07-28 revision, input_required fulfilled by
// the SDK through the elicitation handler below).
//
//     node client.mjs URL '{"do": "list"|"call", ...}'
//
// Options (JSON): `mode` ("auto": negotiate 2026-07-28, or "legacy": the initialize
// handshake), `headers`, `tool` and `arguments` for a call, `answer` ("accept" or "decline")
// for the confirmation question. Prints one JSON object: what the server answered.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const [url, optsText] = process.argv.slice(2);
const opts = JSON.parse(optsText);
const asked = [];
const client = new Client(
  { name: 'switchboard-test', version: '1.0.0' },
  { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: opts.mode ?? 'auto' } },
);
client.setRequestHandler('elicitation/create', async (req) => {
  asked.push(req.params.message);
  return { action: opts.answer ?? 'decline' };
});
await client.connect(
  new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: opts.headers ?? {} } }),
);
const out = { protocol: client.getNegotiatedProtocolVersion?.() ?? null };
const { tools } = await client.listTools();
if (opts.do === 'list') {
  out.tools = tools;
} else if (opts.do === 'call') {
  const r = await client.callTool({ name: opts.tool, arguments: opts.arguments ?? {} });
  out.is_error = Boolean(r.isError);
  out.structured = r.structuredContent ?? null;
  out.text = (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text);
  out.asked = asked;
}
console.log(JSON.stringify(out));
await client.close();
