#!/usr/bin/env node
// `npm run cert -- --host 192.168.1.20 --host roster.local [--dir data/tls]`: makes a local
// certificate authority (kept and reused on later runs) and a server certificate signed by it for
// localhost, 127.0.0.1, ::1 and the given names, for `TLS_CERT`/`TLS_KEY`. Devices trust the CA once;
// a new server certificate (another address) needs no new trust. Nothing is downloaded.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import forge from 'node-forge';

const { values } = parseArgs({
	options: {
		host: { type: 'string', multiple: true, default: [] },
		dir: { type: 'string', default: 'data/tls' },
		help: { type: 'boolean', default: false }
	}
});
if (values.help) {
	console.log('npm run cert -- --host 192.168.1.20 --host roster.local [--dir data/tls]');
	process.exit(0);
}

const dir = resolve(values.dir);
const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...values.host])];
for (const host of hosts) {
	if (
		!isIP(host) &&
		!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(
			host
		)
	) {
		console.error(`"${host}" is neither an IP address nor a host name.`);
		process.exit(1);
	}
}

function keyPair() {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
	const pem = {
		key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
		pub: publicKey.export({ type: 'spki', format: 'pem' }).toString()
	};
	return {
		pem: pem.key,
		privateKey: forge.pki.privateKeyFromPem(pem.key),
		publicKey: forge.pki.publicKeyFromPem(pem.pub)
	};
}

function serial() {
	// Positive, 16 random bytes.
	const bytes = randomBytes(16);
	// Positive and without a leading zero byte (DER: strict parsers refuse a padded serial).
	bytes[0] = (bytes[0] & 0x7f) | 0x40;
	return bytes.toString('hex');
}

function daysFromNow(days) {
	const date = new Date();
	date.setDate(date.getDate() + days);
	return date;
}

mkdirSync(dir, { recursive: true, mode: 0o700 });
const caFile = `${dir}/ca.pem`;
const caKeyFile = `${dir}/ca-key.pem`;

if (existsSync(caFile) !== existsSync(caKeyFile)) {
	// A new CA would replace the one devices already trust; say so instead of doing it.
	console.error(
		`Only one of ${caFile} and ${caKeyFile} exists. Put the missing one back, or remove both to make a new certificate authority (every device must then trust the new one).`
	);
	process.exit(1);
}
let ca;
if (existsSync(caFile) && existsSync(caKeyFile)) {
	ca = {
		cert: forge.pki.certificateFromPem(readFileSync(caFile, 'utf8')),
		privateKey: forge.pki.privateKeyFromPem(readFileSync(caKeyFile, 'utf8'))
	};
	console.log(`Using the certificate authority already in ${caFile}`);
} else {
	const keys = keyPair();
	const cert = forge.pki.createCertificate();
	cert.publicKey = keys.publicKey;
	cert.serialNumber = serial();
	cert.validity.notBefore = daysFromNow(-1);
	cert.validity.notAfter = daysFromNow(3650);
	const name = [
		{ name: 'commonName', value: `Roster local CA (${new Date().toISOString().slice(0, 10)})` },
		{ name: 'organizationName', value: 'Roster local CA' }
	];
	cert.setSubject(name);
	cert.setIssuer(name);
	cert.setExtensions([
		{ name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
		{ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
		{ name: 'subjectKeyIdentifier' }
	]);
	cert.sign(keys.privateKey, forge.md.sha256.create());
	writeFileSync(caKeyFile, keys.pem, { mode: 0o600 });
	writeFileSync(caFile, forge.pki.certificateToPem(cert));
	ca = { cert, privateKey: keys.privateKey };
	console.log(`Made a certificate authority: ${caFile}`);
}
chmodSync(caKeyFile, 0o600);

const keys = keyPair();
const cert = forge.pki.createCertificate();
cert.publicKey = keys.publicKey;
cert.serialNumber = serial();
cert.validity.notBefore = daysFromNow(-1);
// Apple platforms refuse server certificates valid for more than 825 days.
cert.validity.notAfter = daysFromNow(800);
cert.setSubject([{ name: 'commonName', value: values.host[0] ?? 'localhost' }]);
cert.setIssuer(ca.cert.subject.attributes);
cert.setExtensions([
	{ name: 'basicConstraints', cA: false, critical: true },
	{ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
	{ name: 'extKeyUsage', serverAuth: true },
	{
		name: 'subjectAltName',
		altNames: hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host }))
	},
	{ name: 'subjectKeyIdentifier' },
	{
		name: 'authorityKeyIdentifier',
		keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes()
	}
]);
cert.sign(ca.privateKey, forge.md.sha256.create());
const certFile = `${dir}/cert.pem`;
const keyFile = `${dir}/key.pem`;
writeFileSync(keyFile, keys.pem, { mode: 0o600 });
chmodSync(keyFile, 0o600);
writeFileSync(certFile, forge.pki.certificateToPem(cert));

console.log(`Made a server certificate for ${hosts.join(', ')} (valid 800 days).

Serve Roster over HTTPS with:
  TLS_CERT=${certFile} TLS_KEY=${keyFile} npm start

Keep ${caKeyFile} private (it can sign certificates every device that trusts the CA accepts).
Trust the CA once on each device that opens Roster — the file to give them is:
  ${caFile}

  iPad / iPhone: send ca.pem by AirDrop or mail and open it; Settings → Profile Downloaded →
    Install. Then Settings → General → About → Certificate Trust Settings → turn on full trust
    for "Roster local CA".
  Android: copy ca.pem to the device; Settings → Security → Encryption & credentials →
    Install a certificate → CA certificate (the menu names vary a little by maker).
  macOS: open ca.pem in Keychain Access (System keychain), double-click the certificate →
    Trust → "Always Trust". Safari and Chrome use it; Firefox: Settings → Privacy & Security →
    Certificates → View Certificates → Authorities → Import.
  Windows: run certmgr.msc → Trusted Root Certification Authorities → Certificates →
    All Tasks → Import… → ca.pem (Edge and Chrome use it).
  Linux: Chrome/Chromium: chrome://certificate-manager → Local certificates → Custom →
    Import ca.pem as trusted, or: certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n roster-ca -i ${caFile}
    System-wide (Debian): cp ca.pem /usr/local/share/ca-certificates/roster-ca.crt && update-ca-certificates
`);
