#!/usr/bin/env node
// Roster's server entry (`npm start`, and `node build`: the build copies this file to
// build/serve.js and names it in build/package.json). It serves adapter-node's handler over HTTPS
// when TLS_CERT and TLS_KEY name PEM files, over HTTP otherwise, and keeps what adapter-node's own
// entry does that Roster relies on: HOST/PORT, KEEP_ALIVE_TIMEOUT/HEADERS_TIMEOUT, and on
// SIGTERM/SIGINT a graceful close that ends with the `sveltekit:shutdown` event (lifecycle.ts).
//
// With ORIGIN unset, the app's origin is the request's own Host with the protocol this server
// actually served it on: a header of our own, set from the socket on every request (whatever the
// client sent under that name is overwritten), is what adapter-node's PROTOCOL_HEADER reads. An
// operator behind a TLS proxy sets PROTOCOL_HEADER (or ORIGIN) themselves and this stays out of it.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import process from 'node:process';

// Roster limits request bodies itself (see scripts/start.js); adapter-node's 512 KB would come first.
process.env.BODY_SIZE_LIMIT ??= '6M';

const SERVED_OVER = 'x-roster-served-over';
const ownProtocol = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;
if (ownProtocol) process.env.PROTOCOL_HEADER = SERVED_OVER;

const certFile = process.env.TLS_CERT;
const keyFile = process.env.TLS_KEY;
if (Boolean(certFile) !== Boolean(keyFile)) {
	console.error('Set both TLS_CERT and TLS_KEY (PEM file paths) to serve HTTPS, or neither.');
	process.exit(1);
}
let tls;
if (certFile && keyFile) {
	try {
		tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
	} catch (err) {
		console.error(`Cannot read TLS_CERT/TLS_KEY: ${err instanceof Error ? err.message : err}`);
		process.exit(1);
	}
}
const hsts = tls && process.env.HSTS === 'true';

// Beside the handler in build/, or in scripts/ next to build/.
const here = new URL('./handler.js', import.meta.url);
const { handler } = await import(
	existsSync(here) ? here.href : new URL('../build/handler.js', import.meta.url).href
);

// Headers HTTP/2 forbids (its compatibility layer throws on them); HTTP/2 has its own framing.
const CONNECTION_HEADERS = new Set([
	'connection',
	'keep-alive',
	'proxy-connection',
	'transfer-encoding',
	'upgrade'
]);

/** Open HTTP/1.1 connections (plain or over TLS) and how many requests each is serving. */
const connections = new Map();
/** Open HTTP/2 sessions. */
const sessions = new Set();
let stopping;

/** @param {any} req @param {any} res */
function serve(req, res) {
	if (req.httpVersionMajor === 2) {
		// adapter-node finds the host in `host`; HTTP/2 sends it as `:authority`.
		req.headers.host = req.headers[':authority'] ?? req.headers.host;
		const setHeader = res.setHeader.bind(res);
		res.setHeader = (name, value) =>
			CONNECTION_HEADERS.has(name.toLowerCase()) ? res : setHeader(name, value);
	} else {
		const socket = req.socket;
		connections.set(socket, (connections.get(socket) ?? 0) + 1);
		res.on('close', () => {
			const left = (connections.get(socket) ?? 1) - 1;
			if (!connections.has(socket)) return;
			connections.set(socket, left);
			// Once shutdown began, a keep-alive connection closes as soon as it is idle.
			if (stopping && left === 0) socket.destroySoon();
		});
		if (stopping) res.setHeader('connection', 'close');
	}
	if (ownProtocol) req.headers[SERVED_OVER] = tls ? 'https' : 'http';
	if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000');
	handler(req, res, () => {
		res.statusCode = 404;
		res.end('Not found');
	});
}

// HTTPS is HTTP/2 with HTTP/1.1 for clients that do not offer it; plain HTTP is HTTP/1.1.
const server = tls
	? http2.createSecureServer({ ...tls, allowHTTP1: true }, serve)
	: http.createServer(serve);
server.on(tls ? 'secureConnection' : 'connection', (socket) => {
	// An HTTP/2 connection is a session (below), not an HTTP/1.1 connection to track.
	if (socket.alpnProtocol === 'h2') return;
	connections.set(socket, 0);
	socket.on('close', () => connections.delete(socket));
});
/** Every socket, TLS handshake not done yet included, so the shutdown timer can end them all. */
const sockets = new Set();
server.on('connection', (socket) => {
	sockets.add(socket);
	socket.on('close', () => sockets.delete(socket));
});
server.on('session', (session) => {
	sessions.add(session);
	// An idle HTTP/2 session closes (the poke stream's 25 s heartbeat keeps a live one busy).
	session.setTimeout(120_000, () => session.close());
	session.on('close', () => sessions.delete(session));
});

/** @param {string} name */
function seconds(name) {
	const raw = process.env[name];
	if (!raw) return undefined;
	if (!/^\d+$/.test(raw)) {
		console.error(`${name} should be a whole number of seconds, not "${raw}"`);
		process.exit(1);
	}
	return Number(raw) * 1000;
}
const keepAlive = seconds('KEEP_ALIVE_TIMEOUT');
// Set on the HTTP/2 server too: its HTTP/1.1 connections otherwise never time out when idle.
/** @type {{ keepAliveTimeout: number }} */ (/** @type {unknown} */ (server)).keepAliveTimeout =
	keepAlive ?? 5000;
const headers = seconds('HEADERS_TIMEOUT');
if (headers !== undefined && 'headersTimeout' in server) server.headersTimeout = headers;

const host = process.env.HOST || '0.0.0.0';
const port = Number(process.env.PORT || 3000);
server.listen({ host, port }, () => {
	const scheme = tls ? 'https' : 'http';
	console.log(`Listening on ${scheme}://${host}:${port}`);
});

// As adapter-node: stop accepting, let in-flight requests finish (idle connections close at once,
// HTTP/2 sessions are told to go away after their open streams), then `sveltekit:shutdown`; after
// SHUTDOWN_TIMEOUT seconds the connections still open are closed.
/** @param {string} reason */
function gracefulShutdown(reason) {
	if (stopping) return;
	const timeout = Number.parseInt(process.env.SHUTDOWN_TIMEOUT || '30', 10);
	stopping = setTimeout(() => {
		for (const session of sessions) session.destroy();
		for (const socket of connections.keys()) socket.destroy();
		for (const socket of sockets) socket.destroy();
	}, timeout * 1000);
	stopping.unref();
	server.close((error) => {
		if (error) return;
		clearTimeout(stopping);
		// @ts-expect-error custom events cannot be typed
		process.emit('sveltekit:shutdown', reason);
	});
	for (const session of sessions) session.close();
	for (const [socket, busy] of connections) if (busy === 0) socket.destroySoon();
}
process.on('SIGTERM', () => gracefulShutdown('SIGTERM'));
process.on('SIGINT', () => gracefulShutdown('SIGINT'));
