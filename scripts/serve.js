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
import https from 'node:https';
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

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
function serve(req, res) {
	if (ownProtocol) req.headers[SERVED_OVER] = tls ? 'https' : 'http';
	if (hsts) res.setHeader('strict-transport-security', 'max-age=31536000');
	handler(req, res, () => {
		res.statusCode = 404;
		res.end('Not found');
	});
}

const server = tls ? https.createServer(tls, serve) : http.createServer(serve);

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
if (keepAlive !== undefined) server.keepAliveTimeout = keepAlive;
const headers = seconds('HEADERS_TIMEOUT');
if (headers !== undefined) server.headersTimeout = headers;

const host = process.env.HOST || '0.0.0.0';
const port = Number(process.env.PORT || 3000);
server.listen({ host, port }, () => {
	const scheme = tls ? 'https' : 'http';
	console.log(`Listening on ${scheme}://${host}:${port}`);
});

// As adapter-node: stop accepting, let in-flight requests finish, then `sveltekit:shutdown`; after
// SHUTDOWN_TIMEOUT seconds the connections still open are closed.
let stopping;
/** @param {string} reason */
function gracefulShutdown(reason) {
	if (stopping) return;
	server.closeIdleConnections();
	server.close((error) => {
		if (error) return;
		clearTimeout(stopping);
		// @ts-expect-error custom events cannot be typed
		process.emit('sveltekit:shutdown', reason);
	});
	const timeout = Number.parseInt(process.env.SHUTDOWN_TIMEOUT || '30', 10);
	stopping = setTimeout(() => server.closeAllConnections(), timeout * 1000);
	stopping.unref();
}
server.on('request', (req) => {
	// Keep-alive connections close as soon as they are idle once shutdown began.
	req.on('close', () => {
		if (stopping) server.closeIdleConnections();
	});
});
process.on('SIGTERM', () => gracefulShutdown('SIGTERM'));
process.on('SIGINT', () => gracefulShutdown('SIGINT'));
