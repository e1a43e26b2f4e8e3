import { hasControlCharacter, NO_CONTROL_CHARACTERS } from '../../domain/text';
import { ScimError } from './errors';
import type { PatchOp } from './patch';
import { ENTERPRISE_USER_SCHEMA } from './resource';

type Json = Record<string, unknown>;

/** The enterprise extension's attributes Roster keeps (RFC 7643 §4.3), `manager` as its value. */
export interface EnterpriseUser {
	employeeNumber: string | null;
	costCenter: string | null;
	organization: string | null;
	division: string | null;
	department: string | null;
	manager: string | null;
}

/** The plain string attributes of the extension, by their lower-case name. */
const STRINGS = new Map<string, keyof EnterpriseUser>([
	['employeenumber', 'employeeNumber'],
	['costcenter', 'costCenter'],
	['organization', 'organization'],
	['division', 'division'],
	['department', 'department']
]);
// manager.displayName and manager.$ref are the service provider's to fill (RFC 7643 §4.3).
const MANAGER_READ_ONLY = new Set(['displayname', '$ref']);

/** An extension that holds nothing. */
export function emptyEnterpriseUser(): EnterpriseUser {
	return {
		employeeNumber: null,
		costCenter: null,
		organization: null,
		division: null,
		department: null,
		manager: null
	};
}

function text(value: unknown, field: string): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value !== 'string') {
		throw new ScimError(400, `${field} must be a string`, 'invalidValue');
	}
	if (hasControlCharacter(value)) {
		throw new ScimError(400, `${field} ${NO_CONTROL_CHARACTERS}`, 'invalidValue');
	}
	const clean = value.trim();
	if (clean.length > 200) {
		throw new ScimError(400, `${field} is longer than 200 characters`, 'invalidValue');
	}
	return clean || null;
}

/** `manager` as `{value}` (RFC 7643 §4.3) or, as Entra sends it in a PATCH, the bare id. */
function managerValue(value: unknown): string | null {
	if (value === undefined || value === null) return null;
	if (typeof value === 'string') return text(value, 'manager.value');
	if (typeof value !== 'object' || Array.isArray(value)) {
		throw new ScimError(400, 'manager must be an object with a "value"', 'invalidValue');
	}
	let out: string | null = null;
	for (const [k, v] of Object.entries(value as Json)) {
		const lower = k.toLowerCase();
		if (lower === 'value') out = text(v, 'manager.value');
		else if (!MANAGER_READ_ONLY.has(lower)) throw unknownAttribute(`manager.${k}`);
	}
	return out;
}

function unknownAttribute(name: string) {
	return new ScimError(
		400,
		`"${ENTERPRISE_USER_SCHEMA}:${name.slice(0, 100)}" is not an attribute of the enterprise extension`,
		'invalidPath'
	);
}

/** Sets one attribute (`department`, `manager`, `manager.value`) on `into`; null unassigns it. */
function setAttribute(into: EnterpriseUser, name: string, value: unknown): void {
	const lower = name.toLowerCase();
	const key = STRINGS.get(lower);
	if (key) into[key] = text(value, name);
	else if (lower === 'manager') into.manager = managerValue(value);
	else if (lower === 'manager.value') into.manager = text(value, 'manager.value');
	else if (lower.startsWith('manager.') && MANAGER_READ_ONLY.has(lower.slice(8))) return;
	else throw unknownAttribute(name);
}

/** Reads the extension object of a POST or PUT body; absent means it holds nothing. */
export function readEnterpriseUser(value: unknown): EnterpriseUser {
	const out = emptyEnterpriseUser();
	if (value === undefined || value === null) return out;
	if (typeof value !== 'object' || Array.isArray(value)) {
		throw new ScimError(400, `${ENTERPRISE_USER_SCHEMA} must be an object`, 'invalidValue');
	}
	for (const [k, v] of Object.entries(value as Json)) setAttribute(out, k, v);
	return out;
}

/** Whether a PATCH path names the enterprise extension (`urn:…:enterprise:2.0:User[:attr]`). */
export function isEnterprisePath(path: string): boolean {
	const lower = path.trim().toLowerCase();
	const urn = ENTERPRISE_USER_SCHEMA.toLowerCase();
	return lower === urn || lower.startsWith(urn + ':');
}

/** Applies one PATCH operation on the extension to `ext` (RFC 7644 §3.5.2). */
export function applyEnterpriseOp(ext: EnterpriseUser, op: PatchOp): void {
	const attribute = op.path!.trim().slice(ENTERPRISE_USER_SCHEMA.length + 1);
	if (!attribute) {
		if (op.op === 'remove') {
			Object.assign(ext, emptyEnterpriseUser());
			return;
		}
		if (!op.value || typeof op.value !== 'object' || Array.isArray(op.value)) {
			throw new ScimError(
				400,
				`the value of ${ENTERPRISE_USER_SCHEMA} must be an object`,
				'invalidValue'
			);
		}
		for (const [k, v] of Object.entries(op.value as Json)) setAttribute(ext, k, v);
		return;
	}
	setAttribute(ext, attribute, op.op === 'remove' ? null : op.value);
}

/** The extension as a resource returns it, or undefined when it holds nothing. */
export function enterpriseResource(ext: EnterpriseUser): Json | undefined {
	const out: Json = {};
	for (const key of STRINGS.values()) if (ext[key] !== null) out[key] = ext[key];
	if (ext.manager !== null) out.manager = { value: ext.manager };
	return Object.keys(out).length ? out : undefined;
}
